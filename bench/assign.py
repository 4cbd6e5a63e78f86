"""Claim+decide cycles through the scheduler package, against raw Redis PINGs in the same run.

    python bench/assign.py [--cycles 3000] [--json PATH]

Starts two embedded redis-servers (with the service's AOF settings), one with 1k and one with
100k items queued across realistic pools (queues, languages, severities, categories), and
measures sequential PING round trips with the same asyncio client the service uses, and one
reviewer's claim+decide cycles on each (a cycle is two round trips: the claim script and the
decision script). It prints cycles per second and the ratios to PING and of 100k to 1k.

A regression guard, not a target: the ratio to PING moves between about 0.13 and 0.28 with the
machine, and thousands of cycles a second are far beyond what any team needs. A change that
drops the ratio well below what this machine printed before deserves a look; the figure that
matters to reviewers is bench/load.py's p99 at human pace.

This VM's speed drifts by a fifth or more from one second to the next (PING alone does), so the
three are measured in alternated rounds: each round of cycles is taken relative to the PING
round just before it and the 100k round beside it, and the per-second figures are those ratios
at the run's median PING rate. The JSON also keeps the raw medians.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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

from embedded_redis import EmbeddedRedis
from scheduler import accounts, assignments, items, keys
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
            "text": f"synthetic {i}",  # distinct: near-duplicates would group
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


async def settle(redis: Redis) -> None:
    """Wait out an AOF rewrite the fill set off (the AOF passes 64 MB near 100k items): the
    forked child competes for this 2-core VM's CPU for a second or two, and it belongs to the
    bulk load, not to the claims measured after it."""
    while True:
        info = await redis.info("persistence")
        if not (info["aof_rewrite_in_progress"] or info["aof_rewrite_scheduled"]):
            return
        await asyncio.sleep(0.1)


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


class Setup:
    """One embedded Redis with a team, the bench reviewer and `queued` items (plus those the
    cycles will take)."""

    def __init__(self, directory: Path) -> None:
        self.server = EmbeddedRedis(directory)
        self.redis = Redis.from_url(self.server.start(), decode_responses=True)
        self.scripts = Scripts(self.redis)
        self.now = time.time()

    async def seed(self, queued: int) -> None:
        await accounts.create_team(
            scripts=self.scripts, body=TeamIn(id="t", name="t"), now=self.now
        )
        await accounts.create_reviewer(
            redis=self.redis,
            scripts=self.scripts,
            now=self.now,
            body=ReviewerIn(id="rev", team="t", languages=["en", "es"]),
        )
        await fill(self.redis, self.scripts, 0, queued, self.now)
        await settle(self.redis)

    async def aclose(self) -> None:
        await self.redis.aclose()
        self.server.stop()


async def run(cycles: int) -> dict[str, float]:
    """Two servers side by side, one with 1k items queued and one with 100k: each round runs
    PINGs, then cycles on each (in alternating order), so the three are taken at the same
    machine speed and every ratio is one of figures measured moments apart."""
    with tempfile.TemporaryDirectory() as tmp:
        async with contextlib.AsyncExitStack() as stack:
            small = Setup(Path(tmp) / "1k")
            stack.push_async_callback(small.aclose)
            large = Setup(Path(tmp) / "100k")
            stack.push_async_callback(large.aclose)
            await small.seed(1000 + cycles)
            await large.seed(100_000 + cycles)
            await ping_rate(small.redis, 2000)  # warm up
            pings, at_1k, at_100k = [], [], []
            per_round = cycles // ROUNDS
            for round_ in range(ROUNDS):
                pings.append(await ping_rate(small.redis, 2000))
                for setup, rates in ((small, at_1k), (large, at_100k))[:: 1 if round_ % 2 else -1]:
                    rates.append(await cycle_rate(setup.redis, setup.scripts, per_round, setup.now))
            pools = await large.redis.zcard(keys.HEADS)
    # Each figure is a ratio of two rounds run moments apart; the per-second figures are those
    # ratios at the run's median PING, so cycle_per_s_100k / cycle_per_s_1k is ratio_100k_to_1k.
    ping = median(pings)
    relative_1k = median(c / p for c, p in zip(at_1k, pings, strict=True))
    relative_100k = median(b / a for a, b in zip(at_1k, at_100k, strict=True))
    return {
        "ping_per_s": round(ping),
        "cycle_per_s_1k": round(relative_1k * ping),
        "cycle_per_s_100k": round(relative_1k * relative_100k * ping),
        "ratio_1k_to_ping": round(relative_1k, 3),
        "ratio_100k_to_1k": round(relative_100k, 3),
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
        f"{ratio_1k:.3f} x ping (median of {ROUNDS} alternated rounds)"
    )
    print(
        f"{'claim+decide, 100k queued':<28}{result['cycle_per_s_100k']:>12,}  {ratio_100k:.3f} x 1k"
    )
    print(f"pools: {result['pools']}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
