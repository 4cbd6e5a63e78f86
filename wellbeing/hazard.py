"""Hazard pay: per reviewer and month, hours worked, hours with severe exposure, severe-minutes,
and the supplement the team's rule gives, for payroll.

The month is the team's (its policy's time zone). Hours worked come from the stretches of work
(wellbeing.worktime); exposure from the ledger's UTC hour buckets (exposure.keys.day). A "severe
hour" is a UTC hour in which at least one severe item was seen; an hour belongs to the month its
start falls in (in zones at half or quarter hours, the hour across midnight goes to the month
it starts in). The supplement is percent_per_severe_hour × severe hours, capped at cap_percent.
Hour buckets are kept exposure.keys.RETENTION_SECONDS (35 days): ask for last month early.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from typing import Any

from exposure import keys as exposure_keys
from scheduler import accounts
from scheduler.errors import InvalidInput
from scheduler.scripts import Scripts
from wellbeing import policy, state, worktime

# A month of the years 1970-9998 (the month after it must still be a date).
_YEAR = r"(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
PERIOD_PATTERN = rf"^{_YEAR}-(0[1-9]|1[0-2])$"
PERIOD = re.compile(PERIOD_PATTERN)
FIELDS = ("reviewer", "work_hours", "severe_hours", "dose", "supplement_percent")


def month_bounds(period: str, zone: Any) -> tuple[float, float]:
    """The month `YYYY-MM` in `zone` as unix seconds [start, end)."""
    match = PERIOD.match(period)
    if not match:
        raise InvalidInput(
            f"period {period!r} is not a month: write YYYY-MM, e.g. 2026-11 (years 1970-9998).",
            ["query", "period"],
        )
    year, month = int(match[1]), int(match[2])
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    start = datetime.combine(first, time(), tzinfo=zone).timestamp()
    end = datetime.combine(following, time(), tzinfo=zone).timestamp()
    return start, end


def supplement(severe_hours: int, rule: policy.Hazard) -> float:
    return round(min(rule.cap_percent, rule.percent_per_severe_hour * severe_hours), 2)


async def team_month(
    *, scripts: Scripts, team: str, period: str, now: float
) -> list[dict[str, Any]]:
    """One row per reviewer of the team (by id): the contract's fields."""
    redis = scripts.redis
    p = await policy.get(redis=redis, team=team, lease_default=1)
    start, end = month_bounds(period, p.zone())
    ids = await accounts.team_reviewer_ids(redis=redis, team=team)
    # Settles stretches a break-long gap ended, and gives each stretch under way.
    settled = {st["id"]: st for st in await state.many(scripts=scripts, reviewer_ids=ids, now=now)}
    first_hour, last_hour = math.ceil(start / 3600), math.ceil(end / 3600) - 1
    rows = []
    for rid in ids:
        spans = await worktime.intervals(
            redis=redis,
            reviewer=rid,
            since_ended=start,
            work_since=settled[rid]["work_since"],
            now=now,
        )
        worked = worktime.overlap(spans, start, min(end, now))
        async with redis.pipeline(transaction=False) as pipe:
            for d in range(first_hour // 24, last_hour // 24 + 1):
                pipe.hgetall(exposure_keys.day(rid, d))
            buckets: dict[str, str] = {}
            for found in await pipe.execute():
                buckets.update(found)
        dose_units, severe_hours = 0, 0
        for h in range(first_hour, last_hour + 1):
            dose_units += int(buckets.get(f"{h}:dose", 0))
            severe_hours += int(buckets.get(f"{h}:severe", 0)) > 0
        rows.append(
            {
                "reviewer": rid,
                "work_hours": worktime.hours(worked),
                "severe_hours": severe_hours,
                "dose": dose_units / exposure_keys.MICRO,
                "supplement_percent": supplement(severe_hours, p.hazard),
            }
        )
    return rows
