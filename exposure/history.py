"""A reviewer's hourly exposure history, from the ledger's hour buckets.

Each UTC day is one hash, so a week is eight reads in one round trip; hours without exposure
are listed with zeros, so a chart needs no gap-filling.
"""

from __future__ import annotations

import math
from typing import Any

from redis.asyncio import Redis

from exposure import keys

COUNTS = ("items", "reveals", "seconds", "severe")


async def hourly(*, redis: Redis, reviewer: str, now: float, days: int) -> list[dict[str, Any]]:
    """Buckets from `days` × 24 hours ago up to the current hour, oldest first."""
    last = math.floor(now / 3600)
    first = last - days * 24 + 1
    day_indexes = range(first // 24, last // 24 + 1)
    async with redis.pipeline(transaction=False) as pipe:
        for d in day_indexes:
            pipe.hgetall(keys.day(reviewer, d))
        found: dict[str, str] = {}
        for raw in await pipe.execute():
            found.update(raw)
    rows = []
    for h in range(first, last + 1):
        row: dict[str, Any] = {
            "start": h * 3600,
            # As kept (micro-units): rounding would show 0 for an hour that spent a tiny budget.
            "dose": int(found.get(f"{h}:dose", 0)) / keys.MICRO,
        }
        row.update({name: int(found.get(f"{h}:{name}", 0)) for name in COUNTS})
        rows.append(row)
    return rows
