"""The bank's Lua scripts: one per atomic operation, each prefixed with lua/common.lua.

Sources are composed and hashed once per process; a call is one EVALSHA, and an EVAL only when
Redis has forgotten the script (a restart or SCRIPT FLUSH). Nothing is registered per client,
so service functions need nothing but a Redis client.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from bank import keys

NAMES = ("add", "remove", "not_a_match", "lookup_image", "lookup_video")
_CONSTANTS = {
    "RECORDS_PER_BUCKET": str(keys.RECORDS_PER_BUCKET),
    "ID_BUCKETS": str(keys.ID_BUCKETS),
    # Lua tables are 1-based: POP[0] is set by its own key, the rest in order.
    "HEX": "{[0] = '00', " + ", ".join(f"'{b:02x}'" for b in range(1, 256)) + "}",
    "POP": "{[0] = 0, " + ", ".join(str(bin(b).count("1")) for b in range(1, 256)) + "}",
}


def _read(name: str) -> str:
    text = resources.files("bank").joinpath("lua", f"{name}.lua").read_text()
    for placeholder, value in _CONSTANTS.items():
        text = text.replace("{{" + placeholder + "}}", value)
    return text


@cache
def source(name: str) -> tuple[str, str]:
    """(Lua text, its SHA-1) of one script, common.lua first."""
    if name not in NAMES:
        raise KeyError(name)
    text = _read("common") + "\n" + _read(name)
    return text, hashlib.sha1(text.encode()).hexdigest()


async def run(redis: Redis, name: str, *, keys: list[str], args: list[Any]) -> Any:
    """Run one bank script: EVALSHA, then EVAL if Redis lost the script."""
    text, sha = source(name)
    try:
        return await redis.evalsha(sha, len(keys), *keys, *args)
    except NoScriptError:
        return await redis.eval(text, len(keys), *keys, *args)
