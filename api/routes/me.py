"""Reviewer: who am I, what have I been exposed to, and my breaks and check-ins."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.context import Context
from api.deps import ContextDep, Reviewer
from api.problems import Problem
from scheduler import accounts, assignments
from scheduler.errors import InvalidInput
from scheduler.items import rfc3339
from scheduler.models import LEVELS, Category, Level, bounded_whole_number
from wellbeing import checkins, policy, state, support, views

router = APIRouter(prefix="/v1/me", tags=["reviewer"])


class BreakIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: bounded_whole_number(ge=1, le=480) | None = None  # type: ignore[valid-type]
    # "decompression": the pause offered after severe items (issue 19); a break like any other.
    kind: Literal["requested", "decompression"] = "requested"


class PreferencesIn(BaseModel):
    """Your own view defaults: per category, the level items are served at first. Each must be
    at least as protective as your team's; categories left out follow the team."""

    model_config = ConfigDict(extra="forbid")
    view_defaults: dict[Category, Level] = Field(default_factory=dict)


def work_view(work: dict[str, Any]) -> dict[str, Any]:
    """Time at work today (the team's zone) and this rolling week, the limits, what is left."""
    return {**work, "day_ends_at": rfc3339(work["day_ends_at"])}


def exposure_view(st: dict[str, Any]) -> dict[str, Any]:
    """The exposure part of a reviewer's state, as the contract names it (times in RFC 3339)."""
    return {
        "windows": {w: {"dose": st["dose"][w], "budget": st["budget"][w]} for w in state.WINDOWS},
        "used_fraction": st["used_fraction"],
        "budget_factor": st["budget_factor"],
        "consecutive_severe": st["consecutive_severe"],
        "continuous_work_seconds": st["continuous_work_seconds"],
        "next_break_due_at": rfc3339(st["next_break_due_at"]),
        "last_break_at": rfc3339(st["last_break_at"]),
        "checkin_due_at": rfc3339(st["checkin_due_at"]),
        "work": work_view(st["work"]),
        "unit": "severe-minutes",
    }


async def _state(ctx: Context, reviewer_id: str) -> dict[str, Any]:
    return await state.reviewer(scripts=ctx.scripts, reviewer_id=reviewer_id, now=ctx.clock())


@router.get("")
async def me(ctx: ContextDep, who: Reviewer) -> dict[str, Any]:
    """You, with `state`: available, reviewing, or on_break (+ break_until, reason)."""
    reviewer_id = who.reviewer or ""
    profile = await accounts.get_reviewer(redis=ctx.redis, reviewer_id=reviewer_id)
    st = await _state(ctx, reviewer_id)
    body: dict[str, Any] = {**profile, "state": st["state"]}
    if st["state"] == "on_break":
        body["break_until"] = rfc3339(st["break_until"])
        body["break_reason"] = st["break_reason"]
    if st["assignment"]:
        body["assignment"] = {
            "id": st["assignment"],
            "lease_expires_at": rfc3339(st["lease_expires_at"]),
        }
    due = st["checkin_due_at"]
    body["checkin_due_at"] = rfc3339(due)
    body["checkin_due"] = due is not None and due <= ctx.clock()
    # Whether the page offers a decompression pause: decided here, not by the page (issue 19).
    found = await policy.get(
        redis=ctx.redis, team=profile["team"], lease_default=ctx.settings.lease_seconds
    )
    offer = await support.pause_offer(
        redis=ctx.redis,
        reviewer=reviewer_id,
        now=ctx.clock(),
        per_hour=found.decompression_after_severe_per_hour,
        last_break_at=st["last_break_at"],
    )
    body |= {
        "offer_pause": offer["offer_pause"],
        "pause_reason": offer["pause_reason"],
        "pause_since": rfc3339(offer["since"]),
    }
    return body


