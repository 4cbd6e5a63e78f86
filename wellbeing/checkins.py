"""Check-ins: how the reviewer feels, asked for at the team's interval.

A low mood is acted on, not just stored: budgets shrink for the rest of the day, the team's
counsellor reads it (after Spence 2024: support buffers the harm), and the lead is told only that
someone needs attention. Mood and note never reach a lead (issue 19; wellbeing/support.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis

from scheduler import accounts
from scheduler.models import WholeNumber
from scheduler.scripts import Scripts


class CheckinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mood: WholeNumber = Field(ge=1, le=5)  # 1 very bad … 5 very good
    note: str | None = Field(default=None, max_length=2000)


async def record(
    *, scripts: Scripts, reviewer_id: str, team_id: str, body: CheckinIn, now: float
) -> dict[str, Any]:
    redis: Redis = scripts.redis
    told = await accounts.has_counsellor(redis=redis, team=team_id)
    checkin_id, low = await scripts.checkin(
        keys=[], args=[reviewer_id, team_id, now, body.mood, body.note or "", "1" if told else "0"]
    )
    return {"id": checkin_id, "mood": body.mood, "low_mood": bool(low), "created_at": now}
