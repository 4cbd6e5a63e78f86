"""Queues: statistics from the non-empty pools and the per-queue waiting sets, and what each
queue's work is for (its purpose, issue 19).

Queues are named by whoever posts to them and created on first use, so two vendors posting to
`default` share one queue. A purpose is therefore kept per (queue, vendor): each vendor states
its own, and cannot overwrite another's. An admin's purpose for the queue is the fallback for
vendors that stated none.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import Field
from redis.asyncio import Redis

from scheduler import accounts, audit, keys, pools
from scheduler.models import PlainText, Strict


class PurposeIn(Strict):
    """`PUT /v1/queues/{queue}`: what the work in this queue is for, in plain text."""

    purpose: PlainText = Field(min_length=1, max_length=500)


async def set_purpose(
    *, redis: Redis, queue: str, vendor: str | None, purpose: str, now: float, actor: str
) -> dict[str, Any]:
    """State the queue's purpose for `vendor`'s items (None: the admin's, for every vendor that
    states none), audited. Items already claimed keep the purpose they were claimed under."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(keys.queue_purposes(queue), vendor or keys.ANY_VENDOR, purpose)
        audit.append(
            pipe,
            now=now,
            action="queue.purpose",
            actor=actor,
            subject=queue,
            vendor=vendor,
            purpose=purpose,
        )
        await pipe.execute()
    return {"name": queue, "vendor": vendor, "purpose": purpose}


async def for_work(*, redis: Redis, vendor: str, queue: str) -> tuple[str, str | None]:
    """(vendor name, purpose) in force now for `vendor`'s items in `queue`, in one round trip."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hmget(keys.vendor(vendor), "id", "name", "display_name")
        pipe.hmget(keys.queue_purposes(queue), vendor, keys.ANY_VENDOR)
        (vid, name, shown), (own, fallback) = await pipe.execute()
    given = {k: v for k, v in {"id": vid, "name": name, "display_name": shown}.items() if v}
    return accounts.display_name(given) or vendor, own or fallback or None


def shown(item: dict[str, Any]) -> dict[str, str | None]:
    """The item's `vendor_name` and `purpose` as answered: null until its first claim, and a
    purpose nobody stated is null."""
    return {"vendor_name": item.get("vendor_name") or None, "purpose": item.get("purpose") or None}


async def stats(*, redis: Redis, now: float, severe_band: int = 70) -> list[dict[str, Any]]:
    """Per queue: depth, severe depth (at or above `severe_band` hundredths), oldest age."""
    names = sorted(m.split("|", 1)[1] for m in await redis.zrange(keys.HEADS, 0, -1))
    queues = sorted({pools.queue_of(n) for n in names})
    async with redis.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.zcard(name)
        for queue in queues:
            pipe.zrange(keys.waiting(queue), 0, 0, withscores=True)
        replies = await pipe.execute()
    rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"depth": 0, "severe_depth": 0})
    for name, depth in zip(names, replies[: len(names)], strict=True):
        row = rows[pools.queue_of(name)]
        row["depth"] += depth
        if pools.band_of(name) >= severe_band:
            row["severe_depth"] += depth
    for queue, oldest in zip(queues, replies[len(names) :], strict=True):
        rows[queue]["oldest_age_seconds"] = round(max(now - oldest[0][1], 0), 3) if oldest else 0
    return [{"name": q, **row} for q, row in sorted(rows.items())]
