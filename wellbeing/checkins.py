"""Check-ins: how the reviewer feels, asked for at the team's interval.

A low mood is acted on, not just stored: budgets shrink for the rest of the day and the lead is
told (after Spence 2024: support from colleagues buffers the harm).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from scheduler.models import WholeNumber
from scheduler.scripts import Scripts


class CheckinIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mood: WholeNumber = Field(ge=1, le=5)  # 1 very bad … 5 very good
    note: str | None = Field(default=None, max_length=2000)


async def record(
    *, scripts: Scripts, reviewer_id: str, team_id: str, body: CheckinIn, now: float
) -> dict[str, Any]:
    checkin_id, low = await scripts.checkin(
        keys=[], args=[reviewer_id, team_id, now, body.mood, body.note or ""]
    )
    return {"id": checkin_id, "mood": body.mood, "low_mood": bool(low), "created_at": now}
