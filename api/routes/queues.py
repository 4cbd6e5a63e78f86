"""Queues: what each queue's work is for (issue 19). The queue list itself is the lead's
(`GET /v1/queues`, api/routes/lead.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.deps import ContextDep, VendorOrAdmin
from scheduler import audit, queues
from scheduler.models import QueueName

router = APIRouter(prefix="/v1/queues", tags=["vendor"])


@router.put("/{queue}")
async def set_purpose(
    queue: Annotated[QueueName, Path()],
    body: queues.PurposeIn,
    ctx: ContextDep,
    who: VendorOrAdmin,
) -> dict[str, Any]:
    """State what the work in this queue is for, shown to reviewers with its items ("For:
    <vendor> — <purpose>") and kept in their records. A vendor states it for its own items
    only (queues are shared by name, so each vendor keeps its own); an admin's is the fallback
    for vendors that state none. Items already claimed keep the purpose they were claimed
    under. Audited (`queue.purpose`)."""
    return await queues.set_purpose(
        redis=ctx.redis,
        queue=queue,
        vendor=who.vendor if who.role == "vendor" else None,
        purpose=body.purpose,
        now=ctx.clock(),
        actor=audit.actor(who),
    )
