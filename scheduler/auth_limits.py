"""Failed authentication, counted per client address: guessing keys gets slow, then refused.

Keys carry 256 bits of entropy, so guessing cannot succeed; the limit is about not serving a
flood of guesses. Over the limit, unknown keys from that address are refused (429) until the
minute ends; a valid key is checked first and never refused, so one guessing client behind a
shared NAT or proxy cannot lock out the rest of that office.
"""

from __future__ import annotations

from redis.asyncio import Redis

from scheduler import keys

WINDOW_SECONDS = 60


def _key(address: str) -> str:
    return f"{keys.PREFIX}authfail:{address}"


async def blocked_for(*, redis: Redis, address: str, limit: int) -> int:
    """Seconds until this address may try again (0: it may try now)."""
    count = await redis.get(_key(address))
    if count is None or int(count) < limit:
        return 0
    return max(1, int(await redis.ttl(_key(address))))


async def failed(*, redis: Redis, address: str) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(
            _key(address), 0, ex=WINDOW_SECONDS, nx=True
        )  # the window starts (6.2: no EXPIRE NX)
        pipe.incr(_key(address))
        await pipe.execute()
