"""Every Lua script of the service, bound to one Redis client: one per atomic operation.

The Lua lives with its domain (scheduler/lua, exposure/lua, wellbeing/lua); luascripts composes
and checks it. The scheduler's scripts are where the domains meet (a claim obeys the wellbeing
rules, a decision writes its exposure event and its bank entry, in one atomic step), so the
library of all four (with bank/lua) is bound here. Callers go through `Scripts`, which returns
the raw reply; the domain modules turn reply tags into exceptions.

Acknowledged means replicated: the scripts whose effect the client is told about (`TOLD`) run in
one pipeline with `WAIT min_replicas timeout` on the same connection, so the client hears of a
write only once that many replicas hold it; fewer in time raises NotReplicated (a 503 with
Retry-After, api/problems.py). This is the one place the rule lives.
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


# The writes a client is told about: ingest, account creation, claim, reveal, skip, decision,
# break, check-in. The others (heartbeat, sweeps, ticks, outbox, alerts, media readiness) are
# either repeated by their caller anyway or not reported to anyone as done.
TOLD = frozenset({"create", "ingest", "claim", "reveal", "skip", "decide", "take_break", "checkin"})


class NotReplicated(Exception):
    """A write ran on the primary but fewer replicas than required acknowledged it in time.

    The write may or may not survive a failover, so the client is not told it happened; every
    told write is idempotent or leased, so the client's retry is safe (docs/api.md).
    """

    def __init__(self, acknowledged: int, required: int, timeout_ms: int) -> None:
        super().__init__(
            f"{acknowledged} of {required} replica(s) acknowledged the write in {timeout_ms} ms"
        )
        self.acknowledged, self.required, self.timeout_ms = acknowledged, required, timeout_ms


@dataclass
class _Bound:
    """One registered script: EVALSHA through redis-py, which loads the script again if Redis
    lost it (a restart or SCRIPT FLUSH). `script` is there for pipelines. `replicas` > 0: the
    client is told about this write, so WAIT for that many replicas on the same connection."""

    script: AsyncScript
    replicas: int = 0
    timeout_ms: int = 1000

    async def __call__(self, *, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self._run(keys, args)
        except RedisConnectionError:
            # A pooled connection that a restarted Redis closed fails once, and redis-py's
            # default client does not retry: one more try, on a new connection. (If Redis died
            # after running the script but before replying, this runs it again, as a client's
            # own retry would: a claim gets the same assignment back, a decision says "same".)
            return await self._run(keys, args)

    async def _run(self, keys: list[str], args: list[Any]) -> Any:
        if not self.replicas:
            return await self.script(keys=keys, args=args)
        # WAIT counts the replication offset of this connection's own writes: the EVALSHA and
        # the WAIT go out together on one pooled connection (the pipeline loads the script
        # first if Redis lost it).
        async with self.script.registered_client.pipeline(transaction=False) as pipe:
            await self.script(keys=keys, args=args, client=pipe)  # type: ignore[arg-type]
            pipe.execute_command("WAIT", self.replicas, self.timeout_ms)
            reply, acknowledged = await pipe.execute()
        if int(acknowledged) < self.replicas:
            raise NotReplicated(int(acknowledged), self.replicas, self.timeout_ms)
        return reply


class Scripts:
    """Registered scripts for one Redis client."""

    def __init__(self, redis: Redis, *, min_replicas: int = 0, wait_timeout_ms: int = 1000) -> None:
        self.redis = redis
        composed = library().scripts
        unmatched = (set(composed) ^ set(Scripts.__annotations__)) | (TOLD - set(composed))
        if unmatched:  # a script file added or renamed without its attribute here, or the reverse
            raise luascripts.CompositionError(
                [f"each script needs an attribute of Scripts and the reverse: {sorted(unmatched)}"]
            )
        for name, script in composed.items():
            replicas = min_replicas if name in TOLD else 0
            setattr(
                self, name, _Bound(redis.register_script(script.text), replicas, wait_timeout_ms)
            )

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
