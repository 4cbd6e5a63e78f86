"""What happens to an item when its media is ready, or cannot be made safe.

Detected labels join the vendor's, so the item's severity and pool are computed again here,
once, before it becomes visible to any reviewer.
"""

from __future__ import annotations

import json
import time
from typing import Any

from redis.asyncio import Redis

from scheduler import items, keys, matching
from scheduler.scripts import Scripts


async def media_ready(
    *,
    redis: Redis,
    scripts: Scripts,
    item_id: str,
    levels: dict[str, str],
    mime: dict[str, str],
    detected: list[dict[str, Any]],
    pdq: str = "",
    now: float | None = None,
) -> bool:
    """Queue a processing item with its derivatives; False if it was not processing.

    `pdq` is the worker's hashes in blur.hashing.pack's form: stored on the item so its decision
    can enter the bank, and looked up in the bank before the item is queued (docs/matching.md).
    """
    raw = await items.get_raw(redis=redis, item_id=item_id)
    labels = json.loads(raw["labels"]) + detected
    derived = items.routing_fields(
        queue=raw["queue"],
        language=raw["language"] or None,
        skills=[s for s in raw["skills"].split(",") if s],
        labels=labels,
        media_type=raw["media_type"],
        priority=int(raw["priority"]),
        deadline=float(raw["deadline"]) if raw["deadline"] else None,
    )
    original = json.loads(raw["media"]).get("original")
    fields = {
        **{k: v for k, v in derived.items() if k not in ("pool", "score")},
        "status": "queued",
        "labels": json.dumps(labels),
        "media": json.dumps({"original": original, **levels}),
        "mime": json.dumps({**json.loads(raw["mime"]), **mime}),
        "pdq": pdq,
    }
    flat = [str(x) for pair in fields.items() for x in pair]
    bases, spec = await matching.lookup_args(
        redis=redis,
        vendor=raw["vendor"],
        policy=raw.get("match_policy") or None,
        media_type=raw["media_type"],
        packed=pdq,
    )
    applied = await scripts.ready(
        keys=[keys.item(item_id), derived["pool"], keys.HEADS, keys.OUTBOX, *bases],
        args=[item_id, derived["score"], time.time() if now is None else now, spec, *flat],
    )
    return bool(applied)


async def media_failed(*, redis: Redis, scripts: Scripts, item_id: str, reason: str) -> bool:
    """The media could not be processed: the vendor reads `failure`; no reviewer sees it."""
    raw = await items.get_raw(redis=redis, item_id=item_id)
    applied = await scripts.ready(
        keys=[keys.item(item_id), raw["pool"], keys.HEADS, keys.OUTBOX],
        args=[item_id, 0, 0, "", "status", "failed", "failure", reason],
    )
    return bool(applied)