@router.get("/exposure")
async def my_exposure(ctx: ContextDep, who: Reviewer) -> dict[str, Any]:
    """Your dose in each rolling window against your budget, and where your next break falls."""
    return exposure_view(await _state(ctx, who.reviewer or ""))


@router.post("/breaks", status_code=201)
async def take_break(ctx: ContextDep, who: Reviewer, body: BreakIn | None = None) -> dict[str, Any]:
    """A break you ask for is granted at once. The item in hand goes back to the queue."""
    reviewer_id, now = who.reviewer or "", ctx.clock()
    profile = await accounts.get_reviewer(redis=ctx.redis, reviewer_id=reviewer_id)
    live = await assignments.current(redis=ctx.redis, reviewer=reviewer_id, now=now)
    if live:
        await assignments.skip(
            scripts=ctx.scripts,
            reviewer=reviewer_id,
            assignment_id=live["id"],
            reason="break",
            now=now,
            release=True,
        )
    minutes = body.minutes if body and body.minutes else 0
    kind = body.kind if body else "requested"
    until = await state.take_break(
        scripts=ctx.scripts,
        reviewer_id=reviewer_id,
        team_id=profile["team"],
        seconds=minutes * 60,
        now=now,
        kind=kind,
    )
    return {
        "break_until": rfc3339(until),
        "reason": kind,
        "released": live["id"] if live else None,
    }


@router.post("/checkins", status_code=201)
async def check_in(body: checkins.CheckinIn, ctx: ContextDep, who: Reviewer) -> dict[str, Any]:
    """How are you? Read by your team's counsellor, never your lead; a low mood lowers your
    budgets for today."""
    reviewer_id = who.reviewer or ""
    profile = await accounts.get_reviewer(redis=ctx.redis, reviewer_id=reviewer_id)
    recorded = await checkins.record(
        scripts=ctx.scripts,
        reviewer_id=reviewer_id,
        team_id=profile["team"],
        body=body,
        now=ctx.clock(),
    )
    return {**recorded, "created_at": rfc3339(recorded["created_at"])}


async def _preferences(ctx: Context, reviewer_id: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The team's level per category, and the preferences as the reviewer tool shows them."""
    profile = await accounts.get_reviewer(redis=ctx.redis, reviewer_id=reviewer_id)
    team_policy = await policy.get(
        redis=ctx.redis, team=profile["team"], lease_default=ctx.settings.lease_seconds
    )
    team = views.team_levels(team_policy)
    preferred = await views.preferences(redis=ctx.redis, reviewer=reviewer_id)
    return team, {
        "view_defaults": preferred,
        "team_view_defaults": team,
        # What you are served first, per category: the more protective of the two.
        "effective": views.effective(team, preferred),
        # Per category, the levels you may choose (the team's and those more protective).
        "allowed": {category: views.allowed(level) for category, level in team.items()},
        "levels": list(LEVELS),
    }


@router.get("/preferences")
async def get_preferences(ctx: ContextDep, who: Reviewer) -> dict[str, Any]:
    """Your view defaults, your team's, and what you are served first in each category."""
    _, body = await _preferences(ctx, who.reviewer or "")
    return body


@router.put("/preferences")
async def put_preferences(body: PreferencesIn, ctx: ContextDep, who: Reviewer) -> dict[str, Any]:
    """Replace your view defaults. A level that shows more than your team's is refused (422)."""
    reviewer_id = who.reviewer or ""
    team, _ = await _preferences(ctx, reviewer_id)
    try:
        await views.set_preferences(
            redis=ctx.redis, reviewer=reviewer_id, team=team, preferred=dict(body.view_defaults)
        )
    except InvalidInput as e:
        # Its own problem type: a schema-valid level the team's policy rules out, which no
        # schema can say (the team chooses), unlike a malformed body.
        errors = [{"loc": e.loc, "msg": e.detail}]
        raise Problem(422, "Less protective than team", e.detail, errors=errors) from e
    _, answer = await _preferences(ctx, reviewer_id)
    return answer
