"""How a simulated reviewer works: traits per reviewer, and a plan per item they are given.

Draws for an item come from a generator seeded by (seed, reviewer, item), not from a shared
stream, so a reviewer who gets the same item under two policies treats it the same way: the
policies differ in who gets what, never in the dice. The numbers are modelling choices
(docs/simulation.md); only their spread across reviewers matters for the comparison.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

MEDIAN_SECONDS = {"text": 35.0, "image": 25.0, "video": 100.0}  # on screen, per item
SPREAD = 0.5  # sigma of the lognormal around the median: a few items take 3x as long
SKIP_CHANCE = 0.01  # "not for me": the item goes back to the queue for someone else
COLOR_SHARE = 0.4  # of reveals, how many go to colour (the rest to sharp grayscale)
# Seen before (assist): reading the prior decision next to the blurred picture and confirming
# it takes a few seconds, not a review; how often a reviewer confirms rather than reviewing
# again is the `--confirm-rate` of the command (a modelling choice: no source measures it).
CONFIRM_MEDIAN_SECONDS = 8.0
CONFIRM_RATE = 0.9


@dataclass(frozen=True)
class Traits:
    pace: float  # multiplies review times: 0.8 is quick, 1.25 slow
    reveal: float  # chance of revealing an image or video past the blurred default
    sound: float  # chance of turning the sound on for a video
    low_mood: float  # chance of a low mood at each check-in


@dataclass(frozen=True)
class Plan:
    seconds: float  # from the claim to the decision (or skip)
    skip: bool
    reveal: str | None  # level revealed, if any
    reveal_after: float  # seconds after the claim
    sound: bool
    verdict: str


def traits(seed: int, reviewer: str) -> Traits:
    rng = random.Random(f"{seed}|traits|{reviewer}")
    return Traits(
        pace=rng.uniform(0.8, 1.25),
        reveal=rng.uniform(0.05, 0.6),
        sound=rng.uniform(0.0, 0.5),
        # 1-8% a check-in: about one reviewer in six has a low one in a day of four or five
        low_mood=rng.uniform(0.01, 0.08),
    )


def plan(seed: int, reviewer: str, item: int, t: Traits, media: str, severity: float) -> Plan:
    """What this reviewer does with this item, the same under every policy."""
    rng = random.Random(f"{seed}|{reviewer}|{item}")
    seconds = MEDIAN_SECONDS[media] * t.pace * rng.lognormvariate(0, SPREAD)
    seconds = min(max(seconds, 5.0), 900.0)
    skip = rng.random() < SKIP_CHANCE
    if skip:
        seconds = min(seconds, 15.0)
    reveal = None
    if media != "text" and rng.random() < t.reveal:
        reveal = "color" if rng.random() < COLOR_SHARE else "grayscale"
    return Plan(
        seconds=seconds,
        skip=skip,
        reveal=reveal,
        reveal_after=seconds * rng.uniform(0.2, 0.6),
        sound=media == "video" and rng.random() < t.sound,
        verdict="remove" if severity >= 0.5 else "approve",
    )


def mood(seed: int, reviewer: str, checkin: int, t: Traits) -> int:
    """The reviewer's `checkin`-th mood of the run, 1-5: the same under every policy, so a low
    mood protects the same people at the same time in each, and the comparison is like for like.
    It does not depend on dose: no source gives that curve, and inventing one would decide the
    comparison."""
    rng = random.Random(f"{seed}|mood|{reviewer}|{checkin}")
    if rng.random() < t.low_mood:
        return rng.choice((1, 2))
    return rng.choice((3, 4, 4, 5))


def confirm(
    seed: int, reviewer: str, item: int, t: Traits, rate: float, verdict: str
) -> Plan | None:
    """The plan for an item shown with a prior decision (`seen_before`): confirm its `verdict`
    after a glance at the blurred picture, no reveal, with chance `rate`; None to review it as
    any other item. Drawn apart from `plan`'s dice, so the review, when it happens, is the same
    one the reviewer would have made without the prior decision."""
    rng = random.Random(f"{seed}|{reviewer}|{item}|confirm")
    if rng.random() >= rate:
        return None
    seconds = min(max(CONFIRM_MEDIAN_SECONDS * t.pace * rng.lognormvariate(0, SPREAD), 2.0), 60.0)
    return Plan(
        seconds=seconds, skip=False, reveal=None, reveal_after=0.0, sound=False, verdict=verdict
    )
