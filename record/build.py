"""A reviewer's record: every exposure event, time worked and breaks per day, and for whom.

Read, never copied: events come from the exposure ledger's stream (as long as retention keeps
them), vendor and purpose from the items. Work time and breaks are wellbeing.worktime's
(the stretches the break rules record, wellbeing/lua/rules.lua): the same figures as the
working-time limits and payroll, never a second reckoning from the events. Days are calendar
days in the team's time zone.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from exposure import keys as exposure_keys
from record.errors import InvalidRange
from scheduler import keys as scheduler_keys
from scheduler import queues
from scheduler.errors import InvalidInput
from scheduler.items import rfc3339
from scheduler.scripts import Scripts
from wellbeing import worktime

DEFAULT_DAYS = 30  # the contract's default range, ending today
MAX_DAYS = 400  # a year's record with room (the exposure retention default is 400 days)
EARLIEST, LATEST = date(1970, 1, 1), date(9998, 12, 31)  # no event before; room for +1 day
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # fromisoformat alone also takes 20260101, 2026-W01-1
_CHUNK = 1000  # stream entries per XRANGE call
Events = list[tuple[str, dict[str, str]]]  # XRANGE with decode_responses


def vendor_name(item: dict[str, str]) -> str | None:
    """Who the work was for: the vendor's display name frozen on the item at its first claim
    (scheduler/lua/for_whom.lua; `_items` resolves it for items claimed before that)."""
    return item.get("vendor_name") or item.get("vendor") or None


def purpose(item: dict[str, str]) -> str | None:
    """What the work was for: the queue's purpose frozen on the item at its first claim; null
    when its vendor (or an admin) stated none."""
    return item.get("purpose") or None


def _date(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise InvalidInput(
        f"`{name}` must be a calendar date written YYYY-MM-DD (for example 2026-03-31); "
        f"{text[:40]!r} is not one.",
        loc=["query", name],
    )


def _within(day: date, name: str) -> date:
    if not EARLIEST <= day <= LATEST:
        raise InvalidRange(
            f"`{name}` ({day}) is outside the days a record can hold, {EARLIEST} to {LATEST}.",
            loc=["query", name],
        )
    return day


def date_range(*, first: str | None, last: str | None, today: date) -> tuple[date, date]:
    """The inclusive dates asked for; by default the 30 days ending today (or ending `to`)."""
    to = _within(_date(last, "to") or today, "to")
    start = _within(_date(first, "from") or max(EARLIEST, to - timedelta(DEFAULT_DAYS - 1)), "from")
    if start > to:
        raise InvalidRange(
            f"`from` ({start}) is after `to` ({to}); give from <= to (both are included).",
            loc=["query", "from"],
        )
    if (to - start).days + 1 > MAX_DAYS:
        raise InvalidRange(
            f"A record covers at most {MAX_DAYS} days; {start}..{to} is {(to - start).days + 1}. "
            "Ask for it in parts.",
            loc=["query", "from"],
        )
    return start, to


async def _events(redis: Redis, reviewer: str, start: float, end: float) -> list[dict[str, str]]:
    """Events with start <= at < end, by `at`. The stream ids are Redis's wall clock, not the
    service's, so the range is filtered on `at` rather than by id."""
    found: list[dict[str, str]] = []
    cursor = "-"
    while True:
        chunk = cast(
            Events, await redis.xrange(exposure_keys.events(reviewer), min=cursor, count=_CHUNK)
        )
        found += [e for _, e in chunk if start <= float(e["at"]) < end]
        if len(chunk) < _CHUNK:
            return sorted(found, key=lambda e: float(e["at"]))
        cursor = "(" + chunk[-1][0]


async def _items(redis: Redis, ids: Iterable[str]) -> dict[str, dict[str, str]]:
    """Each item's vendor name and purpose as frozen at its first claim. An item seen before
    they were frozen (no `vendor_name` field) gets the ones in force now, once per queue."""
    wanted = sorted(set(ids))
    fields = ("vendor", "queue", "vendor_name", "purpose")
    async with redis.pipeline(transaction=False) as pipe:
        for item_id in wanted:
            pipe.hmget(scheduler_keys.item(item_id), *fields)
        replies = await pipe.execute()
    found = {
        i: {k: v for k, v in zip(fields, r, strict=True) if v is not None}
        for i, r in zip(wanted, replies, strict=True)
    }
    resolved: dict[tuple[str, str], tuple[str, str | None]] = {}
    for item in found.values():
        if "vendor_name" in item or "vendor" not in item:
            continue
        where = (item["vendor"], item.get("queue", ""))
        if where not in resolved:
            resolved[where] = await queues.for_work(redis=redis, vendor=where[0], queue=where[1])
        item["vendor_name"], item["purpose"] = resolved[where][0], resolved[where][1] or ""
    return found


def _category(labels: str | None) -> str | None:
    """The category of the item's most severe label (what the reviewer was braced for)."""
    parsed = json.loads(labels) if labels else []
    return max(parsed, key=lambda lab: lab["severity"])["category"] if parsed else None


def _event(e: dict[str, str], item: dict[str, str]) -> dict[str, Any]:
    return {
        "at": rfc3339(float(e["at"])),
        "item_id": e["item"],
        "vendor_name": vendor_name(item),
        "purpose": purpose(item),
        "category": _category(e.get("labels")),
        "severity": float(e.get("severity") or 0),
        "level": e.get("level"),
        "media_type": e.get("media_type"),
        "seconds": round(float(e["seconds"]), 3),
        "played_seconds": round(float(e.get("played_seconds") or 0), 3),
        "sound": e.get("sound") == "1",
        "dose": int(e["dose"]) / exposure_keys.MICRO,
    }


def _days(
    events: list[dict[str, str]], worked: list[tuple[date, float, int]], tz: ZoneInfo
) -> list[dict[str, Any]]:
    """Each day of the range: time at work and breaks as wellbeing.worktime defines them (the
    one definition, shared with the limits and payroll), and the dose of the items that ended
    that day (summed exactly, in ledger units)."""
    dose: dict[date, int] = defaultdict(int)
    for e in events:
        dose[worktime.local_day(tz, float(e["at"]))] += int(e["dose"])
    return [
        {
            "date": day.isoformat(),
            "work_seconds": seconds,
            "dose": dose.get(day, 0) / exposure_keys.MICRO,
            "breaks": breaks,
        }
        for day, seconds, breaks in worked
    ]


async def build(
    *,
    scripts: Scripts,
    reviewer: str,
    first: date,
    last: date,
    tz: ZoneInfo,
    now: float,
) -> dict[str, Any]:
    """The record of `first`..`last` (inclusive, in `tz`), as the contract shapes it."""
    redis = scripts.redis
    start, end = worktime.day_bounds(tz, first)[0], worktime.day_bounds(tz, last)[1]
    events = await _events(redis, reviewer, start, end)
    worked = await worktime.work_per_day(
        scripts=scripts, reviewer=reviewer, zone=tz, first=first, last=last, now=now
    )
    items = await _items(redis, (e["item"] for e in events))
    return {
        "reviewer": reviewer,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "timezone": tz.key,
        "issued_at": rfc3339(now),
        "unit": "severe-minutes",
        "events": [_event(e, items.get(e["item"], {})) for e in events],
        "days": _days(events, worked, tz),
    }
