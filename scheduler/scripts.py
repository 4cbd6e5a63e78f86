"""Every Lua script of the service: one per atomic operation, loaded once per client.

Each package keeps its scripts in its own `lua/` folder with a header listing KEYS and ARGV:
the scheduler's, the exposure ledger (`exposure/lua/ledger.lua`) and the wellbeing rules
(`wellbeing/lua/rules.lua`). Fragments a script needs are prepended here, because Redis 6.2 has
no FUNCTION libraries: that is how a claim obeys wellbeing, and a decision writes its exposure
event, in one atomic step. Callers go through `Scripts`, which returns the raw reply; the
domain modules turn reply tags into exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import NoScriptError

from exposure import keys as exposure_keys
from exposure import weights
from scheduler import keys
from scheduler.evalsha import Lanes
from scheduler.models import MAX_POOLS_PER_CLAIM, VIEW_FIELDS
from wellbeing import policy

# What the scheduler's lib needs before it: the scheduler's keys, the ledger, then the rules that
# read both.
_RULES = ("scheduler/keys", "exposure/ledger", "wellbeing/rules")
_LIB = (*_RULES, "lib")

_NEEDS = {
    "scheduler/create": (),
    "scheduler/ingest": _LIB,
    "scheduler/ready": _LIB,
    "scheduler/sweep": _LIB,
    "scheduler/claim": _LIB,
    "scheduler/heartbeat": (*_LIB, "live"),
    "scheduler/reveal": (*_LIB, "live"),
    "scheduler/skip": (*_LIB, "live"),
    "scheduler/decide": (*_LIB, "live"),
    "scheduler/outbox_claim": (),
    "wellbeing/states": _RULES,
    "wellbeing/tick": _RULES,
    "wellbeing/take_break": _RULES,
    "wellbeing/checkin": _RULES,
    "wellbeing/alert": _RULES,
}

# Values the scripts take from Python at load time: one place for each of them.
_CONSTANTS = {
    "PREFIX": keys.PREFIX,
    "MAX_POOLS": str(MAX_POOLS_PER_CLAIM),
    "VIEW_FIELDS": ", ".join(f"'{name}'" for name in VIEW_FIELDS),
    "EXPOSURE_RETENTION": str(exposure_keys.RETENTION_SECONDS),
    "MICRO": str(exposure_keys.MICRO),
    "SOUND_FACTOR": repr(
        weights.DEFAULT.media_weights["video_sound"] / weights.DEFAULT.media_weights["video"]
    ),
    "POLICY_DEFAULTS": policy.lua_defaults(),
    "STEER_FRACTION": repr(policy.STEER_FRACTION),
    "STEER_DEADLINE_SECONDS": str(policy.STEER_DEADLINE_SECONDS),
    "TEAMMATE_ACTIVE_SECONDS": str(policy.TEAMMATE_ACTIVE_SECONDS),
}


def _source(name: str) -> str:
    package, _, script = name.rpartition("/")
    text = resources.files(package or "scheduler").joinpath("lua", f"{script}.lua").read_text()
    for placeholder, value in _CONSTANTS.items():
        text = text.replace("{{" + placeholder + "}}", value)
    return text


def _compose(name: str) -> str:
    return "\n".join([*(_source(n) for n in _NEEDS[name]), _source(name)])


@dataclass
class _Bound:
    """EVALSHA straight away (one call on the hot path); load the script only if Redis lost it."""

    lanes: Lanes
    script: AsyncScript

    async def __call__(self, *, keys: list[str], args: list[Any]) -> Any:
        try:
            return await self.lanes.evalsha(self.script.sha, keys, args)
        except NoScriptError:  # a restarted or flushed Redis forgets scripts
            return await self.script(keys=keys, args=args)


class Scripts:
    """Registered scripts for one Redis client (EVALSHA, falling back to EVAL after a flush)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.lanes = Lanes(redis)
        for name in _NEEDS:
            attribute = name.split("/")[1]
            setattr(self, attribute, _Bound(self.lanes, redis.register_script(_compose(name))))

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
