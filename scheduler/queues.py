"""Queue statistics, from the non-empty pools and the per-queue waiting sets."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from redis.asyncio import Redis

from scheduler import keys, pools


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
