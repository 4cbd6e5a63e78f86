"""Browser sessions: a random token in an HttpOnly cookie that stands for an API key.

The browser never keeps the key itself: signing in trades it for a token that Redis knows only
by its SHA-256, so a copy of the database cannot be replayed as a cookie. The session stores the
key's hash, not a copy of its role, and every request reads the key's record again: revoking the
key (`DELETE /v1/keys/{id}`) ends its sessions on their next request, and a lost cookie is worth
nothing after sign-out or twelve hours.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import cast

from redis.asyncio import Redis

from scheduler import accounts, audit
from scheduler.errors import SchedulerError
from scheduler.models import Principal

# One hash per live session, named by the SHA-256 of its token, expiring with the session.
PREFIX = "safeshift:session:"

# 12 h: longer than any shift (IWF caps direct exposure at 5 h a day), short enough that a
# cookie left on a shared machine dies by the next morning. Absolute, not sliding.
TTL_SECONDS = 12 * 3600


def session_key(token_hash: str) -> str:
    return f"{PREFIX}{token_hash}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class NotForBrowser(SchedulerError):
    """A valid key whose role has no page (admin, vendor): it stays an API-only key."""


@dataclass(frozen=True)
class Session:
    token: str  # goes to the browser once, in the Set-Cookie header
    principal: Principal
    expires_at: float


async def _hash(redis: Redis, key: str) -> dict[str, str]:
    """HGETALL on a client made with decode_responses=True (as the app's is): text, not bytes."""
    return cast(dict[str, str], await redis.hgetall(key))


async def create(
    *, redis: Redis, secret: str, roles: Collection[str], now: float, ttl: int = TTL_SECONDS
) -> Session | None:
    """A session for a valid key of one of `roles`; None when the key is unknown or revoked."""
    principal = await accounts.authenticate(redis=redis, secret=secret)
    if principal is None:
        return None
    if principal.role not in roles:
        raise NotForBrowser(
            f"A key with role '{principal.role}' has no page here; use it with the API."
        )
    token = secrets.token_urlsafe(32)  # 256 bits, like the keys themselves
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            session_key(_digest(token)),
            mapping={
                "key_hash": accounts.hash_key(secret),
                "key_id": principal.key_id,
                "created_at": str(now),
                "expires_at": str(now + ttl),
            },
        )
        pipe.expire(session_key(_digest(token)), ttl)
        audit.append(
            pipe,
            now=now,
            action="session.create",
            actor=audit.actor(principal),
            subject=principal.key_id,
        )
        await pipe.execute()
    return Session(token=token, principal=principal, expires_at=now + ttl)


async def resolve(*, redis: Redis, token: str) -> tuple[Principal, float] | None:
    """Who the session's key belongs to and when the session ends; None if either is gone."""
    if not token or len(token) > 128:
        return None
    record = await _hash(redis, session_key(_digest(token)))
    if not record:
        return None
    principal = await accounts.principal_by_hash(redis=redis, key_hash=record["key_hash"])
    if principal is None:  # the key was revoked: the session dies with it
        return None
    return principal, float(record["expires_at"])


async def delete(*, redis: Redis, token: str) -> None:
    """Sign-out: the token stops working at once, whatever the browser does with the cookie."""
    if token and len(token) <= 128:
        await redis.delete(session_key(_digest(token)))
