"""The team lead's exposure view over HTTP, against raw Redis reads of the same data in one run.

    python bench/dashboard.py [--calls 20] [--json PATH]

Starts its own redis-server (the embedded one, with the service's AOF settings) and seeds three
teams of 10, 100 and 1,000 reviewers through the scheduler package: items ingested, then a
simulated week of claim+decide sessions per reviewer, so each decision writes its exposure
event and hour buckets as in production. Then a real uvicorn on a loopback port, its clock
fixed at the end of that week, serves `GET /v1/teams/{team}/exposure?limit=5000`, timed from
the client (median of --calls after one warm-up). The raw floor is one pipeline of HGETALLs of
each reviewer's exposure totals and wellbeing hashes, on the service's asyncio client.
Targets: ms_1000 <= 150; growth no worse than linear with 20% slack, i.e.
ms_100 / ms_10 <= 12 and ms_1000 / ms_100 <= 12.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from statistics import median

import httpx
import uvicorn
from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.main import connect, create_app
from api.settings import Settings
from bench.assign import fill
from embedded_redis import EmbeddedRedis
from exposure import keys as exposure_keys
from scheduler import accounts, assignments
from scheduler.models import DecisionIn, ItemIn, ReviewerIn, TeamIn
from scheduler.scripts import Scripts
from wellbeing import keys as wellbeing_keys
from wellbeing.errors import OnBreak

ADMIN_KEY = "bench-admin-key-0123456789abcdef0123456789"
SIZES = (10, 100, 1000)
WEEK = 7 * 86400
SLOT = 2 * 3600  # the week in two-hour slots; a reviewer works a few of them
SESSIONS = 10  # slots worked per reviewer, the last slot of the week always among them
CYCLES = (2, 4)  # claim+decide cycles per session: ~30 exposures per reviewer in the week
BATCH = 100  # reviewers working at once: the client's pool has a connection per call in flight
ROUND = 150  # s from one claim to the next: longer than the 30-120 s on screen, under a lease
CATEGORIES = ["violence", "gore", "sexual", "self_harm", "hate", "harassment", "spam", "other"]
MAX_LINEAR = 10 * 1.2  # ten times the reviewers, at most 12 times the time
TARGET_MS_1000 = 150.0


def _item(i: int, rng: random.Random) -> ItemIn:
    labels = [
        {"category": rng.choice(CATEGORIES), "severity": round(rng.random(), 1)}
        for _ in range(rng.choice((1, 1, 2)))
    ]
    return ItemIn.model_validate(
        {
            "external_id": f"dash-{i}",
            "text": f"synthetic {i}",  # distinct: near-duplicates would group
            "queue": rng.choice(["default", "ads"]),
            "priority": rng.randint(0, 9),
            "language": rng.choice([None, "en"]),
            "labels": labels,
        }
    )


async def _cycle(scripts: Scripts, rid: str, now: float, rng: random.Random) -> float | None:
    """One claim at `now`, 30-120 s on screen, one decision: None once decided, or the end of
    the break the claim was refused for (the reviewer sits out the rounds until then)."""
    try:
        claimed = await assignments.claim(scripts=scripts, reviewer=rid, now=now, lease_seconds=300)
    except OnBreak as e:
        return e.until
    assert claimed is not None, "the bench ran out of items: ingest more"
    await assignments.decide(
        scripts=scripts,
        reviewer=rid,
        assignment_id=claimed.assignment_id,
        decision=DecisionIn(verdict="approve"),
        now=now + rng.uniform(30, 120),
    )
    return None


def rota(rids: list[str], rng: random.Random) -> list[dict[str, int]]:
    """Per two-hour slot of the week, who works it and for how many cycles.

    Everyone works the last slot, so the hour and day windows are not empty at the end.
    """
    slots: list[dict[str, int]] = [{} for _ in range(WEEK // SLOT)]
    for rid in rids:
        for slot in [*rng.sample(range(len(slots) - 1), SESSIONS - 1), len(slots) - 1]:
            slots[slot][rid] = rng.randint(*CYCLES)
    return slots


async def work_week(scripts: Scripts, rids: list[str], start: float) -> int:
    """Everyone on one clock, in rounds: a claim sweeps every lease expired before its `now`, so
    a reviewer ahead in time would take the items of one behind. Returns the decisions made."""
    rng, decisions = random.Random(11), 0
    slots = rota(rids, rng)
    session = ROUND * (CYCLES[1] + 1)  # the longest session, with room for its last decision
    for slot, working in enumerate(slots):
        # The last session ends in the week's last minutes: the rolling hour is not empty.
        offset = SLOT - session if slot == len(slots) - 1 else rng.uniform(0, SLOT - session)
        now = start + slot * SLOT + offset
        resume: dict[str, float] = {}
        for turn in range(CYCLES[1]):
            due = [r for r, n in working.items() if n > turn and resume.get(r, 0) <= now]
            for base in range(0, len(due), BATCH):
                batch = due[base : base + BATCH]
                ends = await asyncio.gather(*(_cycle(scripts, r, now, rng) for r in batch))
                resume |= {r: end for r, end in zip(batch, ends, strict=True) if end is not None}
                decisions += sum(end is None for end in ends)
            now += ROUND
    return decisions


async def seed(redis: Redis, scripts: Scripts, start: float) -> int:
    """Three teams, their reviewers and a week of their decisions; returns the decisions."""
    await fill(redis, scripts, 0, sum(SIZES) * SESSIONS * CYCLES[1] + 1000, start, make=_item)
    rids = []
    for size in SIZES:
        team = f"t{size}"
        await accounts.create_team(scripts=scripts, body=TeamIn(id=team, name=team), now=start)
        for n in range(size):
            body = ReviewerIn(id=f"{team}-r{n:04d}", team=team, languages=["en"])
            await accounts.create_reviewer(redis=redis, scripts=scripts, body=body, now=start)
            rids.append(body.id)
    return await work_week(scripts, rids, start)


async def timed(call: Callable[[], Awaitable[object]], calls: int) -> float:
    """Median ms of `calls` calls after one warm-up (which also brings the windows up to now)."""
    await call()
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - start) * 1000)
    return round(median(samples), 2)


async def raw_floor(redis: Redis, rids: list[str], calls: int) -> float:
    async def read() -> None:
        async with redis.pipeline(transaction=False) as pipe:
            for rid in rids:
                pipe.hgetall(exposure_keys.totals(rid))
                pipe.hgetall(wellbeing_keys.state(rid))
            replies = await pipe.execute()
        assert len(replies) == 2 * len(rids)

    return await timed(read, calls)


async def view(client: httpx.AsyncClient, team: str, size: int, calls: int) -> float:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}

    async def get() -> None:
        r = await client.get(f"/v1/teams/{team}/exposure?limit=5000", headers=headers)
        assert r.status_code == 200, r.text
        assert len(r.json()["data"]) == size, f"{team}: not one row per reviewer"

    return await timed(get, calls)


async def measure(url: str, tmp: str, end: float, redis: Redis, calls: int) -> dict[str, float]:
    settings = Settings(
        redis_url=url,
        data_dir=Path(tmp),
        admin_key=ADMIN_KEY,
        run_jobs=False,
        blur_workers=0,
        log_json=False,
    )
    app = create_app(settings, clock=lambda: end)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    web = uvicorn.Server(config)
    serving = asyncio.create_task(web.serve())
    result: dict[str, float] = {}
    try:
        while not web.started:  # noqa: ASYNC110 - uvicorn offers no event for "listening"
            await asyncio.sleep(0.01)
        port = web.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for size in SIZES:
                team = f"t{size}"
                rids = await accounts.team_reviewer_ids(redis=redis, team=team)
                result[f"ms_{size}"] = await view(client, team, size, calls)
                result[f"raw_ms_{size}"] = await raw_floor(redis, rids, calls)
    finally:
        web.should_exit = True
        await serving
    return result


async def run(calls: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp, "redis"))
        url = server.start()
        # The service's own client (a blocking pool): redis-py's default pool raises "Too many
        # connections" once BATCH cycles in flight plus the connections the script lanes keep
        # borrowed exceed its cap, which redis-py 8 lowered from 2**31 to 100.
        redis = await connect(url)
        try:
            end = time.time()
            began = time.perf_counter()
            decisions = await seed(redis, Scripts(redis), end - WEEK)
            seeded = time.perf_counter() - began
            print(f"seeded {sum(SIZES):,} reviewers, {decisions:,} decisions in {seeded:.0f} s")
            result = await measure(url, tmp, end, redis, calls)
        finally:
            await redis.aclose()
            server.stop()
    return result


def _loop_runner():  # type: ignore[no-untyped-def]
    """The event loop the service runs on (uvicorn uses uvloop when it is installed)."""
    try:
        import uvloop

        return uvloop.run
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run


def report(result: dict[str, float], calls: int) -> None:
    print(f"{'reviewers':>9}{'view ms':>10}{'raw ms':>9}{'ratio':>8}{'us/reviewer':>13}")
    for size in SIZES:
        ms, raw = result[f"ms_{size}"], result[f"raw_ms_{size}"]
        print(f"{size:>9,}{ms:>10.2f}{raw:>9.2f}{ms / raw:>8.1f}{ms * 1000 / size:>13.0f}")
    print(f"medians of {calls} calls after one warm-up; view = GET over HTTP, client-side")
    ms_10, ms_100, ms_1000 = (result[f"ms_{size}"] for size in SIZES)
    checks = [
        (f"ms_1000 = {ms_1000:.1f} <= {TARGET_MS_1000:.0f}", ms_1000 <= TARGET_MS_1000),
        (
            f"ms_100 / ms_10 = {ms_100 / ms_10:.2f} <= {MAX_LINEAR:.0f}",
            ms_100 / ms_10 <= MAX_LINEAR,
        ),
        (
            f"ms_1000 / ms_100 = {ms_1000 / ms_100:.2f} <= {MAX_LINEAR:.0f}",
            ms_1000 / ms_100 <= MAX_LINEAR,
        ),
    ]
    for text, ok in checks:
        print(f"target {text}: {'met' if ok else 'NOT MET'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = _loop_runner()(run(args.calls))
    report(result, args.calls)
    if args.json:
        order = [f"ms_{size}" for size in SIZES] + [f"raw_ms_{size}" for size in SIZES]
        args.json.write_text(json.dumps({k: round(result[k], 2) for k in order}, indent=2))


if __name__ == "__main__":
    main()
