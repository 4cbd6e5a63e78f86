"""Items: ingest (idempotent per vendor and external_id), lookup, and how they are shown.

An item's effective severity and categories are fixed at ingest from its labels (and, for media,
from what the detector adds once): they decide its pool, so a claim never re-reads labels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.asyncio import Redis

from blur import hashing
from blur import keys as blur_keys
from blur import worker as blur_worker
from exposure import weights as exposure_weights
from scheduler import keys, matching, pools, queues
from scheduler.errors import NotFound
from scheduler.ids import new_id
from scheduler.models import LEVELS, ItemIn, ItemStatus
from scheduler.scripts import Scripts

# A level is in force from the claim (the level served first) or from a recorded reveal; it
# only ever rises (scheduler/lua/reveal.lua ranks them the same way).
RANK = {level: rank for rank, level in enumerate(LEVELS)}


def view_category(labels: list[dict[str, Any]]) -> str:
    """The category of the item's most severe label: its view default decides the level served
    first. Severity is weighted by category as the effective severity is, so the label chosen is
    the one that makes the item as severe as it is; a tie goes to the more harmful category
    (then the name, so the choice never depends on label order). '' without labels."""
    weights = exposure_weights.DEFAULT.category_weights
    best = max(
        labels,
        key=lambda x: (
            float(x["severity"]) * weights.get(x["category"], 1.0),
            weights.get(x["category"], 1.0),
            x["category"],
        ),
        default=None,
    )
    return "" if best is None else str(best["category"])


@dataclass(frozen=True)
class MediaRef:
    """The original upload, already validated and stored by the media pipeline."""

    kind: str  # "image" | "video"
    digest: str
    mime: str
    format: str  # jpeg, png, webp, gif, mp4, webm


def rfc3339(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _deadline(body: ItemIn, now: float) -> float | None:
    if body.deadline is not None:
        when = body.deadline if body.deadline.tzinfo else body.deadline.replace(tzinfo=UTC)
        return when.timestamp()
    return now + body.sla_seconds if body.sla_seconds else None


def routing_fields(
    *,
    queue: str,
    language: str | None,
    skills: list[str],
    labels: list[dict[str, Any]],
    media_type: str,
    priority: int,
    deadline: float | None,
) -> dict[str, Any]:
    """Severity, pool, score and dose rates: everything derived from labels, fixed from now on."""
    severity = exposure_weights.effective_severity(labels)
    categories = sorted({label["category"] for label in labels})
    pool = pools.pool_key(
        queue=queue, language=language, skills=skills, severity=severity, categories=categories
    )
    rates = {
        f"rate_{level}": exposure_weights.dose(
            seconds=3600, severity=severity, media_type=media_type, level=level
        )
        / 3600
        for level in LEVELS
    }
    return {
        "severity": severity,
        "categories": ",".join(categories),
        "view_category": view_category(labels),
        "pool": pool,
        "score": pools.score(priority=priority, deadline=deadline),
        **rates,
    }


async def ingest(
    *,
    redis: Redis,
    scripts: Scripts,
    vendor: str,
    body: ItemIn,
    media: MediaRef | None,
    now: float,
    status: ItemStatus = ItemStatus.queued,
) -> tuple[dict[str, Any], bool]:
    """Store the item, or find the one this vendor already sent; returns (item, created)."""
    item_id = new_id("itm", now)
    # The exact-duplicate key of a text item (blur.hashing.text_key): what the bank matches.
    text_key = hashing.text_key(body.text) if media is None and body.text else ""
    labels = [{**label.model_dump(), "source": "vendor"} for label in body.labels]
    media_type = media.kind if media else "text"
    deadline = _deadline(body, now)
    derived = routing_fields(
        queue=body.queue,
        language=body.language,
        skills=body.skills,
        labels=labels,
        media_type=media_type,
        priority=body.priority,
        deadline=deadline,
    )
    fields: dict[str, Any] = {
        "id": item_id,
        "vendor": vendor,
        "external_id": body.external_id,
        "queue": body.queue,
        "priority": body.priority,
        "deadline": "" if deadline is None else deadline,
        "language": body.language or "",
        "skills": ",".join(sorted(set(body.skills))),
        "labels": json.dumps(labels),
        "callback_url": body.callback_url or "",
        "status": status.value,
        "media_type": media_type,
        "text": body.text or "",
        # The exact-duplicate key of a text item (blur.hashing.text_key): what the bank matches.
        "text_key": text_key,
        "match_policy": body.match_policy or "",
        "created_at": now,
        "media": json.dumps({"original": media.digest} if media else {}),
        "mime": json.dumps({"original": media.mime} if media else {}),
        **derived,
    }
    flat = [str(x) for pair in fields.items() for x in pair]
    # A text item is looked up in the bank in the ingest script itself (media: once processed).
    bases, spec = [], ""
    if status is ItemStatus.queued and text_key:
        bases, spec = await matching.lookup_args(
            redis=redis,
            vendor=vendor,
            policy=body.match_policy,
            media_type="text",
            text_key=text_key,
        )
    # A processing item and its media job are written in one step: neither exists without the other.
    job = ""
    if media is not None and status is ItemStatus.processing:
        job = blur_worker.job_payload(
            item_id=item_id, digest=media.digest, kind=media.kind, fmt=media.format
        )
    created, existing_id = await scripts.ingest(
        keys=[
            keys.external_ids(vendor),
            keys.item(item_id),
            derived["pool"],
            keys.HEADS,
            blur_keys.JOBS,
            keys.OUTBOX,
            *bases,
        ],
        args=[body.external_id, item_id, derived["score"], now, body.queue, job, spec, *flat],
    )
    return await get(redis=redis, item_id=existing_id, vendor=vendor), bool(created)


async def get_raw(*, redis: Redis, item_id: str) -> dict[str, str]:
    raw = await redis.hgetall(keys.item(item_id))
    if not raw:
        raise NotFound(f"No item '{item_id}'.")
    return raw


async def get(*, redis: Redis, item_id: str, vendor: str | None = None) -> dict[str, Any]:
    """The item as its vendor sees it; another vendor's item is NotFound, not Forbidden."""
    raw = await get_raw(redis=redis, item_id=item_id)
    if vendor is not None and raw["vendor"] != vendor:
        raise NotFound(f"No item '{item_id}'.")
    return render(raw)


