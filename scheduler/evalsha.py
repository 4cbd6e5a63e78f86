"""EVALSHA on a few connections kept borrowed from the client's pool: the hot path of the service.

Every claim, heartbeat and decision is one script call. redis-py 8's `execute_command` wraps each
call in pool bookkeeping, observability records, event dispatch, a retry closure and
response-callback lookup, and packs arguments through its generic encoder; bench/assign.py
measured that at about a fifth of a loopback round trip per call on the 2-core VM. Here up to
`keep` connections stay borrowed between calls (taken with the pool's public `get_connection`,
so they count against its limit and closing the client closes them) and the command is packed
straight into RESP bytes. What redis-py guarantees is kept: error replies raise ResponseError
(NoScriptError included); a connection whose reply may be unread (a cancelled request, a timeout)
is dropped, never reused; the client's `socket_timeout` bounds each call, raising redis-py's
TimeoutError; and a kept connection that a restarted Redis closed is replaced once by one the pool
has checked, as redis-py's pool does before lending it. (If Redis died after running the script
but before replying, that retry runs it again on the restarted server, as a client's own retry
would: a claim gets the same assignment back, a decision answers "same".)

The timeout is one `asyncio.timeout` around the send and the read. redis-py applies the
connection's `socket_timeout` to each half, the send through `asyncio.wait_for`, which starts a
task per call; so while a connection is borrowed here its `socket_timeout` is None, and it gets its
own back when it returns to the pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError, DataError, ResponseError, TimeoutError

KEEP_AT_MOST = 32  # idle connections kept borrowed; beyond that calls go through the pool


def _arg(value: Any) -> bytes:
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, bytes):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return repr(value).encode()  # what redis-py sends for numbers
    raise DataError(f"Invalid script argument {value!r}: pass str, bytes, int or float.")


def pack(parts: Sequence[bytes]) -> bytes:
    """One command as a RESP array of bulk strings."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        out += (b"$%d\r\n" % len(part), part, b"\r\n")
    return b"".join(out)


class Lanes:
    """Connections borrowed from one client's pool for script calls, and how to use them."""

    def __init__(self, redis: Redis) -> None:
        self._pool = redis.connection_pool
        self._idle: list[AbstractConnection] = []
        self._keep = max(1, min(KEEP_AT_MOST, self._pool.max_connections // 4))
        self._timeout: float | None = None  # the client's socket_timeout, read off its connections

    @property
    def kept(self) -> int:
        """Connections kept borrowed between calls."""
        return len(self._idle)

    async def evalsha(self, sha: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        command = pack(
            [b"EVALSHA", sha.encode(), b"%d" % len(keys), *map(_arg, keys), *map(_arg, args)]
        )
        if self._idle:
            try:
                return await self._call(self._idle.pop(), command)
            except ConnectionError:
                # A kept connection can be one a restarted Redis closed while it sat idle; the
                # pool checks its connections before lending them, so one more try through it.
                pass
        return await self._call(await self._borrow(), command)

    async def _borrow(self) -> AbstractConnection:
        conn = await self._pool.get_connection()
        self._timeout = conn.socket_timeout  # every connection of a pool has the client's
        conn.socket_timeout = None  # while borrowed, each call's timeout covers its round trip
        return conn

    async def _call(self, conn: AbstractConnection, command: bytes) -> Any:
        try:
            async with asyncio.timeout(self._timeout):
                await conn.send_packed_command(command)
                reply = await conn.read_response()
        except ResponseError:  # the server answered: the connection is in step
            await self._give_back(conn)
            raise
        except BaseException as error:  # the reply may be unread: the connection cannot be reused
            await conn.disconnect()
            await self._release(conn)
            if isinstance(error, asyncio.TimeoutError):
                raise TimeoutError(f"No reply from Redis within {self._timeout} s.") from None
            raise
        await self._give_back(conn)
        return reply

    async def _give_back(self, conn: AbstractConnection) -> None:
        if len(self._idle) < self._keep:
            self._idle.append(conn)
        else:
            await self._release(conn)

    async def _release(self, conn: AbstractConnection) -> None:
        conn.socket_timeout = self._timeout
        await self._pool.release(conn)

    async def aclose(self) -> None:
        """Return the borrowed connections to the pool (closing the client closes them too)."""
        idle, self._idle = self._idle, []
        for conn in idle:
            await self._release(conn)
