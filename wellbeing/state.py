"""A reviewer's wellbeing state as people read it: windows against budgets, breaks, check-ins.

One script reads it for a batch of reviewers (the window sums are brought up to date on the
way); a team's batches go in one pipeline, so the lead's dashboard is one round trip however
large the team, and no single script holds Redis for more than a couple of milliseconds.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import Any

from exposure.keys import MICRO
from scheduler import keys
from scheduler.scripts import Scripts
from wellbeing import policy, worktime
from wellbeing.keys import work as keys_work

# The values wellbeing/lua/states.lua returns per reviewer, in order.
STATE_FIELDS = (
    "id",
    "team",
    "dose_hour",
    "dose_day",
    "dose_week",
    "budget_hour",
    "budget_day",
    "budget_week",
    "budget_factor",
    "consecutive_severe",
    "work_since",
    "last_active",
    "break_until",
    "break_reason",
    "last_break_at",
    "last_checkin_at",
    "last_mood",
    "assignment",
    "lease_expires_at",
    "max_continuous_work_seconds",
    "break_seconds",
    "checkin_interval_seconds",
    "first_active_at",
)
WINDOWS = ("hour", "day", "week")


def _num(value: str) -> float | None:
    return float(value) if value else None


def _used_fraction(dose_units: float, budget_minutes: float) -> float:
    """The share of a budget used, as the Lua rules compute it (the same float operations on the
    same numbers, so the API and the scheduler agree on who is over). The budget is a positive
    float in severe-minutes, never rounded to whole ledger units: one smaller than a unit still
    caps (doses are whole units). A budget too large for units is inf, so nothing uses any of it;
    a share too large for a float (a dose against a budget near the smallest float) is the
    largest float, which JSON can carry."""
    used = dose_units / (budget_minutes * MICRO)
    return sys.float_info.max if math.isinf(used) else used


def _shape(raw: dict[str, str], now: float) -> dict[str, Any]:
    """Plain numbers and times (unix seconds) the API formats; doses and budgets in
    severe-minutes, as exact as the ledger keeps them (a budget of 1e-6 is 1e-6, not 0)."""
    units = {w: int(float(raw[f"dose_{w}"])) for w in WINDOWS}
    dose = {w: units[w] / MICRO for w in WINDOWS}
    budget = {w: float(raw[f"budget_{w}"]) for w in WINDOWS}
    used = max(_used_fraction(units[w], budget[w]) for w in WINDOWS)
    break_until = _num(raw["break_until"])
    on_break = break_until is not None and break_until > now
    work_since = _num(raw["work_since"])
    last_checkin = _num(raw["last_checkin_at"])
    interval = float(raw["checkin_interval_seconds"])
    first_active = _num(raw["first_active_at"])
    checkin_from = last_checkin if last_checkin is not None else (first_active or work_since)
    if on_break:
        state = "on_break"
    elif raw["assignment"]:
        state = "reviewing"
    else:
        state = "available"
    return {
        "id": raw["id"],
        "team": raw["team"],
        "state": state,
        "break_until": break_until if on_break else None,
        "break_reason": raw["break_reason"] if on_break else None,
        "dose": dose,
        "budget": budget,
        "budget_factor": float(raw["budget_factor"]),
        "used_fraction": round(used, 4),
        "budget_spent": used >= 1,  # exact: a share of 0.99996 shows as 1.0 but is not spent
        "consecutive_severe": int(float(raw["consecutive_severe"])),
        "continuous_work_seconds": round(now - work_since, 3) if work_since else 0,
        "next_break_due_at": (
            work_since + float(raw["max_continuous_work_seconds"]) if work_since else None
        ),
        "last_break_at": _num(raw["last_break_at"]),
        "last_checkin_at": last_checkin,
        "last_mood": int(float(raw["last_mood"])) if raw["last_mood"] else None,
        "checkin_due_at": checkin_from + interval if checkin_from is not None else None,
        "assignment": raw["assignment"] or None,
        "lease_expires_at": _num(raw["lease_expires_at"]),
        "work_since": work_since,
    }


def _rows(reply: list[str], now: float) -> list[dict[str, Any]]:
    width = len(STATE_FIELDS)
    return [
        _shape(dict(zip(STATE_FIELDS, reply[i : i + width], strict=True)), now)
        for i in range(0, len(reply), width)
    ]


BATCH = 200  # reviewers per script call


async def reviewer(*, scripts: Scripts, reviewer_id: str, now: float) -> dict[str, Any]:
    rows = _rows(await scripts.states(keys=[], args=[now, reviewer_id]), now)
    await _add_work(scripts.redis, rows, now)
    return rows[0]


async def many(
    *, scripts: Scripts, reviewer_ids: Sequence[str], now: float
) -> list[dict[str, Any]]:
    """The states of these reviewers, in this order."""
    batches = [reviewer_ids[i : i + BATCH] for i in range(0, len(reviewer_ids), BATCH)]
    async with scripts.redis.pipeline(transaction=False) as pipe:
        for batch in batches:  # a pipeline loads the script first if Redis forgot it
            await scripts.states.script(keys=[], args=[now, *batch], client=pipe)
        replies = await pipe.execute()
    rows = [row for reply in replies for row in _rows(reply, now)]
    await _add_work(scripts.redis, rows, now)
    return rows


async def _add_work(redis: Any, rows: list[dict[str, Any]], now: float) -> None:
    """Each row's `work`: time at work today (the team's zone) and this rolling week, against
    the limits (wellbeing.worktime). Read after the states script settled the stretches."""
    teams: dict[str, policy.Policy] = {}
    for team in {row["team"] for row in rows}:
        teams[team] = await policy.get(redis=redis, team=team, lease_default=1)
    async with redis.pipeline(transaction=False) as pipe:
        for row in rows:
            pipe.zrangebyscore(keys_work(row["id"]), f"({now - worktime.WEEK_SECONDS}", "+inf")
        replies = await pipe.execute()
    for row, members in zip(rows, replies, strict=True):
        spans = [tuple(map(float, m.split(":"))) for m in members]
        if row["work_since"] is not None and now > row["work_since"]:
            spans.append((row["work_since"], now))
        p = teams[row["team"]]
        row["work"] = worktime.summary(spans, zone=p.zone(), now=now, p=p)


async def team(*, scripts: Scripts, team_id: str, now: float) -> list[dict[str, Any]]:
    ids = sorted(await scripts.redis.smembers(keys.team_reviewers(team_id)))
    return await many(scripts=scripts, reviewer_ids=ids, now=now)


async def take_break(
    *,
    scripts: Scripts,
    reviewer_id: str,
    team_id: str,
    seconds: int,
    now: float,
    kind: str = "requested",
) -> float:
    """Granted at once, always; `seconds` 0 takes the team's break_seconds. The caller releases
    the item in hand first. `kind` "decompression" (a pause after severe items) is kept as the
    reason and is otherwise a break like any other."""
    return float(await scripts.take_break(keys=[], args=[reviewer_id, team_id, now, seconds, kind]))
