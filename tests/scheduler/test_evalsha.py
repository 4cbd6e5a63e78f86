"""The script call path (scheduler/evalsha.py) keeps redis-py's guarantees, on a real Redis."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.exceptions import DataError, NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from embedded_redis import EmbeddedRedis
from scheduler.evalsha import Lanes, pack
from scheduler.scripts import Scripts

ECHO = "return {KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4]}"


def busy(seconds: float) -> str:
    """A script that keeps Redis busy for `seconds`, then answers 'slow'."""
    micros = int(seconds * 1e6)
    return (
        "local t = redis.call('TIME') local s = t[1] * 1e6 + t[2]"
        f" repeat t = redis.call('TIME') until t[1] * 1e6 + t[2] - s > {micros} return 'slow'"
    )


def test_packs_a_resp_array_of_bulk_strings() -> None:
    assert pack([b"EVALSHA", b"ab", b"0"]) == b"*3\r\n$7\r\nEVALSHA\r\n$2\r\nab\r\n$1\r\n0\r\n"


async def test_arguments_arrive_as_redis_py_would_send_them(redis: aioredis.Redis) -> None:
    lanes = Lanes(redis)
    sha = await redis.script_load(ECHO)
    reply = await lanes.evalsha(sha, ["k:é"], ["née", 300, 1763900000.123456, b"raw"])
    assert reply == ["k:é", "née", "300", "1763900000.123456", "raw"]
    with pytest.raises(DataError):
        await lanes.evalsha(sha, ["k"], [True, 1, 2, 3])
    with pytest.raises(DataError):
        await lanes.evalsha(sha, ["k"], [None, 1, 2, 3])


async def test_error_replies_raise_and_the_connection_stays_usable(redis: aioredis.Redis) -> None:
    lanes = Lanes(redis)
    failing = await redis.script_load("return redis.error_reply('BAD nope')")
    with pytest.raises(ResponseError, match="nope"):
        await lanes.evalsha(failing, [], [])
    with pytest.raises(NoScriptError):
        await lanes.evalsha("0" * 40, [], [])
    ok = await redis.script_load("return 7")
    assert await lanes.evalsha(ok, [], []) == 7


async def test_a_flushed_script_is_loaded_again(redis: aioredis.Redis) -> None:
    scripts = Scripts(redis)
    reply = await scripts.sweep(keys=["safeshift:leases", "safeshift:heads"], args=[1.0, 10])
    await redis.script_flush()
    assert (
        await scripts.sweep(keys=["safeshift:leases", "safeshift:heads"], args=[1.0, 10]) == reply
    )


async def test_a_cancelled_call_never_leaves_a_half_read_connection(redis: aioredis.Redis) -> None:
    """The reply of a cancelled call must not be read as the answer to the next one."""
    lanes = Lanes(redis)
    slow = await redis.script_load(busy(0.2))
    call = asyncio.ensure_future(lanes.evalsha(slow, [], []))
    await asyncio.sleep(0.05)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    echo = await redis.script_load("return ARGV[1]")
    assert await lanes.evalsha(echo, [], ["next"]) == "next"


async def test_concurrent_calls_keep_a_bounded_number_of_connections(
    redis: aioredis.Redis,
) -> None:
    lanes = Lanes(redis)
    echo = await redis.script_load("return ARGV[1]")
    replies = await asyncio.gather(*(lanes.evalsha(echo, [], [str(i)]) for i in range(80)))
    assert replies == [str(i) for i in range(80)]
    assert 0 < lanes.kept <= 32
    await lanes.aclose()
    assert lanes.kept == 0


async def test_a_restarted_redis_is_reached_again(tmp_path: Path) -> None:
    """A kept connection to a Redis that restarted fails once, then the Retry policy reconnects."""
    server = EmbeddedRedis(tmp_path, durable=False)
    client = aioredis.Redis.from_url(server.start(), decode_responses=True)
    try:
        lanes = Lanes(client)
        sha = await client.script_load("return 'up'")
        assert await lanes.evalsha(sha, [], []) == "up"
        port = server.port
        server.stop()
        server = EmbeddedRedis(tmp_path, durable=False, port=port)
        server.start()
        await client.script_load("return 'up'")
        assert await lanes.evalsha(sha, [], []) == "up"
    finally:
        await client.aclose()
        server.stop()


async def test_the_clients_socket_timeout_bounds_a_call(redis_url: str) -> None:
    """A call Redis does not answer in time raises redis-py's TimeoutError and drops the
    connection; connections go back to the pool with the client's own timeout."""
    client = aioredis.Redis.from_url(redis_url, socket_timeout=0.1, decode_responses=True)
    try:
        lanes = Lanes(client)
        slow = await client.script_load(busy(0.3))
        with pytest.raises(RedisTimeoutError):
            await lanes.evalsha(slow, [], [])
        assert lanes.kept == 0
        await asyncio.sleep(0.3)  # the slow script ends; its reply went to the dropped connection
        echo = await client.script_load("return ARGV[1]")
        assert await lanes.evalsha(echo, [], ["next"]) == "next"
        await lanes.aclose()
        conn = await client.connection_pool.get_connection()
        assert conn.socket_timeout == 0.1
        await client.connection_pool.release(conn)
    finally:
        await client.aclose()
