"""Named scenarios: who works when, what arrives when. Seeded: every policy sees the same day.

Times are hours from the start of the simulation; `--hours` stretches or compresses a scenario
(shifts and streams scale, rates per hour stay). The mixes are modelling choices, documented in
docs/simulation.md; none of them is measured from a real platform.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

# The worst label's category sets the vendor's priority and deadline: urgent harm first, inside
# the shift (choices for a live queue; external rules such as 24 hours are looser).
TRIAGE: Mapping[str, tuple[int, int]] = {
    "child_safety": (9, 1800),
    "self_harm": (8, 1800),
    "violence": (7, 3600),
    "gore": (7, 3600),
    "sexual": (5, 2 * 3600),
    "hate": (5, 2 * 3600),
    "harassment": (5, 2 * 3600),
    "other": (3, 4 * 3600),
    "spam": (2, 8 * 3600),
}
GRAPHIC = frozenset({"violence", "gore", "self_harm", "child_safety"})

DAY_MIX = {
    "spam": 25,
    "other": 14,
    "harassment": 15,
    "hate": 10,
    "sexual": 12,
    "violence": 13,
    "gore": 5,
    "self_harm": 4,
    "child_safety": 2,
}
NEWS_MIX = {"violence": 70, "gore": 20, "hate": 5, "other": 5}
MEDIA = {"text": 50, "image": 35, "video": 15}
GRAPHIC_MEDIA = {"text": 30, "image": 45, "video": 25}
NEWS_MEDIA = {"text": 10, "image": 30, "video": 60}
# The viral-reupload day: pictures and posts only (copies are of pictures: see pictures.py).
VIRAL_MEDIA = {"text": 50, "image": 50}
COPY_SHARE = 0.4  # of a viral-reupload day's items, altered copies of earlier pictures


@dataclass(frozen=True)
class ReviewerSpec:
    id: str
    start: float  # hours from the start of the simulation
    end: float
    languages: tuple[str, ...] = ("en",)
    opt_outs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stream:
    """Items arriving as a Poisson process of `rate` per hour between `start` and `end`."""

    start: float
    end: float
    rate: float
    categories: Mapping[str, float]
    media: Mapping[str, float] = field(default_factory=lambda: MEDIA)
    graphic_media: Mapping[str, float] = field(default_factory=lambda: GRAPHIC_MEDIA)
    graphic_severity: tuple[float, float] = (0.3, 1.0)  # label severities of graphic items


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    hours: float
    start_utc_hour: int  # when the shift starts in the UTC day (low moods last until midnight)
    reviewers: tuple[ReviewerSpec, ...]
    streams: tuple[Stream, ...]
    languages: Mapping[str, float]
    # Share of items that are altered re-uploads of earlier pictures (0: every item is new).
    copy_share: float = 0.0
    # The policies compared when none are named (policies.POLICIES).
    policies: tuple[str, ...] = ("fifo", "breaks-only", "safeshift")

    def scaled(self, hours: float) -> Scenario:
        """The same day in `hours`: shifts and streams stretch, rates per hour stay."""
        k = hours / self.hours
        return replace(
            self,
            hours=hours,
            reviewers=tuple(replace(r, start=r.start * k, end=r.end * k) for r in self.reviewers),
            streams=tuple(replace(s, start=s.start * k, end=s.end * k) for s in self.streams),
        )


@dataclass(frozen=True)
class Arrival:
    index: int
    at: float  # seconds from the start
    labels: tuple[tuple[str, float], ...]
    media: str
    language: str
    priority: int
    sla_seconds: int
    # A re-upload: the earlier item it was copied from, and that item's first original (whose
    # picture, altered, it is). An original is its own root.
    copy_of: int | None = None
    root: int | None = None


def _team(starts: list[float], length: float, spanish: set[int], opt_outs: dict[int, str]) -> tuple:
    return tuple(
        ReviewerSpec(
            id=f"r{n + 1:02d}",
            start=start,
            end=start + length,
            languages=("en", "es") if n in spanish else ("en",),
            opt_outs=(opt_outs[n],) if n in opt_outs else (),
        )
        for n, start in enumerate(starts)
    )


# Twelve reviewers in three staggered starts of a 7.5-hour shift; four also read Spanish; two
# opted out of one category each.
DAY_TEAM = _team(
    [0, 0, 0, 0, 0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5],
    7.5,
    spanish={0, 4, 8, 11},
    opt_outs={6: "child_safety", 10: "self_harm"},
)
# A calm day: the team has slack (about 60% busy without breaks, 75% with them).
DAY_STREAMS = (
    Stream(0, 2, 420, DAY_MIX),
    Stream(2, 6, 520, DAY_MIX),
    Stream(6, 8, 440, DAY_MIX),
)
# Five at night, one of whom leaves at half time: busy without breaks, short-handed with them.
NIGHT_TEAM = (
    ReviewerSpec("r01", 0, 8),
    ReviewerSpec("r02", 0, 8, ("en", "es")),
    ReviewerSpec("r03", 0, 8),
    ReviewerSpec("r04", 0.5, 8, ("en", "es")),
    ReviewerSpec("r05", 0, 4),
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            name="calm-day",
            description="12 reviewers, 8 hours, ~3,900 items, no surprises",
            hours=8,
            start_utc_hour=6,
            reviewers=DAY_TEAM,
            streams=DAY_STREAMS,
            languages={"en": 80, "es": 20},
        ),
        Scenario(
            name="news-burst",
            description="the calm day plus two hours of attack footage from hour 2.5",
            hours=8,
            start_utc_hour=6,
            reviewers=DAY_TEAM,
            streams=(
                *DAY_STREAMS,
                Stream(2.5, 4.5, 700, NEWS_MIX, NEWS_MEDIA, NEWS_MEDIA, (0.5, 1)),
            ),
            languages={"en": 80, "es": 20},
        ),
        Scenario(
            name="understaffed-night",
            description="5 reviewers (one leaves at half time) against a steady night queue",
            hours=8,
            start_utc_hour=22,
            reviewers=NIGHT_TEAM,
            streams=(Stream(0, 8, 320, DAY_MIX),),
            languages={"en": 75, "es": 25},
        ),
        Scenario(
            name="viral-reupload",
            description="the calm day's team and rates; 40% of items are altered copies of"
            " earlier pictures",
            hours=8,
            start_utc_hour=6,
            reviewers=DAY_TEAM,
            streams=tuple(
                replace(s, media=VIRAL_MEDIA, graphic_media=VIRAL_MEDIA) for s in DAY_STREAMS
            ),
            languages={"en": 80, "es": 20},
            copy_share=COPY_SHARE,
            policies=("safeshift", "safeshift-match", "safeshift-auto"),
        ),
    )
}
DEFAULT = "calm-day"


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _item(rng: random.Random, stream: Stream, languages: Mapping[str, float]) -> dict:
    """One item's labels (the worst first), media, language, priority and SLA."""
    category = _pick(rng, stream.categories)
    low, high = stream.graphic_severity if category in GRAPHIC else (0.2, 1.0)
    labels = [(category, round(rng.uniform(low, high), 1))]
    if rng.random() < 0.15:  # a second, milder label
        labels.append((_pick(rng, DAY_MIX), round(rng.uniform(0.1, 0.5), 1)))
    media = _pick(rng, stream.graphic_media if category in GRAPHIC else stream.media)
    priority, sla = TRIAGE[category]
    return {
        "labels": tuple(labels),
        "media": media,
        "language": _pick(rng, languages),
        "priority": priority,
        "sla_seconds": sla,
    }


