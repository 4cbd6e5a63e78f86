"""Admin: vendors, teams, reviewers and API keys."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.deps import Admin, ContextDep, KnownReviewer
from record import erase
from scheduler import accounts, audit, matching
from scheduler.items import rfc3339
from scheduler.models import (
    Ident,
    KeyIn,
    ReviewerIn,
    ReviewerPatch,
    TeamIn,
    VendorIn,
    VendorPatch,
)

router = APIRouter(prefix="/v1", tags=["admin"])


def _times(record: dict[str, Any]) -> dict[str, Any]:
    if "created_at" in record:
        record = {**record, "created_at": rfc3339(float(record["created_at"]))}
    return record


@router.post("/vendors", status_code=201)
async def create_vendor(body: VendorIn, ctx: ContextDep, _: Admin) -> dict[str, Any]:
    """Create a vendor. `webhook_secret` is generated when absent and shown only here."""
    return _times(await accounts.create_vendor(scripts=ctx.scripts, body=body, now=ctx.clock()))


@router.post("/teams", status_code=201)
async def create_team(body: TeamIn, ctx: ContextDep, _: Admin) -> dict[str, Any]:
    return _times(await accounts.create_team(scripts=ctx.scripts, body=body, now=ctx.clock()))


@router.post("/reviewers", status_code=201)
async def create_reviewer(body: ReviewerIn, ctx: ContextDep, _: Admin) -> dict[str, Any]:
    return await accounts.create_reviewer(
        redis=ctx.redis, scripts=ctx.scripts, body=body, now=ctx.clock()
    )


@router.get("/reviewers/{reviewer_id}")
async def get_reviewer(reviewer_id: Ident, ctx: ContextDep, _: Admin) -> dict[str, Any]:
    return await accounts.get_reviewer(redis=ctx.redis, reviewer_id=reviewer_id)


@router.patch("/reviewers/{reviewer_id}")
async def update_reviewer(
    reviewer_id: KnownReviewer, body: ReviewerPatch, ctx: ContextDep, _: Admin
) -> dict[str, Any]:
    return await accounts.update_reviewer(redis=ctx.redis, reviewer_id=reviewer_id, patch=body)


@router.delete("/reviewers/{reviewer_id}/data", status_code=204)
async def erase_reviewer_data(reviewer_id: KnownReviewer, ctx: ContextDep, who: Admin) -> Response:
    """Erase the reviewer's data: exposure events and windows, check-ins, work time and what
    else is kept about them (their record is then empty). Records already signed stay valid;
    the account, its keys and a break in force stay. Audited (`reviewer.erase`), without data."""
    await erase.erase(
        redis=ctx.redis, reviewer=reviewer_id, now=ctx.clock(), actor=audit.actor(who)
    )
    return Response(status_code=204)


@router.post("/keys", status_code=201)
async def create_key(body: KeyIn, ctx: ContextDep, who: Admin) -> dict[str, str]:
    """A new API key for a role and its binding. The key is shown only in this answer."""
    return await accounts.create_key(
        redis=ctx.redis, body=body, now=ctx.clock(), actor=audit.actor(who)
    )


@router.delete("/keys/{key_id}", status_code=204)
async def revoke_key(key_id: Ident, ctx: ContextDep, who: Admin) -> Response:
    """Revoke a key: it stops working on the next request (keys are never cached)."""
    await accounts.revoke_key(
        redis=ctx.redis, key_id=key_id, now=ctx.clock(), actor=audit.actor(who)
    )
    return Response(status_code=204)


@router.post("/vendors/{vendor_id}/webhook-secret")
async def rotate_webhook_secret(vendor_id: Ident, ctx: ContextDep, who: Admin) -> dict[str, str]:
    """A new webhook secret, shown only here; the old one also signs for 24 hours."""
    return await accounts.rotate_webhook_secret(
        redis=ctx.redis, vendor_id=vendor_id, now=ctx.clock(), actor=audit.actor(who)
    )


@router.patch("/vendors/{vendor_id}")
async def update_vendor(
    vendor_id: Ident, body: VendorPatch, ctx: ContextDep, who: Admin
) -> dict[str, Any]:
    """Seen before: the vendor's default `match_policy`, and `linked_banks` (vendors whose
    banks its items also look in, and the reverse). Who the work is for: `display_name`, the
    name reviewers see (default: the vendor's `name`). Each change is audited."""
    now, actor = ctx.clock(), audit.actor(who)
    if body.match_policy is not None or body.linked_banks is not None or not body.display_name:
        setting = await matching.update_vendor(
            redis=ctx.redis,
            vendor=vendor_id,
            policy=body.match_policy,
            linked=body.linked_banks,
            now=now,
            actor=actor,
        )
    else:
        setting = await matching.vendor_matching(redis=ctx.redis, vendor=vendor_id)
    # After the matching change, which refuses an unknown linked vendor: all or nothing.
    if body.display_name is not None:
        await accounts.set_display_name(
            redis=ctx.redis, vendor_id=vendor_id, name=body.display_name, now=now, actor=actor
        )
    vendor = await accounts.get_vendor(redis=ctx.redis, vendor_id=vendor_id)
    return {
        "id": vendor_id,
        "match_policy": setting.policy,
        "linked_banks": list(setting.linked),
        "display_name": accounts.display_name(vendor),
    }


@router.delete("/bank/{item_id}", status_code=204)
async def remove_from_bank(item_id: Ident, ctx: ContextDep, who: Admin) -> Response:
    """Take the item's hashes out of its vendor's bank: it stops matching at once. Audited."""
    await matching.remove_from_bank(
        redis=ctx.redis, item_id=item_id, now=ctx.clock(), actor=audit.actor(who)
    )
    return Response(status_code=204)
