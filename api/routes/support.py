"""Confidential support (issue 19): a reviewer asks for help; the team's counsellor reads
requests and check-ins; an admin points the team at its employee-assistance programme.

Only counsellors read mood, notes and requests (a lead gets 403, another team's counsellor 404);
every such read is audited in wellbeing/support.py. An admin sees that requests exist and how
many, never what they say.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import Response

from api.deps import Admin, AdminTeam, ContextDep, CounselledTeam, Counsellor, Reviewer
from api.paging import Cursor, Limit
from scheduler import accounts, audit
from scheduler.models import Ident
from wellbeing import support

router = APIRouter(tags=["support"])


@router.post("/v1/me/support", status_code=201)
async def ask_for_support(
    ctx: ContextDep, who: Reviewer, body: support.SupportIn | None = None
) -> dict[str, Any]:
    """Ask to talk to someone. Your team's counsellors see it at once (with your note, if any);
    your team's employee-assistance programme, if it has one, is told only who, team and when.
    Your lead is not told."""
    reviewer_id = who.reviewer or ""
    profile = await accounts.get_reviewer(redis=ctx.redis, reviewer_id=reviewer_id)
    return await support.request_support(
        redis=ctx.redis,
        reviewer=reviewer_id,
        team=profile["team"],
        note=body.note if body else None,
        now=ctx.clock(),
    )


@router.get("/v1/support")
async def list_support(
    team: CounselledTeam, ctx: ContextDep, who: Counsellor, cursor: Cursor, limit: Limit = 100
) -> dict[str, Any]:
    """Your team's open support requests, newest first. The read is audited."""
    start = cursor.offset
    rows, total = await support.open_requests(
        redis=ctx.redis,
        team=team,
        actor=audit.actor(who),
        now=ctx.clock(),
        start=start,
        end=start + limit,
    )
    following = cursor.next(str(start + limit) if start + limit < total else None)
    return {"data": rows, "next_cursor": following}


@router.post("/v1/support/{request_id}/close")
async def close_support(request_id: Ident, ctx: ContextDep, who: Counsellor) -> dict[str, Any]:
    """Mark a request handled: it leaves the open list (it stays in the audit log)."""
    await support.close(
        redis=ctx.redis,
        request_id=request_id,
        team=who.team or "",
        actor=audit.actor(who),
        now=ctx.clock(),
    )
    return {"id": request_id, "status": "closed"}


@router.get("/v1/checkins")
async def list_checkins(
    team: CounselledTeam, ctx: ContextDep, who: Counsellor, cursor: Cursor, limit: Limit = 100
) -> dict[str, Any]:
    """Your team's check-ins (mood 1-5 and note), newest first. The read is audited."""
    start = cursor.offset
    reviewers = await accounts.team_reviewer_ids(redis=ctx.redis, team=team)
    rows, more = await support.team_checkins(
        redis=ctx.redis,
        team=team,
        reviewers=reviewers,
        actor=audit.actor(who),
        now=ctx.clock(),
        start=start,
        end=start + limit,
    )
    return {"data": rows, "next_cursor": cursor.next(str(start + limit) if more else None)}


@router.get("/v1/teams/{team}/support")
async def support_overview(team: AdminTeam, ctx: ContextDep) -> dict[str, Any]:
    """Where the team's EAP is, whether it has a counsellor, and how many requests are open (not
    what they say: that is the counsellor's)."""
    return await support.overview(redis=ctx.redis, team=team)


@router.put("/v1/teams/{team}/support")
async def configure_support(
    team: AdminTeam,
    ctx: ContextDep,
    who: Admin,
    body: Annotated[support.EapIn, Body()],
) -> dict[str, Any]:
    """Point the team at its employee-assistance programme. The secret signs every notice (as
    vendors' webhooks are signed); one is generated when absent and shown only now."""
    return await support.configure(
        redis=ctx.redis,
        team=team,
        body=body,
        allow_private=ctx.settings.allow_private_callbacks,
        now=ctx.clock(),
        actor=audit.actor(who),
    )


@router.delete("/v1/teams/{team}/support", status_code=204, response_class=Response)
async def remove_support(team: AdminTeam, ctx: ContextDep, who: Admin) -> Response:
    """No EAP any more: requests go to the team's counsellors only."""
    await support.remove_config(redis=ctx.redis, team=team, now=ctx.clock(), actor=audit.actor(who))
    return Response(status_code=204)