def arrivals(scenario: Scenario, seed: int) -> list[Arrival]:
    """Every item of the run in arrival order; the same for every policy of a seed."""
    rng = random.Random(f"{seed}|arrivals")
    drawn: list[tuple[float, dict]] = []
    for stream in scenario.streams:
        t, end = stream.start * 3600, stream.end * 3600
        while True:
            t += rng.expovariate(stream.rate / 3600)
            if t >= end:
                break
            drawn.append((t, _item(rng, stream, scenario.languages)))
    drawn.sort(key=lambda pair: pair[0])
    day = [Arrival(index=n, at=t, **fields) for n, (t, fields) in enumerate(drawn)]
    return _copies(day, scenario.copy_share, seed) if scenario.copy_share > 0 else day


def _copies(day: list[Arrival], share: float, seed: int) -> list[Arrival]:
    """Turn `share` of the day into re-uploads of earlier pictures, times unchanged.

    The earlier item is picked uniformly among every picture so far, copies included, and the
    copy is of that item's root original: a picture copied often is picked more often, so a
    few go viral and most are copied once or never (preferential attachment). A copy carries
    its root's labels, language, priority and deadline: the vendor classifies it the same.
    An item before the first picture stays new, so the share is reached only approximately.
    """
    rng = random.Random(f"{seed}|copies|{share}")
    out: list[Arrival] = []
    pictures: list[int] = []  # indices of every picture so far
    for a in day:
        if pictures and rng.random() < share:
            source = out[rng.choice(pictures)]
            root = out[source.root if source.root is not None else source.index]
            a = replace(root, index=a.index, at=a.at, copy_of=source.index, root=root.index)
        elif a.media == "image":
            a = replace(a, root=a.index)
        if a.media == "image":
            pictures.append(a.index)
        out.append(a)
    return out


def get(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
