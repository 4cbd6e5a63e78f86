"""Reviewer: the queue. Claim the next item, keep it, reveal on purpose, decide or skip."""

from __future__ import annotations

import json
import time
from typing import Any, Literal

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api import metrics
from api.context import Context
from api.deps import ContextDep, OwnAssignment, Reviewer
from scheduler import assignments, items, matching, media_links, queues
from scheduler.errors import NoMedia
from scheduler.models import LEVELS, DecisionIn, Ident
from wellbeing import views

router = APIRouter(prefix="/v1/assignments", tags=["reviewer"])


class RevealIn(BaseModel):
    """A less protective level, on purpose; `faces: true` (colour only) also shows faces."""

    # The document says it too, so a client (and the fuzzer) can tell: faces only in colour.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"properties": {"faces": {"const": False}}},
                {"properties": {"level": {"const": "color"}}},
            ]
        },
    )
    level: Literal["stylized", "grayscale", "color"]
    faces: bool = Field(default=False, strict=True)  # `"yes"` is not a yes

    @model_validator(mode="after")
    def _faces_only_in_colour(self) -> RevealIn:
        """Every level but colour blocks faces by design: asking for them there is a mistake."""
        if self.faces and self.level != "color":
            raise ValueError(
                f"faces: true shows faces in colour only, and level is '{self.level}'; send"
                ' {"level": "color", "faces": true}, or leave faces out'
            )
        return self


class SkipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


def _present(
    ctx: Context, claimed: assignments.Claimed, now: float, rates: views.ClaimViews
) -> dict[str, Any]:
    raw = claimed.item
    has_media = raw["media_type"] != "text"
    level = claimed.level if has_media else "blurred"
    seen = matching.seen_before(raw)
    if seen is not None:
        # A prior decision matched (assist): shown first, so the reviewer can confirm it without
        # revealing anything. The view stays at the most protective level, `blurred`, whatever
        # the item's default view would be.
        level = "blurred"
    view = media_links.view(
        secret=ctx.signing_secret,
        assignment_id=claimed.assignment_id,
        item=raw,
        now=now,
        ttl=ctx.settings.media_url_seconds,
        level=level,
    )
    if raw["media_type"] == "video":
        # The speed the video starts at (the team's policy, by severity); it starts muted.
        view["playback_rate"] = rates.rate(float(raw["severity"]))
        view["muted"] = True
    item: dict[str, Any] = {
        "id": raw["id"],
        "media_type": raw["media_type"],
        "labels": json.loads(raw["labels"]),
        "severity": float(raw["severity"]),
        "queue": raw["queue"],
        "deadline": items.rfc3339(float(raw["deadline"])) if raw["deadline"] else None,
        "view": view,
        # The less protective levels, in order: one reveal each (then faces, in colour).
        "reveal_levels": list(LEVELS[LEVELS.index(level) + 1 :]) if has_media else [],
        **queues.shown(raw),  # who the work is for (issue 19)
    }
    if not has_media:
        item["text"] = raw["text"]
    if seen is not None:
        item["seen_before"] = {**seen, "decided_at": items.rfc3339(seen["decided_at"])}
    if claimed.group:
        # Near-duplicates leased with it: one decision decides them all; `members` are the ids
        # the decision's `split` may send back to the queue alone. Only this item is shown.
        item["group"] = {"size": 1 + len(claimed.group), "members": list(claimed.group)}
    return {
        "id": claimed.assignment_id,
        "lease_expires_at": items.rfc3339(claimed.lease_expires_at),
        "item": item,
    }


@router.post("", status_code=201, responses={204: {"description": "No eligible item waits"}})
async def claim(ctx: ContextDep, who: Reviewer) -> Response:
    """The next item for you (201), your current one again (200), or 204 when none waits."""
    now = ctx.clock()
    started = time.perf_counter()
    reviewer = who.reviewer or ""
    chosen = await views.for_claim(
        redis=ctx.redis, reviewer=reviewer, lease_default=ctx.settings.lease_seconds
    )
    claimed = await assignments.claim(
        scripts=ctx.scripts,
        reviewer=reviewer,
        now=now,
        lease_seconds=ctx.settings.lease_seconds,
        view_levels=chosen.levels,
    )
    metrics.ASSIGN.observe(time.perf_counter() - started)
    if claimed is None:
        return Response(status_code=204)
    return JSONResponse(
        _present(ctx, claimed, now, chosen), status_code=200 if claimed.existing else 201
    )


@router.post("/{assignment_id}/heartbeat")
async def heartbeat(assignment_id: Ident, ctx: ContextDep, who: Reviewer) -> dict[str, Any]:
    expires = await assignments.heartbeat(
        scripts=ctx.scripts,
        reviewer=who.reviewer or "",
        assignment_id=assignment_id,
        now=ctx.clock(),
        lease_seconds=ctx.settings.lease_seconds,
    )
    return {"lease_expires_at": items.rfc3339(expires)}


@router.post("/{assignment_id}/reveal")
async def reveal(
    held: OwnAssignment, body: RevealIn, ctx: ContextDep, who: Reviewer
) -> dict[str, Any]:
    """Show a less protective level on purpose. It is recorded and counts toward your exposure;
    so is a reveal of faces (`{"level": "color", "faces": true}`), recorded as its own."""
    now = ctx.clock()
    assignment_id = held.id
    stored = media_links.media_level(body.level, faces=body.faces)
    if stored not in await media_links.stored_levels(redis=ctx.redis, item_id=held.item):
        raise NoMedia("This item has no media to reveal (text, or media still processing).")
    await assignments.reveal(
        scripts=ctx.scripts,
        reviewer=who.reviewer or "",
        assignment_id=assignment_id,
        level=body.level,
        now=now,
        faces=body.faces,
    )
    link = media_links.url(
        secret=ctx.signing_secret,
        assignment_id=assignment_id,
        level=stored,
        now=now,
        ttl=ctx.settings.media_url_seconds,
    )
    return {"level": body.level, "faces": body.faces, "url": link}


@router.post("/{assignment_id}/decision")
async def decide(
    held: OwnAssignment, body: DecisionIn, ctx: ContextDep, who: Reviewer
) -> dict[str, Any]:
    """Decide once. The same decision again changes nothing; a different one is 409."""
    assignment_id = held.id
    item_id, _recorded = await assignments.decide(
        scripts=ctx.scripts,
        reviewer=who.reviewer or "",
        assignment_id=assignment_id,
        decision=body,
        now=ctx.clock(),
        item_id=held.item,
        escalation=assignments.Escalation(
            ctx.settings.escalation_queue, ctx.settings.escalation_skill
        ),
    )
    item = await items.get(redis=ctx.redis, item_id=item_id)
    return {
        "assignment": assignment_id,
        "item": item["id"],
        "status": item["status"],
        "decision": item.get("decision"),
    }


@router.post("/{assignment_id}/skip")
async def skip(held: OwnAssignment, body: SkipIn, ctx: ContextDep, who: Reviewer) -> dict[str, Any]:
    """Give the item back: it keeps its place in the queue, for someone else."""
    assignment_id = held.id
    item_id = await assignments.skip(
        scripts=ctx.scripts,
        reviewer=who.reviewer or "",
        assignment_id=assignment_id,
        reason=body.reason,
        now=ctx.clock(),
    )
    return {"assignment": assignment_id, "item": item_id, "status": "skipped"}