async def find_by_external_id(
    *, redis: Redis, vendor: str, external_id: str
) -> dict[str, Any] | None:
    item_id = await redis.hget(keys.external_ids(vendor), external_id)
    return None if item_id is None else await get(redis=redis, item_id=item_id, vendor=vendor)


def render(raw: dict[str, str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": raw["id"],
        "external_id": raw["external_id"],
        "queue": raw["queue"],
        "priority": int(raw["priority"]),
        "deadline": rfc3339(float(raw["deadline"])) if raw["deadline"] else None,
        "language": raw["language"] or None,
        "skills": [s for s in raw["skills"].split(",") if s],
        "status": raw["status"],
        "media_type": raw["media_type"],
        "labels": json.loads(raw["labels"]),
        "severity": float(raw["severity"]),
        "callback_url": raw["callback_url"] or None,
        "created_at": rfc3339(float(raw["created_at"])),
        **queues.shown(raw),  # who the work is for, frozen at the first claim (issue 19)
    }
    if raw["media_type"] == "text":
        item["text"] = raw["text"]
    if raw.get("failure"):
        item["failure"] = raw["failure"]
    match = matching.rendered_match(raw)
    if match is not None:
        item["match"] = match
    if raw.get("escalated_at"):  # escalated: waiting for, or given, its final decision
        item["escalated_at"] = rfc3339(float(raw["escalated_at"]))
    if raw.get("decision"):
        decided_at = rfc3339(float(raw["decided_at"]))
        item["decision"] = {
            **json.loads(raw["decision"]),
            "decided_at": decided_at,
            "decided_by": raw.get("decided_how") or "reviewer",
        }
    return item
