"""Decisions delivered to the vendor's `callback_url`: signed, at least once, from an outbox.

The decision script puts the event in the outbox in the same atomic step as the decision, so a
crash cannot lose it. Delivery retries with exponential backoff for 25 hours (the contract asks
for at least 24); the event id never changes, so receivers can drop duplicates. The body is
rendered once, on the first attempt, and every retry sends the same bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
from urllib.parse import urlsplit

import httpx
from redis.asyncio import Redis

from scheduler import items, keys
from scheduler.errors import InvalidInput
from scheduler.scripts import Scripts

log = logging.getLogger(__name__)

GIVE_UP_AFTER = 25 * 3600  # the contract: retried for at least 24 h
FIRST_RETRY = 2.0  # the issue: first retry within 5 s
MAX_DELAY = 3600.0
IN_FLIGHT = 60  # seconds an event stays hidden while one process sends it
TIMEOUT = 10.0


class InvalidCallback(InvalidInput):
    """A callback URL we will not call."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, loc=["callback_url"])


def retry_delay(attempts: int) -> float:
    """2, 4, 8 … seconds, at most an hour: ~25 attempts fit in the 25-hour window."""
    return float(min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_DELAY))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def check_url(url: str, *, allow_private: bool) -> None:
    """Refuse at ingest what we would never call: not https, or a private address literal."""
    parts = urlsplit(url)
    if (
        parts.scheme not in (("https", "http") if allow_private else ("https",))
        or not parts.hostname
    ):
        raise InvalidCallback("callback_url must be an absolute https:// URL.")
    if allow_private:
        return
    host = parts.hostname
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise InvalidCallback("callback_url must not point at a local or internal host.")
    try:
        literal = _private(host)
    except ValueError:
        return  # a name: resolved and checked again at every delivery
    if literal:
        raise InvalidCallback("callback_url must not point at a private or loopback address.")


async def check_resolved(url: str, *, allow_private: bool) -> None:
    """At delivery time: every address the name resolves to must be public."""
    if allow_private:
        return
    host = urlsplit(url).hostname or ""
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    if any(_private(str(info[4][0])) for info in infos):
        raise InvalidCallback(f"callback host {host} resolves to a private address")


async def _body(redis: Redis, event: dict[str, str]) -> str:
    if event.get("body"):
        return event["body"]
    item = items.render(await items.get_raw(redis=redis, item_id=event["item"]))
    body = json.dumps(
        {
            "id": event["id"],
            "type": event["type"],
            "created_at": items.rfc3339(float(event["created_at"])),
            "data": {"item": item},
        },
        separators=(",", ":"),
    )
    await redis.hset(keys.event(event["id"]), "body", body)
    return body


async def _send(
    client: httpx.AsyncClient, redis: Redis, event: dict[str, str], now: float, allow_private: bool
) -> str | None:
    """One attempt; returns None on a 2xx, else a short reason kept on the event."""
    raw = await items.get_raw(redis=redis, item_id=event["item"])
    url = raw["callback_url"]
    secret = (await redis.hget(keys.vendor(raw["vendor"]), "webhook_secret")) or ""
    body = (await _body(redis, event)).encode()
    try:
        await check_resolved(url, allow_private=allow_private)
        response = await client.post(
            url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "Safeshift-Signature": sign(secret, int(now), body),
                "User-Agent": "Safeshift-Webhooks/1",
            },
            timeout=TIMEOUT,
            follow_redirects=False,
        )
    except (httpx.HTTPError, OSError, InvalidCallback) as e:
        return f"{type(e).__name__}: {e}"[:300]
    return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"


async def deliver_due(
    *,
    redis: Redis,
    scripts: Scripts,
    client: httpx.AsyncClient,
    now: float,
    allow_private: bool,
    batch: int = 50,
) -> int:
    """Send the events that are due; returns how many were delivered."""
    ids = await scripts.outbox_claim(keys=[keys.OUTBOX], args=[now, batch, IN_FLIGHT])
    events = [await redis.hgetall(keys.event(i)) for i in ids]
    results = await asyncio.gather(
        *(_send(client, redis, e, now, allow_private) for e in events if e)
    )
    delivered = 0
    for event, error in zip([e for e in events if e], results, strict=True):
        delivered += await _settle(redis, event, error, now)
    return delivered


async def _settle(redis: Redis, event: dict[str, str], error: str | None, now: float) -> int:
    key, eid = keys.event(event["id"]), event["id"]
    attempts = int(event.get("attempts", 0)) + 1
    if error is None:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.zrem(keys.OUTBOX, eid)
            pipe.hset(
                key, mapping={"status": "delivered", "attempts": attempts, "delivered_at": now}
            )
            pipe.expire(key, 7 * 86400)
            await pipe.execute()
        return 1
    given_up = now - float(event["created_at"]) >= GIVE_UP_AFTER
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            key,
            mapping={
                "attempts": attempts,
                "last_error": error,
                "status": "failed" if given_up else "retrying",
            },
        )
        if given_up:
            pipe.zrem(keys.OUTBOX, eid)
            log.warning("webhook %s given up after %d attempts: %s", eid, attempts, error)
        else:
            pipe.zadd(keys.OUTBOX, {eid: now + retry_delay(attempts)})
        await pipe.execute()
    return 0
