"""Reading the "avoided" figure (issue 17): severe-minutes not taken thanks to prior decisions.

exposure/lua/avoided.lua writes it, in the step that decides an item (a match, a group or a
confirmation without a reveal). The read sums the hour buckets still inside each window straight
from the hash, so a read never writes and agrees with the script's running sums whenever those
were last brought up to date. docs/dose.md says what counts and why.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis

from exposure import keys

DAY_HOURS, WEEK_HOURS = 24, 168


def windows(buckets: dict[str, str], now: float) -> dict[str, float]:
    """`{day, week}` in severe-minutes from one subject's hash (numeric fields are hour buckets;
    the rolling day is the current hour and the 23 before it, the week 168 hours)."""
    hour = int(now // 3600)
    day = week = 0
    for field, value in buckets.items():
        if not field.lstrip("-").isdigit():
            continue  # the running sums kept beside the buckets
        age = hour - int(field)
        if 0 <= age < WEEK_HOURS:
            week += int(value)
            if age < DAY_HOURS:
                day += int(value)
    return {"day": day / keys.MICRO, "week": week / keys.MICRO}


async def many(
    *, redis: Redis, kind: str, subjects: Sequence[str], now: float
) -> dict[str, dict[str, float]]:
    """The figure of each subject (`kind` "reviewer" or "team"), in one round trip."""
    async with redis.pipeline(transaction=False) as pipe:
        for subject in subjects:
            pipe.hgetall(keys.avoided(kind, subject))
        found = await pipe.execute()
    return {s: windows(b, now) for s, b in zip(subjects, found, strict=True)}


async def team(*, redis: Redis, team: str, now: float) -> dict[str, float]:
    """The team's figure: everything spared anyone of it, and matches no reviewer saw."""
    return (await many(redis=redis, kind="team", subjects=[team], now=now))[team]
