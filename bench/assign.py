"""Claim+decide cycles through the scheduler package, against raw Redis PINGs in the same run.

    python bench/assign.py [--cycles 3000] [--json PATH]

Starts its own redis-server (the embedded one, with the service's AOF settings), measures
sequential PING round trips with the same asyncio client the service uses, then one reviewer's
claim+decide cycles with 1k and with 100k items queued across realistic pools (queues,
languages, severities, categories). Targets: cycle_per_s_1k >= 0.3 x ping_per_s (a cycle is two
round trips: one claim script, one decision script) and cycle_per_s_100k >= 0.8 x cycle_per_s_1k.

This VM's speed drifts by a fifth or more from one second to the next (PING alone does), so each
round of cycles is taken relative to the PING round run just before it, and the per-second
figures are those ratios at the run's median PING rate: the 1k and 100k phases, a minute apart,
are then compared at the same machine speed. The JSON also keeps the raw medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.redis_server import EmbeddedRedis
from scheduler import accounts, assignments, items
from scheduler.models import DecisionIn, ItemIn, ReviewerIn, TeamIn
from scheduler.scripts import Scripts

ROUNDS = 10  # batches of PING and of cycles, alternated
CATEGORIES = ["violence", "gore", "sexual", "hate", "harassment", "spam", "other"]


async def ping_rate(redis: Redis, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await redis.ping()
    return n / (time.perf_counter() - start)


def _item(i: int, rng: random.Random) -> ItemIn:
    return ItemIn.model_validate(
        {
            "external_id": f"bench-{i}",
            "text": "synthetic",
            "queue": rng.choice(["default", "ads"]),
            "priority": rng.randint(0, 9),
            "language": rng.choice([None, "en", "es"]),
            "sla_seconds": rng.choice([None, 3600, 86400]),
            "labels": [{"category": rng.choice(CATEGORIES), "severity": round(rng.random(), 1)}],
        }
    )


async def fill(
    redis: Redis,
    scripts: Scripts,
    start: int,
    count: int,
    now: float,
    make: Callable[[int, random.Random], ItemIn] = _item,
) -> None:
    """Ingest `count` items through the scheduler package, 50 at a time (bench/dashboard.py too)."""
    rng = random.Random(start)
    batch = 50
    for base in range(start, start + count, batch):
        await asyncio.gather(
            *(
                items.ingest(
                    redis=redis,
                    scripts=scripts,
                    vendor="bench",
                    body=make(i, rng),
                    media=None,
                    now=now,
                )
                for i in range(base, min(base + batch, start + count))
            )
        )


async def cycle_rate(redis: Redis, scripts: Scripts, n: int, now: float) -> float:
    decision = DecisionIn(verdict="approve")
    start = time.perf_counter()
    for _ in range(n):
        claimed = await assignments.claim(
            scripts=scripts, reviewer="rev", now=now, lease_seconds=300
        )
        assert claimed is not None
        await assignments.decide(
            scripts=scripts,
            reviewer="rev",
            assignment_id=claimed.assignment_id,
            decision=decision,
            now=now,
        )
    return n / (time.perf_counter() - start)


async def interleaved(
    redis: Redis, scripts: Scripts, cycles: int, now: float, rounds: int = ROUNDS
) -> tuple[list[float], list[float]]:
    """Alternate PING and cycle batches so both see the same machine (this VM's speed drifts)."""
    pings, rates = [], []
    for _ in range(rounds):
        pings.append(await ping_rate(redis, 2000))
        rates.append(await cycle_rate(redis, scripts, cycles // rounds, now))
    return pings, rates


async def run(cycles: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp))
        redis = Redis.from_url(server.start(), decode_responses=True)
        try:
            scripts, now = Scripts(redis), time.time()
            await accounts.create_team(scripts=scripts, body=TeamIn(id="t", name="t"), now=now)
            await accounts.create_reviewer(
                redis=redis,
                scripts=scripts,
                now=now,
                body=ReviewerIn(id="rev", team="t", languages=["en", "es"]),
            )
            await ping_rate(redis, 2000)  # warm up
            await fill(redis, scripts, 0, 1000 + cycles, now)
            pings_1k, at_1k = await interleaved(redis, scripts, cycles, now)
            await fill(redis, scripts, 10**6, 100_000 - 1000, now)
            pings_100k, at_100k = await interleaved(redis, scripts, cycles, now)
            pools = await redis.zcard("safeshift:heads")
        finally:
            await redis.aclose()
            server.stop()
    ping = median(pings_1k + pings_100k)
    relative_1k = median(c / p for c, p in zip(at_1k, pings_1k, strict=True))
    relative_100k = median(c / p for c, p in zip(at_100k, pings_100k, strict=True))
    return {
        "ping_per_s": round(ping),
        "cycle_per_s_1k": round(relative_1k * ping),
        "cycle_per_s_100k": round(relative_100k * ping),
        "ratio_1k_to_ping": round(relative_1k, 3),
        "ratio_100k_to_1k": round(relative_100k / relative_1k, 3),
        "raw_cycle_per_s_1k": round(median(at_1k)),
        "raw_cycle_per_s_100k": round(median(at_100k)),
        "pools": pools,
        "cycles": cycles,
    }


def _loop_runner():  # type: ignore[no-untyped-def]
    """The event loop the service runs on (uvicorn uses uvloop when it is installed)."""
    try:
        import uvloop

        return uvloop.run
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=3000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = _loop_runner()(run(args.cycles))
    ratio_1k, ratio_100k = result["ratio_1k_to_ping"], result["ratio_100k_to_1k"]
    print(f"{'measure':<28}{'per second':>12}")
    print(f"{'raw PING round trips':<28}{result['ping_per_s']:>12,}")
    print(
        f"{'claim+decide, 1k queued':<28}{result['cycle_per_s_1k']:>12,}  "
        f"{ratio_1k:.3f} x ping, median of {ROUNDS} alternated rounds (target >= 0.30)"
    )
    print(
        f"{'claim+decide, 100k queued':<28}{result['cycle_per_s_100k']:>12,}  "
        f"{ratio_100k:.3f} x 1k (target >= 0.80)"
    )
    print(f"pools: {result['pools']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
