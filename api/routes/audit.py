"""Admin: the audit log, newest first, as JSON pages or a CSV export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import Admin, ContextDep
from api.paging import Cursor
from scheduler import audit
from scheduler.items import rfc3339

router = APIRouter(prefix="/v1", tags=["admin"])

Action = Annotated[str | None, Query(max_length=64, pattern=r"^[a-z.]+$")]


@router.get("/audit")
async def list_audit(
    ctx: ContextDep,
    _: Admin,
    cursor: Cursor,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    action: Action = None,
) -> dict[str, Any]:
    """Who revealed, decided, changed a policy, created or revoked a key; `cursor` pages back."""
    rows, following = await audit.read(
        redis=ctx.redis, limit=limit, before=cursor.position, action=action
    )
    data = [{**r, "at": rfc3339(r["at"])} for r in rows]
    return {"data": data, "next_cursor": cursor.next(following)}


@router.get("/audit.csv")
async def export_audit(
    ctx: ContextDep,
    _: Admin,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
    action: Action = None,
) -> Response:
    rows, _next = await audit.read(redis=ctx.redis, limit=limit, action=action)
    body = audit.to_csv([{**r, "at": rfc3339(r["at"])} for r in rows])
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="safeshift-audit.csv"'},
    )
