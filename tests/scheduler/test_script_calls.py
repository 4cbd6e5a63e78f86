"""Script calls (scheduler.scripts) on a real Redis: what the service relies on from redis-py."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.exceptions import TimeoutError as RedisTimeoutError

from embedded_redis import EmbeddedRedis
from scheduler.scripts import Scripts

SWEEP = {"keys": ["safeshift:leases", "safeshift:heads"], "args": [1.0, 10]}


def busy(seconds: float) -> str:
    """A script that keeps Redis busy for `seconds`, then answers 'slow'."""
    micros = int(seconds * 1e6)
    return (
        "local t = redis.call('TIME') local s = t[1] * 1e6 + t[2]"
        f" repeat t = redis.call('TIME') until t[1] * 1e6 + t[2] - s > {micros} return 'slow'"
    )


async def test_a_flushed_script_is_loaded_again(redis: aioredis.Redis) -> None:
    scripts = Scripts(redis)
    reply = await scripts.sweep(**SWEEP)
    await redis.script_flush()
    assert await scripts.sweep(**SWEEP) == reply


async def test_a_restarted_redis_is_reached_again(tmp_path: Path) -> None:
    """Scripts a restarted Redis forgot are loaded again, on a connection made again."""
    server = EmbeddedRedis(tmp_path, durable=False)
    client = aioredis.Redis.from_url(server.start(), decode_responses=True)
    try:
        scripts = Scripts(client)
        await scripts.load()
        reply = await scripts.sweep(**SWEEP)
        port = server.port
        server.stop()
        server = EmbeddedRedis(tmp_path, durable=False, port=port)
        server.start()
        assert await scripts.sweep(**SWEEP) == reply
    finally:
        await client.aclose()
        server.stop()


async def test_the_clients_socket_timeout_bounds_a_call(redis_url: str) -> None:
    """A call Redis does not answer in time raises TimeoutError, and the late reply is never
    read as the answer to the next call."""
    client = aioredis.Redis.from_url(redis_url, socket_timeout=0.1, decode_responses=True)
    try:
        slow = client.register_script(busy(0.3))
        with pytest.raises(RedisTimeoutError):
            await slow()
        await asyncio.sleep(0.3)  # the slow script ends; its reply went to the dropped connection
        assert await client.register_script("return ARGV[1]")(args=["next"]) == "next"
    finally:
        await client.aclose()


async def test_a_cancelled_call_never_leaves_a_half_read_connection(redis: aioredis.Redis) -> None:
    """The reply of a cancelled call must not be read as the answer to the next one."""
    call = asyncio.ensure_future(redis.register_script(busy(0.2))())
    await asyncio.sleep(0.05)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert await redis.register_script("return ARGV[1]")(args=["next"]) == "next"
