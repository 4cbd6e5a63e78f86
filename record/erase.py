"""Erase one reviewer's data: an admin's act (a reviewer who leaves and asks for it, a court
order). What is erased is the reviewer's history: exposure events and windows, check-ins,
stretches of work, and whatever other packages keep about them (ERASERS). The record is built
from those, so it is empty afterwards; records already signed stay valid, since the signing keys
are not touched (a verifier needs only the published public keys).

Kept, on purpose: the reviewer's account and keys (deleting them is another act), a break in
force and today's low-mood budget factor (erasing must not lift a protection of today), items,
assignments and decisions (the vendors' work and its audit), and the audit log, which is never
trimmed; the erase itself is audited with who and when, never with the data.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from exposure import keys as exposure_keys
from scheduler import audit
from scheduler import keys as scheduler_keys
from wellbeing import keys as wellbeing_keys
from wellbeing import support

# An eraser reads what it must with `redis` and queues its deletions on `pipe`, the one MULTI
# that also writes the audit entry: all of the reviewer's data goes, or none of it.
Eraser = Callable[[Redis, Pipeline, str, float], Awaitable[None]]

# The state hash's fields that are history: the last mood and check-ins, and the stretch of work
# (left in place, the next read would settle it into a stretch again). The rest is what protects
# the reviewer today and stays: a break in force, a low mood's budget factor until midnight.
_HISTORY_FIELDS = (
    "last_checkin_at",
    "last_mood",
    "checkins",
    "work_since",
    "last_active",
    "last_break_at",
)


async def _exposure(redis: Redis, pipe: Pipeline, reviewer: str, now: float) -> None:
    """Events, the window sums and their buckets. Day hashes expire RETENTION_SECONDS plus a day
    after they were first written; every day index they can still have is deleted."""
    del redis
    last = math.floor(now / 86400) + 1
    first = last - exposure_keys.RETENTION_SECONDS // 86400 - 3
    pipe.delete(
        exposure_keys.events(reviewer),
        exposure_keys.totals(reviewer),
        exposure_keys.minutes(reviewer),
        *(exposure_keys.day(reviewer, d) for d in range(first, last + 1)),
    )


async def _wellbeing(redis: Redis, pipe: Pipeline, reviewer: str, now: float) -> None:
    """Check-ins (the stream and the last mood) and the stretches of work."""
    del redis, now
    pipe.delete(wellbeing_keys.checkins(reviewer), wellbeing_keys.work(reviewer))
    pipe.hdel(wellbeing_keys.state(reviewer), *_HISTORY_FIELDS)


async def _mood_alert(redis: Redis, pipe: Pipeline, reviewer: str, now: float) -> None:
    """The open low-mood alert of the reviewer's team, which says they needed attention. (Resolved
    alerts are not indexed by reviewer; they expire a month after they were resolved.)"""
    del now
    team = await redis.hget(scheduler_keys.reviewer(reviewer), "team")
    if not team:
        return
    field = f"{team}|low_mood|{reviewer}"
    alert_id = await redis.hget(wellbeing_keys.OPEN_ALERTS, field)
    if alert_id:
        pipe.hdel(wellbeing_keys.OPEN_ALERTS, field)
        pipe.zrem(wellbeing_keys.team_alerts(team), alert_id)
        pipe.delete(wellbeing_keys.alert(alert_id))


async def _support(redis: Redis, pipe: Pipeline, reviewer: str, now: float) -> None:
    """Support requests: their notes, and their place in the team's open list."""
    del now
    await support.forget(redis=redis, pipe=pipe, reviewer=reviewer)


async def _views(redis: Redis, pipe: Pipeline, reviewer: str, now: float) -> None:
    """The reviewer's own view defaults (issue 18)."""
    del redis, now
    pipe.delete(wellbeing_keys.view_preferences(reviewer))


# Every package that keeps data about one reviewer adds its eraser here: the one list an erase
# walks.
ERASERS: list[Eraser] = [_exposure, _wellbeing, _mood_alert, _support, _views]


async def erase(*, redis: Redis, reviewer: str, now: float, actor: str) -> None:
    """Delete the reviewer's data and audit that it was done (`reviewer.erase`: who and when)."""
    async with redis.pipeline(transaction=True) as pipe:
        for eraser in ERASERS:
            await eraser(redis, pipe, reviewer, now)
        audit.append(pipe, now=now, action="reviewer.erase", actor=actor, subject=reviewer)
        await pipe.execute()
