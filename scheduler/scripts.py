"""Every Lua script of the service, bound to one Redis client: one per atomic operation.

The Lua lives with its domain (scheduler/lua, exposure/lua, wellbeing/lua); luascripts composes
and checks it. The scheduler's scripts are where the domains meet (a claim obeys the wellbeing
rules, a decision writes its exposure event and its bank entry, in one atomic step), so the
library of all four (with bank/lua) is bound here. Callers go through `Scripts`, which returns
the raw reply; the domain modules turn reply tags into exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError

import luascripts
from bank.lua import LUA as BANK_LUA
from exposure.lua import LUA as EXPOSURE_LUA
from scheduler.lua import LUA as SCHEDULER_LUA
from wellbeing.lua import LUA as WELLBEING_LUA


@cache
def library() -> luascripts.Library:
    """The service's scripts, composed once per process; raises CompositionError if they cannot
    be (see luascripts.compose)."""
    return luascripts.Library([SCHEDULER_LUA, EXPOSURE_LUA, WELLBEING_LUA, BANK_LUA])


@dataclass
class _Bound:
    """One registered script: EVALSHA through redis-py, which loads the script again if Redis
    lost it (a restart or SCRIPT FLUSH). `script` is there for pipelines."""

    script: AsyncScript

    async def __call__(self, *, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self.script(keys=keys, args=args)
        except RedisConnectionError:
            # A pooled connection that a restarted Redis closed fails once, and redis-py's
            # default client does not retry: one more try, on a new connection. (If Redis died
            # after running the script but before replying, this runs it again, as a client's
            # own retry would: a claim gets the same assignment back, a decision says "same".)
            return await self.script(keys=keys, args=args)


class Scripts:
    """Registered scripts for one Redis client."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        composed = library().scripts
        unmatched = set(composed) ^ set(Scripts.__annotations__)
        if unmatched:  # a script file added or renamed without its attribute here, or the reverse
            raise luascripts.CompositionError(
                [f"each script needs an attribute of Scripts and the reverse: {sorted(unmatched)}"]
            )
        for name, script in composed.items():
            setattr(self, name, _Bound(redis.register_script(script.text)))

    async def load(self) -> None:
        """SCRIPT LOAD every script, so one Redis cannot compile fails start-up, not a request."""
        await luascripts.load(self.redis, library())

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
    states: _Bound
    tick: _Bound
    take_break: _Bound
    checkin: _Bound
    alert: _Bound
