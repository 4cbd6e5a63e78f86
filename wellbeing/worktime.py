"""Working time: how long a reviewer was at work, per local day of the team's time zone.

Time at work is a stretch of work as the break rules define it (from a claim until a break, or
until a gap as long as a break with no item in hand) and the time an item is held. The Lua rules
record each stretch when it ends, in the same atomic step that ends it (rules.lua `record_work`:
a sorted set of "<from>:<to>" per reviewer); the stretch under way is `work_since` .. now.

Why intervals and not hours: days are local (Caracas, Manila, also Kathmandu at +05:45), so
per-UTC-hour buckets would split badly at the day's edge; a handful of stretches a day is cheap
to sum exactly for any bounds. Lua has no tz database, so Python computes the bounds of the day
(the claim passes today's to its script) and sums local days for reads.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from scheduler.scripts import Scripts
from wellbeing import keys, policy

WEEK_SECONDS = 7 * 86400

Interval = tuple[float, float]


def day_bounds(zone: ZoneInfo, day: date) -> tuple[float, float]:
    """The local day as unix seconds [start, end): 23 or 25 hours on the days clocks change."""
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start.timestamp(), end.timestamp()


def local_day(zone: ZoneInfo, at: float) -> date:
    return datetime.fromtimestamp(at, zone).date()


def today_bounds(zone: ZoneInfo, now: float) -> tuple[float, float]:
    return day_bounds(zone, local_day(zone, now))


async def team_zone(*, redis: Redis, team: str) -> ZoneInfo:
    """The team's time zone (UTC unless its policy names one; a name validated on the way in)."""
    name = await redis.hget(keys.policy(team), "timezone")
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ValueError, KeyError):  # a hand-edited hash: count in UTC rather than fail
        return ZoneInfo("UTC")


class Days:
    """The time zones this process has met in teams' policies, for the claim's working-time rule.

    The claim passes today's bounds in each of them (a few zones: computed here, no Redis read);
    the claim script picks its team's, or answers `zone` for one it was not given, and is asked
    again once with it. So a claim costs one round trip, not three, and a zone set by another
    process is never missed.
    """

    def __init__(self) -> None:
        self.zones: dict[str, ZoneInfo] = {"UTC": ZoneInfo("UTC")}

    def learn(self, name: str) -> None:
        try:
            self.zones[name] = ZoneInfo(name)
        except (ValueError, KeyError):  # a hand-edited hash: count in UTC rather than fail
            self.zones[name] = ZoneInfo("UTC")

    def spec(self, now: float) -> str:
        """'zone start end ...' for the claim script (zone names never contain spaces)."""
        return " ".join(
            f"{name} {start!r} {end!r}"
            for name, zone in self.zones.items()
            for start, end in [today_bounds(zone, now)]
        )


DAYS = Days()


def overlap(intervals: Iterable[Interval], lo: float, hi: float) -> float:
    return sum(max(0.0, min(b, hi) - max(a, lo)) for a, b in intervals)


async def intervals(
    *, redis: Redis, reviewer: str, since_ended: float, work_since: float | None, now: float
) -> list[Interval]:
    """The stretches that ended after `since_ended`, and the one under way (`work_since` as the
    states script settled it: wellbeing.state reports it)."""
    found: list[Interval] = []
    for member in await redis.zrangebyscore(keys.work(reviewer), f"({since_ended}", "+inf"):
        a, b = member.split(":")
        found.append((float(a), float(b)))
    if work_since is not None and now > work_since:
        found.append((work_since, now))
    return found


def summary(
    spans: Sequence[Interval], *, zone: ZoneInfo, now: float, p: policy.Policy
) -> dict[str, float]:
    """Today's and the rolling week's time at work against the limits, and what is left."""
    start, end = today_bounds(zone, now)
    today = overlap(spans, start, now)
    week = overlap(spans, now - WEEK_SECONDS, now)
    left = max(0.0, min(p.max_work_seconds_per_day - today, p.max_work_seconds_per_week - week))
    return {
        "today_seconds": round(today, 3),
        "week_seconds": round(week, 3),
        "max_per_day_seconds": p.max_work_seconds_per_day,
        "max_per_week_seconds": p.max_work_seconds_per_week,
        "left_seconds": round(left, 3),
        "day_ends_at": end,
        "timezone": p.timezone,
    }


async def settled(
    *, scripts: Scripts, reviewer: str, since_ended: float, now: float
) -> list[Interval]:
    """The stretches that ended after `since_ended` and the one under way, by start, after the
    states script has settled the reviewer's stretch (it ends one that a break-long gap ended),
    so a past day reads the same whenever it is asked."""
    # The states script settles the stretch; its `work_since` is the 11th value it returns.
    reply = await scripts.states(keys=[], args=[now, reviewer])
    since = float(reply[10]) if len(reply) > 10 and reply[10] else None
    spans = await intervals(
        redis=scripts.redis, reviewer=reviewer, since_ended=since_ended, work_since=since, now=now
    )
    return sorted(spans)


def per_day(
    spans: Sequence[Interval], *, zone: ZoneInfo, first: date, last: date, now: float
) -> list[tuple[date, float, int]]:
    """(day, seconds at work, breaks) for each local day `first`..`last` in `zone`.

    Seconds: the stretches' overlap with the day (a stretch over midnight is split). Breaks: the
    gaps between one stretch and the next (each ended by a break, taken or enforced, or by a
    break-long idle gap) that begin and end on the same local day; the night is not a break."""
    breaks: dict[date, int] = {}
    for (_, ended), (resumed, _) in pairwise(spans):
        day = local_day(zone, ended)
        if ended < resumed and day == local_day(zone, resumed):
            breaks[day] = breaks.get(day, 0) + 1
    days = []
    day = first
    while day <= last:
        a, b = day_bounds(zone, day)
        worked = round(overlap(spans, a, min(b, now)), 3) if a < now else 0.0
        days.append((day, worked, breaks.get(day, 0)))
        day += timedelta(days=1)
    return days


async def work_per_day(
    *, scripts: Scripts, reviewer: str, zone: ZoneInfo, first: date, last: date, now: float
) -> list[tuple[date, float, int]]:
    """Seconds at work and breaks on each local day from `first` to `last` (both inclusive), in
    `zone`: the one definition of time worked, for the reviewer's record and payroll. Stretches
    are kept as long as the exposure retention (wellbeing.jobs.retention_pass)."""
    if last < first:
        return []
    lo, _ = day_bounds(zone, first)
    spans = await settled(scripts=scripts, reviewer=reviewer, since_ended=lo, now=now)
    return per_day(spans, zone=zone, first=first, last=last, now=now)


def hours(seconds: float) -> float:
    """Hours to the hundredth, rounded down: a payroll never pays a hair that was not worked."""
    return math.floor(seconds / 36) / 100
