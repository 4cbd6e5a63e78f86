"""Team lead: the team's exposure as CSV, for a spreadsheet or a wellbeing review.

One row per reviewer and hour in which they saw anything, from the same hour buckets as
`GET /v1/reviewers/{id}/exposure` (hours with no exposure are left out: a week of a large team
is mostly empty hours). Exposure is health-adjacent data, so every export goes to the audit log.
Check-ins are not exported here: mood and notes are the team counsellor's alone (issue 19,
wellbeing/support.py), and nothing in this file may read them.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import ContextDep, LeadOrAdmin, TeamInScope
from exposure import history
from scheduler import accounts, audit
from scheduler.items import rfc3339

router = APIRouter(tags=["lead"])

FIELDS = ("reviewer", "hour_start", "dose", "items", "reveals", "seconds", "severe")


@router.get(
    "/v1/teams/{team}/exposure.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "One row per reviewer-hour"}},
)
async def team_exposure_csv(
    team: TeamInScope,
    ctx: ContextDep,
    who: LeadOrAdmin,
    days: Annotated[int, Query(ge=1, le=35)] = 7,
) -> Response:
    """Hourly dose (severe-minutes), items, reveals, seconds on screen and severe items."""
    now = ctx.clock()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for reviewer in await accounts.team_reviewer_ids(redis=ctx.redis, team=team):
        for row in await history.hourly(redis=ctx.redis, reviewer=reviewer, now=now, days=days):
            if row["dose"] or row["items"] or row["seconds"]:
                writer.writerow({**row, "reviewer": reviewer, "hour_start": rfc3339(row["start"])})
    await audit.note(
        ctx.redis,
        now=now,
        action="exposure.export",
        actor=audit.actor(who),
        subject=team,
        days=days,
    )
    filename = f"safeshift-{team}-exposure-{days}d.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
