"""Team lead: the team's exposure, one reviewer's history, the wellbeing policy, queues, alerts.

A lead sees only its own team (other teams are 404, as if they did not exist); an admin sees
every team. Reviewers see only their own exposure; vendors see none.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response

from api.context import Context
from api.deps import ContextDep, LeadOrAdmin, TeamInScope, VisibleReviewer
from api.paging import Cursor, Limit, bounds, page
from api.routes.me import exposure_view, work_view
from exposure import avoided, history
from scheduler import accounts, audit, queues
from scheduler.errors import NotFound
from scheduler.items import rfc3339
from scheduler.models import Ident, Principal
from wellbeing import alerts, hazard, jobs, policy, state

router = APIRouter(tags=["lead"])


async def _team_in_scope(ctx: Context, who: Principal, team: str) -> None:
    if (who.role == "lead" and who.team != team) or not await accounts.team_exists(
        redis=ctx.redis, team=team
    ):
        raise NotFound(f"No team '{team}'.")


def _alert_view(alert: dict[str, Any]) -> dict[str, Any]:
    return {**alert, "created_at": rfc3339(alert["created_at"])}


@router.get("/v1/teams/{team}/exposure")
async def team_exposure(
    team: TeamInScope, ctx: ContextDep, who: LeadOrAdmin, cursor: Cursor, limit: Limit = 1000
) -> dict[str, Any]:
    """Every reviewer of the team: state, dose and budget per window, breaks, check-ins, alerts,
    and the dose prior decisions spared them (`avoided`); `team.avoided` is the team's own."""
    ids = await accounts.team_reviewer_ids(redis=ctx.redis, team=team)
    start, end, following = bounds(len(ids), limit=limit, cursor=cursor)
    now = ctx.clock()
    rows = await state.many(scripts=ctx.scripts, reviewer_ids=ids[start:end], now=now)
    spared = await avoided.many(
        redis=ctx.redis, kind="reviewer", subjects=[st["id"] for st in rows], now=now
    )
    by_reviewer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for alert in await alerts.open_alerts(redis=ctx.redis, team=team):
        if alert["reviewer"]:
            by_reviewer[alert["reviewer"]].append(_alert_view(alert))
    data = [
        {
            "id": st["id"],
            "state": st["state"],
            "break_until": rfc3339(st["break_until"]),
            "dose": st["dose"],
            "budget": st["budget"],
            "used_fraction": st["used_fraction"],
            "consecutive_severe": st["consecutive_severe"],
            "continuous_work_seconds": st["continuous_work_seconds"],
            "work": work_view(st["work"]),
            "last_break_at": rfc3339(st["last_break_at"]),
            # When, never how: mood and note are the counsellor's (issue 19).
            "last_checkin": (
                {"at": rfc3339(st["last_checkin_at"])} if st["last_checkin_at"] else None
            ),
            "alerts": by_reviewer.get(st["id"], []),
            "avoided": spared[st["id"]],
        }
        for st in rows
    ]
    team_view = {"avoided": await avoided.team(redis=ctx.redis, team=team, now=now)}
    return {"data": data, "next_cursor": following, "team": team_view}


