"""Reviewer: who am I, and what state am I in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import ContextDep, Reviewer
from scheduler import accounts, assignments
from scheduler.items import rfc3339

router = APIRouter(prefix="/v1/me", tags=["reviewer"])


@router.get("")
async def me(ctx: ContextDep, who: Reviewer) -> dict[str, Any]:
    """The calling reviewer, with `state`: available, reviewing, or on_break (+ break_until)."""
    reviewer_id = who.reviewer or ""
    now = ctx.clock()
    profile = await accounts.get_reviewer(redis=ctx.redis, reviewer_id=reviewer_id)
    live = await assignments.current(redis=ctx.redis, reviewer=reviewer_id, now=now)
    state: dict[str, Any] = {"state": "reviewing" if live else "available"}
    if live:
        state["assignment"] = {
            "id": live["id"],
            "lease_expires_at": rfc3339(float(live["expires_at"])),
        }
    return {**profile, **state}
