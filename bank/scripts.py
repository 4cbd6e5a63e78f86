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

from bank.lua import CONSTANTS

# Each file defines one function; the script is that function applied to KEYS and ARGV. A bigger
# script (the decision, ingest) can prepend common.lua and the file and call the function.
_ENTRY = {
    "add": "return bank_add(KEYS[1], ARGV[1], ARGV[2], ARGV[3], {unpack(ARGV, 4)})",
    "remove": "return bank_remove(KEYS[1], ARGV[1])",
    "not_a_match": "return bank_not_a_match(KEYS[1], ARGV[1], ARGV[2])",
    "lookup_image": (
        "return bank_lookup_image(KEYS, ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4])"
    ),
    "lookup_video": (
        "return bank_lookup_video(KEYS, tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),"
        " ARGV[4], {unpack(ARGV, 5)})"
    ),
}
NAMES = tuple(_ENTRY)
_CONSTANTS = CONSTANTS  # shared with the composed library (bank/lua/__init__.py)


def _read(name: str) -> str:
    text = resources.files("bank").joinpath("lua", f"{name}.lua").read_text()
    for placeholder, value in _CONSTANTS.items():
        text = text.replace("{{" + placeholder + "}}", value)
    return text


@cache
def source(name: str) -> tuple[str, str]:
    """(Lua text, its SHA-1) of one script, common.lua and text.lua first."""
    if name not in NAMES:
        raise KeyError(name)
    text = "\n".join([_read("common"), _read("text"), _read(name), _ENTRY[name]])
    return text, hashlib.sha1(text.encode()).hexdigest()


async def run(redis: Redis, name: str, *, keys: list[str], args: list[Any]) -> Any:
    """Run one bank script: EVALSHA, then EVAL if Redis lost the script."""
    text, sha = source(name)
    try:
        return await redis.evalsha(sha, len(keys), *keys, *args)
    except NoScriptError:
        return await redis.eval(text, len(keys), *keys, *args)