@router.get(
    "/v1/teams/{team}/hazard",
    responses={200: {"content": {"text/csv": {}}, "description": "One row per reviewer"}},
)
async def team_hazard(
    team: TeamInScope,
    ctx: ContextDep,
    who: LeadOrAdmin,
    request: Request,
    period: Annotated[
        str, Query(pattern=hazard.PERIOD_PATTERN, description="A month, YYYY-MM (1970-9998)")
    ],
) -> Any:
    """Per reviewer, for payroll: hours worked, hours with severe exposure, severe-minutes, and
    the supplement by the team's hazard rule, for a month of the team's time zone. CSV with
    `Accept: text/csv`."""
    rows = await hazard.team_month(scripts=ctx.scripts, team=team, period=period, now=ctx.clock())
    if "text/csv" in request.headers.get("accept", ""):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=hazard.FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        filename = f"safeshift-{team}-hazard-{period}.csv"
        return Response(
            out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return {"data": rows}


@router.get("/v1/reviewers/{reviewer_id}/exposure")
async def reviewer_exposure(
    reviewer_id: VisibleReviewer,
    ctx: ContextDep,
    cursor: Cursor,
    days: Annotated[int, Query(ge=1, le=35)] = 7,
) -> dict[str, Any]:
    """Hourly buckets of dose, items and reveals, oldest first; the reviewer's current windows."""
    cursor.single_page()  # every hour of the range, in one page
    now = ctx.clock()
    rows = await history.hourly(redis=ctx.redis, reviewer=reviewer_id, now=now, days=days)
    current = await state.reviewer(scripts=ctx.scripts, reviewer_id=reviewer_id, now=now)
    return {
        "data": [{**row, "start": rfc3339(row["start"])} for row in rows],
        "next_cursor": None,
        "reviewer": reviewer_id,
        "current": exposure_view(current),
    }


@router.get("/v1/teams/{team}/policy")
async def get_policy(team: TeamInScope, ctx: ContextDep, who: LeadOrAdmin) -> dict[str, Any]:
    found = await policy.get(redis=ctx.redis, team=team, lease_default=ctx.settings.lease_seconds)
    return found.model_dump()


@router.put("/v1/teams/{team}/policy")
async def put_policy(
    team: TeamInScope, ctx: ContextDep, who: LeadOrAdmin, body: Annotated[policy.Policy, Body()]
) -> dict[str, Any]:
    """Replace the policy; omitted fields take the defaults (docs/policy.md)."""
    await policy.put(
        redis=ctx.redis, team=team, policy=body, now=ctx.clock(), actor=audit.actor(who)
    )
    found = await policy.get(redis=ctx.redis, team=team, lease_default=ctx.settings.lease_seconds)
    return found.model_dump()


@router.get("/v1/queues")
async def list_queues(
    ctx: ContextDep, who: LeadOrAdmin, cursor: Cursor, limit: Limit = 1000
) -> dict[str, Any]:
    """Depth, severe depth, oldest age, and whether severe items are at risk of their deadline."""
    severe = policy.Policy().severe_threshold
    if who.role == "lead" and who.team:
        own = await policy.get(
            redis=ctx.redis, team=who.team, lease_default=ctx.settings.lease_seconds
        )
        severe = own.severe_threshold
    risk = await jobs.at_risk(redis=ctx.redis)
    rows = await queues.stats(
        redis=ctx.redis, now=ctx.clock(), severe_band=policy.severe_band(severe)
    )
    data = [
        {**q, "at_risk": q["name"] in risk, "at_risk_items": risk.get(q["name"], 0)} for q in rows
    ]
    return page(data, limit=limit, cursor=cursor)


@router.get("/v1/alerts")
async def list_alerts(
    ctx: ContextDep,
    who: LeadOrAdmin,
    cursor: Cursor,
    team: Annotated[str | None, Query(max_length=128)] = None,
    limit: Limit = 1000,
) -> dict[str, Any]:
    """The open alerts of your team (a lead may omit `team`); an admin names the team."""
    if who.role == "lead":
        team = team or who.team
    if team is None:
        found = [
            a
            for t in await accounts.team_ids(redis=ctx.redis)
            for a in await alerts.open_alerts(redis=ctx.redis, team=t)
        ]
    else:
        await _team_in_scope(ctx, who, team)
        found = await alerts.open_alerts(redis=ctx.redis, team=team)
    return page([_alert_view(a) for a in found], limit=limit, cursor=cursor)


@router.post("/v1/alerts/{alert_id}/resolve")
async def resolve_alert(alert_id: Ident, ctx: ContextDep, who: LeadOrAdmin) -> dict[str, Any]:
    """Close an alert you have dealt with; it comes back if its cause is still there."""
    await alerts.resolve(
        redis=ctx.redis,
        scripts=ctx.scripts,
        alert_id=alert_id,
        team=who.team if who.role == "lead" else None,
        now=ctx.clock(),
    )
    return {"id": alert_id, "status": "resolved"}
