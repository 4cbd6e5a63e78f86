"""Redis memory per queued item and per claim+decide cycle, for docs/scaling.md's arithmetic.

    python bench/memory.py [--items 20000] [--reviewers 10] [--cycles 300] [--json PATH]

Starts one embedded redis-server, creates a team and `--reviewers` reviewers, then
1. queues `--items` text items through the scheduler package (bench/assign.py's fill, the same
   realistic spread over queues, languages and severities) and takes INFO memory's used_memory
   before and after (used_memory_dataset: no buffers, no allocator overhead), and by key family
   with MEMORY USAGE: bytes per queued item, pool indexes included;
2. has every reviewer claim and decide `--cycles` items, and attributes what the cycles added by
   key family with MEMORY USAGE: the reviewer's exposure ledger (day hashes and event stream),
   the assignment hashes, and what stays with the service (audit stream; the items have no
   callback, so no webhook outbox entries);
3. reads INFO commandstats over the cycles: the primary's own microseconds per cycle (the
   claim and decision scripts) and the commands a cycle executes (those inside the scripts
   included), the base of one primary's ceiling.

Memory figures do not depend on the machine's load, unlike bench/assign.py's rates. A decided
item keeps its hash (the decision is its record): item_hash_bytes_mean is its size after the
cycles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.assign import fill, settle
from embedded_redis import EmbeddedRedis
from scheduler import accounts, assignments
from scheduler.models import DecisionIn, ReviewerIn, TeamIn
from scheduler.scripts import Scripts
from wellbeing.errors import OnBreak


def family(key: str) -> str:
    """The key family a cycle's bytes are attributed to (names from the packages' keys modules)."""
    parts = key.split(":")
    if parts[1] == "exposure":
        return "ledger"
    if parts[1] in ("assignment", "item", "pool", "audit", "outbox", "event", "leases"):
        return parts[1]
    return "other"


async def usage_by_family(redis: Redis) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    async for key in redis.scan_iter(match="safeshift:*", count=1000):
        out[family(key)] += int(await redis.memory_usage(key, samples=0) or 0)
    return dict(out)


async def run(items: int, reviewers: int, cycles: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp))
        redis = Redis.from_url(server.start(), decode_responses=True)
        try:
            scripts = Scripts(redis)
            now = time.time()
            await accounts.create_team(scripts=scripts, body=TeamIn(id="t", name="t"), now=now)
            ids = [f"rev{n}" for n in range(reviewers)]
            for rid in ids:
                body = ReviewerIn(id=rid, team="t", languages=["en", "es"])
                await accounts.create_reviewer(redis=redis, scripts=scripts, now=now, body=body)
            await settle(redis)
            empty = await usage_by_family(redis)
            before = (await redis.info("memory"))["used_memory_dataset"]
            await fill(redis, scripts, 0, items, now)
            await settle(redis)
            queued = (await redis.info("memory"))["used_memory_dataset"]
            families_before = await usage_by_family(redis)
            done = 0
            decision = DecisionIn(verdict="approve")
            await redis.config_resetstat()  # commandstats from here on: the cycles' alone
            clock = dict.fromkeys(ids, now)
            for _ in range(cycles):
                for rid in ids:
                    # One item per 15 s, breaks taken when the policy enforces them: the ledger's
                    # buckets move as in a working day.
                    clock[rid] += 15
                    try:
                        claimed = await assignments.claim(
                            scripts=scripts, reviewer=rid, now=clock[rid], lease_seconds=300
                        )
                    except OnBreak as e:
                        clock[rid] = e.until + 1
                        continue
                    if claimed is None:
                        continue
                    await assignments.decide(
                        scripts=scripts,
                        reviewer=rid,
                        assignment_id=claimed.assignment_id,
                        decision=decision,
                        now=clock[rid],
                    )
                    done += 1
            await settle(redis)
            stats = await redis.info("commandstats")
            after = (await redis.info("memory"))["used_memory_dataset"]
            families_after = await usage_by_family(redis)
        finally:
            await redis.aclose()
            server.stop()
    filled = {f: families_before.get(f, 0) - empty.get(f, 0) for f in families_before}
    added = {
        f: families_after.get(f, 0) - families_before.get(f, 0)
        for f in set(families_after) | set(families_before)
    }
    return {
        "items": items,
        "cycles": done,
        "bytes_per_queued_item": round((queued - before) / items, 1),
        **{f"bytes_per_queued_item_{f}": round(v / items, 1) for f, v in sorted(filled.items())},
        "bytes_per_cycle_dataset": round((after - queued) / max(done, 1), 1),
        **{f"bytes_per_cycle_{f}": round(v / max(done, 1), 1) for f, v in sorted(added.items())},
        # Server time per cycle (scripts and their calls, from INFO commandstats): what bounds
        # one primary's cycles per second, apart from the client's side of the round trips.
        "server_usec_per_cycle": round(
            sum(int(v["usec"]) for k, v in stats.items() if k.startswith("cmdstat_eval"))
            / max(done, 1),
            1,
        ),
        "server_calls_per_cycle": round(
            sum(int(v["calls"]) for k, v in stats.items() if k.startswith("cmdstat_"))
            / max(done, 1),
            2,
        ),
        "item_hash_bytes_mean": round(families_after.get("item", 0) / items, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--reviewers", type=int, default=10)
    parser.add_argument("--cycles", type=int, default=300, help="claim+decide per reviewer")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = asyncio.run(run(args.items, args.reviewers, args.cycles))
    for name, value in result.items():
        print(f"{name:<36}{value:>12,}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
