"""The ledger against the decisions it records: atomic with them, exact, trimmed only by age."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from redis.asyncio import Redis

from embedded_redis import EmbeddedRedis
from exposure import keys as exposure_keys
from exposure import weights
from scheduler import accounts, assignments, items
from scheduler.models import DecisionIn, ItemIn, ReviewerIn, TeamIn
from scheduler.scripts import Scripts
from tests.conftest import FakeClock


async def _world(redis: Redis, scripts: Scripts, now: float, reviewers: int, count: int) -> None:
    await accounts.create_team(scripts=scripts, body=TeamIn(id="t", name="t"), now=now)
    for n in range(reviewers):
        await accounts.create_reviewer(
            redis=redis, scripts=scripts, now=now, body=ReviewerIn(id=f"r{n}", team="t")
        )
    for n in range(count):
        body = ItemIn.model_validate(
            {
                "external_id": f"e{n}",
                "text": f"synthetic {n}",
                "labels": [{"category": "gore", "severity": round(0.1 + (n % 9) / 10, 1)}],
            }
        )
        await items.ingest(redis=redis, scripts=scripts, vendor="v", body=body, media=None, now=now)


async def _cycles(scripts: Scripts, reviewer: str, clock: FakeClock, decided: list[str]) -> None:
    while True:
        claimed = await assignments.claim(
            scripts=scripts, reviewer=reviewer, now=clock(), lease_seconds=300
        )
        if claimed is None:
            return
        await assignments.decide(
            scripts=scripts,
            reviewer=reviewer,
            assignment_id=claimed.assignment_id,
            decision=DecisionIn(verdict="remove"),
            now=clock() + 7,
        )
        decided.append(claimed.assignment_id)  # acknowledged by Redis


async def test_a_crash_of_redis_loses_neither_decisions_nor_their_exposure(
    tmp_path: Path,
) -> None:
    server = EmbeddedRedis(tmp_path)
    redis = Redis.from_url(server.start(), decode_responses=True)
    await redis.config_set("appendfsync", "always")  # every acknowledged write is on disk
    scripts, clock = Scripts(redis), FakeClock()
    await _world(redis, scripts, clock(), reviewers=3, count=400)
    decided: list[str] = []
    workers = [asyncio.create_task(_cycles(scripts, f"r{n}", clock, decided)) for n in range(3)]
    while True:
        if len(decided) >= 120:
            break
        await asyncio.sleep(0.005)
    assert server.process is not None
    server.process.send_signal(signal.SIGKILL)  # mid-stream: no shutdown, no final flush
    server.process.wait()
    results = await asyncio.gather(*workers, return_exceptions=True)
    assert all(isinstance(r, Exception) for r in results)
    await redis.aclose()

    again = EmbeddedRedis(tmp_path)
    redis = Redis.from_url(again.start(), decode_responses=True)
    try:
        events = {}
        for n in range(3):
            for _, fields in await redis.xrange(exposure_keys.events(f"r{n}")):
                assert fields["assignment"] not in events  # one event per assignment
                events[fields["assignment"]] = fields
        for aid in decided:
            assert (await redis.hget(f"safeshift:assignment:{aid}", "status")) == "decided"
        recorded = set()
        cursor = 0
        while True:
            cursor, found = await redis.scan(cursor, match="safeshift:assignment:*", count=500)
            for key in found:
                if await redis.hget(key, "status") == "decided":
                    recorded.add(key.rsplit(":", 1)[1])
            if cursor == 0:
                break
        assert set(decided) <= recorded
        assert set(events) == recorded  # every decision has its event, and only those
        total = sum(int(e["dose"]) for e in events.values())
        sums = [
            int(await redis.hget(exposure_keys.totals(f"r{n}"), "day_sum") or 0) for n in range(3)
        ]
        assert sum(sums) == total  # the window sums are exactly the events
    finally:
        await redis.aclose()
        again.stop()


async def test_the_scripts_dose_is_the_documented_formula(redis: Redis) -> None:
    scripts, clock = Scripts(redis), FakeClock()
    await _world(redis, scripts, clock(), reviewers=1, count=9)
    for _ in range(9):
        claimed = await assignments.claim(
            scripts=scripts, reviewer="r0", now=clock(), lease_seconds=300
        )
        assert claimed is not None
        clock.advance(73.5)
        await assignments.decide(
            scripts=scripts,
            reviewer="r0",
            assignment_id=claimed.assignment_id,
            decision=DecisionIn(verdict="approve"),
            now=clock(),
        )
    for _, event in await redis.xrange(exposure_keys.events("r0")):
        expected = weights.dose(
            seconds=73.5, severity=float(event["severity"]), media_type="text", level="blurred"
        )
        assert int(event["dose"]) / exposure_keys.MICRO == pytest.approx(expected, abs=1e-6)


async def test_writes_keep_events_past_the_bucket_retention_and_windows_stay_exact(
    redis: Redis,
) -> None:
    """Events are the reviewer's record: the ledger never trims them (the retention pass does,
    tests/wellbeing/test_retention.py); the windows only ever count their own buckets."""
    scripts, clock = Scripts(redis), FakeClock()
    await _world(redis, scripts, clock(), reviewers=1, count=3)
    events = exposure_keys.events("r0")
    for day in range(3):
        claimed = await assignments.claim(
            scripts=scripts, reviewer="r0", now=clock(), lease_seconds=300
        )
        assert claimed is not None
        await assignments.decide(
            scripts=scripts,
            reviewer="r0",
            assignment_id=claimed.assignment_id,
            decision=DecisionIn(verdict="approve"),
            now=clock() + 60,
        )
        if day < 2:
            clock.advance(exposure_keys.RETENTION_SECONDS / 2 + 86400)
    assert await redis.xlen(events) == 3  # 37 days apart, all kept
    totals = await redis.hgetall(exposure_keys.totals("r0"))
    last = await redis.xrevrange(events, count=1)
    assert int(totals["day_sum"]) == int(last[0][1]["dose"])  # only today's item in the day
