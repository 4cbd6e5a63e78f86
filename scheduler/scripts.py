"""The scheduler's Lua scripts: one per atomic operation, loaded once per client.

Each script lives in `lua/<name>.lua` with a header listing its KEYS and ARGV. Scripts that end
assignments share `lib.lua` (and `live.lua`), prepended here, because Redis 6.2 has no
FUNCTION libraries. Callers go through `Scripts`, which returns the raw reply; the service
modules turn reply tags into exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from scheduler import keys
from scheduler.models import MAX_POOLS_PER_CLAIM, VIEW_FIELDS

_NEEDS = {
    "create": (),
    "ingest": ("lib",),
    "ready": ("lib",),
    "sweep": ("lib",),
    "claim": ("lib",),
    "heartbeat": ("lib", "live"),
    "reveal": ("lib", "live"),
    "skip": ("lib", "live"),
    "decide": ("lib", "live"),
    "outbox_claim": (),
}


def _source(name: str) -> str:
    text = resources.files("scheduler").joinpath("lua", f"{name}.lua").read_text()
    view_fields = ", ".join(f"'{name}'" for name in VIEW_FIELDS)
    text = text.replace("{{MAX_POOLS}}", str(MAX_POOLS_PER_CLAIM))
    return text.replace("{{PREFIX}}", keys.PREFIX).replace("{{VIEW_FIELDS}}", view_fields)


def _compose(name: str) -> str:
    return "\n".join([*(_source(n) for n in _NEEDS[name]), _source(name)])


@dataclass
class _Bound:
    """EVALSHA straight away (one call on the hot path); load the script only if Redis lost it."""

    redis: Redis
    script: AsyncScript

    async def __call__(self, *, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self.redis.evalsha(self.script.sha, len(keys), *keys, *args)
        except NoScriptError:  # a restarted or flushed Redis forgets scripts
            return await self.script(keys=keys, args=args)


class Scripts:
    """Registered scripts for one Redis client (EVALSHA, falling back to EVAL after a flush)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        for name in _NEEDS:
            setattr(self, name, _Bound(redis, redis.register_script(_compose(name))))

    create: _Bound
    ingest: _Bound
    ready: _Bound
    sweep: _Bound
    claim: _Bound
    heartbeat: _Bound
    reveal: _Bound
    skip: _Bound
    decide: _Bound
    outbox_claim: _Bound
