"""The bank's Lua scripts, for its own service functions: one per atomic operation.

Each script in lua/standalone/ calls one bank function (lua/*.lua, the fragments the scheduler's
decision and ingest scripts also call inside their own steps) on its KEYS and ARGV; luascripts
composes and checks them like every other script. Composed once per process; a call is one
EVALSHA, and an EVAL only when Redis has forgotten the script (a restart or SCRIPT FLUSH).
Nothing is registered per client, so service functions need nothing but a Redis client.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

import luascripts
from bank.lua import LUA


@cache
def library() -> luascripts.Library:
    standalone = resources.files("bank").joinpath("lua", "standalone")
    return luascripts.Library([LUA, luascripts.Source("bank", standalone)])


def source(name: str) -> tuple[str, str]:
    """(Lua text, its SHA-1) of one script; KeyError for a name that is none."""
    text = library().scripts[name].text
    return text, hashlib.sha1(text.encode()).hexdigest()


async def run(redis: Redis, name: str, *, keys: list[str], args: list[Any]) -> Any:
    """Run one bank script: EVALSHA, then EVAL if Redis lost the script."""
    text, sha = source(name)
    try:
        return await redis.evalsha(sha, len(keys), *keys, *args)
    except NoScriptError:
        return await redis.eval(text, len(keys), *keys, *args)
