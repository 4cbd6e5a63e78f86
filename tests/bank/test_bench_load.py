"""bench/bank.py writes its 1M bank directly instead of through add.lua (an add is ~16 HGET and
HSET): this checks that both build the same keys, values and encodings, so its figures are
those of a bank filled one decision at a time."""

from __future__ import annotations

import random

from redis.asyncio import Redis

from bench import bank as bench_bank


async def _snapshot(redis: Redis) -> dict[str, object]:
    out: dict[str, object] = {}
    for key in sorted(await redis.keys("*")):
        kind = await redis.type(key)
        value = await redis.hgetall(key) if kind == b"hash" else await redis.get(key)
        out[key] = (await redis.object("encoding", key), value)
    return out


async def test_the_bulk_load_builds_what_adding_one_by_one_builds(redis_url: str) -> None:
    hashes = bench_bank.clustered_hashes(1500, random.Random(1))  # shared chunk values too
    raw = Redis.from_url(redis_url, decode_responses=False)  # postings are binary
    try:
        await raw.flushall()
        await bench_bank.fill(raw, hashes)
        added = await _snapshot(raw)
        await raw.flushall()
        await bench_bank.bulk_load(raw, hashes)
        loaded = await _snapshot(raw)
        await raw.flushall()
    finally:
        await raw.aclose()
    assert loaded.keys() == added.keys()
    for key, (encoding, value) in added.items():
        assert loaded[key] == (encoding, value), key
