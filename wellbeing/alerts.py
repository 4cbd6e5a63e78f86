"""Alerts for team leads: stored in Redis, one open alert per cause, resolved when it is over.

The rules raise and clear them inside their own scripts (wellbeing/lua/rules.lua); this module
lists them and lets Python jobs (SLA risk) and leads raise or resolve one.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from scheduler.errors import NotFound
from scheduler.scripts import Scripts
from wellbeing import keys


def _shape(raw: dict[str, str]) -> dict[str, Any]:
    return {
        "id": raw["id"],
        "type": raw["type"],
        "team": raw["team"],
        "reviewer": raw["reviewer"] or None,
        "subject": raw["subject"],
        "created_at": float(raw["created_at"]),
        "detail": raw["detail"],
    }


async def open_alerts(*, redis: Redis, team: str) -> list[dict[str, Any]]:
    """The team's open alerts, oldest first."""
    ids = await redis.zrange(keys.team_alerts(team), 0, -1)
    async with redis.pipeline(transaction=False) as pipe:
        for alert_id in ids:
            pipe.hgetall(keys.alert(alert_id))
        found = await pipe.execute()
    return [_shape(raw) for raw in found if raw]


async def raise_alert(
    *,
    scripts: Scripts,
    team: str,
    kind: str,
    subject: str,
    now: float,
    detail: str,
    reviewer: str = "",
) -> str | None:
    return await scripts.alert(  # type: ignore[no-any-return]
        keys=[], args=["raise", team, kind, subject, now, reviewer, detail]
    )


async def clear(*, scripts: Scripts, team: str, kind: str, subject: str, now: float) -> None:
    await scripts.alert(keys=[], args=["clear", team, kind, subject, now, "", ""])


async def resolve(
    *, redis: Redis, scripts: Scripts, alert_id: str, team: str | None, now: float
) -> None:
    """A lead closes an alert by hand; `team` None for an admin (any team)."""
    raw = await redis.hgetall(keys.alert(alert_id))
    if not raw or raw.get("resolved_at") or (team is not None and raw["team"] != team):
        raise NotFound(f"No open alert '{alert_id}' for your team.")
    await clear(
        scripts=scripts, team=raw["team"], kind=raw["type"], subject=raw["subject"], now=now
    )
