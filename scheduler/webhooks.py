"""Decisions delivered to the vendor's `callback_url`: signed, at least once, from an outbox.

The decision script puts the event in the outbox in the same atomic step as the decision, so a
crash cannot lose it. Delivery retries with exponential backoff for 25 hours (the contract asks
for at least 24); the event id never changes, so receivers can drop duplicates. The body is
rendered once, on the first attempt, and every retry sends the same bytes.

Each delivery is signed twice over the same bytes: our own `Safeshift-Signature` (unchanged
since v1) and the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`,
`webhook-signature`), so vendors can verify with any Standard Webhooks library. During a secret
rotation both secrets sign, and each header carries one signature per secret.

The callback host is resolved once per attempt, every address is checked, and the connection
goes to a checked address (`PinnedBackend`): a DNS answer that changes between the check and
the connect (DNS rebinding) cannot steer a delivery into the private network. TLS still checks
the certificate against the host name in the URL.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from redis.asyncio import Redis

from scheduler import accounts, items, keys
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


Resolver = Callable[[str, int], Awaitable[list[str]]]


def sign(secret: str | Iterable[str], timestamp: int, body: bytes) -> str:
    """`Safeshift-Signature`: `t=<t>,v1=<hex>`, one `v1=` per secret (as Stripe does).

    Keyed with the UTF-8 bytes of the secret string exactly as the vendor holds it.
    """
    secrets = [secret] if isinstance(secret, str) else list(secret)
    signed = f"{timestamp}.".encode() + body
    macs = (hmac.new(s.encode(), signed, hashlib.sha256).hexdigest() for s in secrets)
    return ",".join([f"t={timestamp}", *(f"v1={mac}" for mac in macs)])


def sign_standard(secrets: Iterable[str], event_id: str, timestamp: int, body: bytes) -> str:
    """`webhook-signature`: `v1,<base64>` per secret, space-separated, as the spec allows.

    Keyed with the bytes the secret's `whsec_` form encodes (`accounts.standard_key`), over
    `<webhook-id>.<webhook-timestamp>.<body>`.
    """
    signed = f"{event_id}.{timestamp}.".encode() + body
    macs = (hmac.new(accounts.standard_key(s), signed, hashlib.sha256).digest() for s in secrets)
    return " ".join(f"v1,{base64.b64encode(mac).decode()}" for mac in macs)


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


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for a host, in its order, without repeats."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _origin(url: str) -> tuple[str, int]:
    """Host and port as httpcore will connect to them (IDNA-encoded, lowercase, default port).

    The same parsing as the client's, so the pinned address is found under the name httpcore
    asks for.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as e:
        raise InvalidCallback(f"callback_url cannot be parsed: {e}") from e
    return parsed.raw_host.decode("ascii"), parsed.port or (443 if parsed.scheme == "https" else 80)


async def check_resolved(
    url: str, *, allow_private: bool, resolve: Resolver | None = None
) -> list[str]:
    """At delivery time: resolve the host once; every address must be public.

    Returns the checked addresses: the delivery connects to these and resolves nothing again.
    """
    host, port = _origin(url)
    try:
        addresses = await (resolve or system_resolve)(host, port)
    except OSError as e:
        raise InvalidCallback(f"callback host {host} does not resolve: {e}") from e
    if not addresses:
        raise InvalidCallback(f"callback host {host} resolves to no address")
    if not allow_private and any(_private(a) for a in addresses):
        raise InvalidCallback(f"callback host {host} resolves to a private address")
    return addresses


# The addresses checked for this delivery, by (host, port): set in the task that sends it.
_pins: contextvars.ContextVar[dict[tuple[str, int], list[str]]] = contextvars.ContextVar(
    "webhook_pins"
)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the addresses the delivery checked, never to a fresh resolution of the name.

    httpcore still runs TLS with the URL's host name (SNI and the certificate check), since it
    knows nothing of the swap; only the TCP destination changes. A connection with no checked
    address is refused: this client resolves nothing by itself.
    """

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = _pins.get({}).get((host, port))
        if not addresses:
            raise httpcore.ConnectError(f"no checked address for {host}:{port}")
        error: Exception | None = None
        for address in addresses:  # in the resolver's order, as a plain connect would
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as e:
                error = e
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhook deliveries never use unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (TLS settings, limits, error mapping) over a `PinnedBackend`.

    httpx does not take a network backend as an option, so the connection pool it builds is
    replaced by an identical one that has ours.
    """

    def __init__(self, verify: ssl.SSLContext | None = None) -> None:
        super().__init__(trust_env=False)  # no proxy from the environment: we pick the address
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=verify or httpx.create_ssl_context(trust_env=False),
            max_connections=100,  # httpx's defaults
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=PinnedBackend(),
        )


def delivery_client(verify: ssl.SSLContext | None = None) -> httpx.AsyncClient:
    """The HTTP client webhook deliveries must use: it connects only to checked addresses.

    `verify` replaces the system's certificate authorities (tests trust their own).
    """
    return httpx.AsyncClient(transport=PinnedTransport(verify), trust_env=False)


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
    client: httpx.AsyncClient,
    redis: Redis,
    event: dict[str, str],
    now: float,
    allow_private: bool,
    resolve: Resolver | None,
) -> str | None:
    """One attempt; returns None on a 2xx, else a short reason kept on the event."""
    if event.get("url"):
        # An event that names its own address and the hash holding its secret (a support
        # request to a team's employee-assistance programme, wellbeing/support.py).
        url = event["url"]
        secret = await redis.hget(event["secret_from"], "eap_secret")
        if not secret:
            return "no signing secret: the address was removed after the event was queued"
        secrets = [secret]
    else:
        raw = await items.get_raw(redis=redis, item_id=event["item"])
        url = raw["callback_url"]
        secrets = accounts.signing_secrets(await redis.hgetall(keys.vendor(raw["vendor"])), now)
    body = (await _body(redis, event)).encode()
    timestamp = int(now)
    try:
        addresses = await check_resolved(url, allow_private=allow_private, resolve=resolve)
        # This coroutine runs in its own task (asyncio.gather), so the pin is this delivery's.
        _pins.set({_origin(url): addresses})
        response = await client.post(
            url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "Safeshift-Signature": sign(secrets, timestamp, body),
                "webhook-id": event["id"],
                "webhook-timestamp": str(timestamp),
                "webhook-signature": sign_standard(secrets, event["id"], timestamp, body),
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
    resolve: Resolver | None = None,
) -> int:
    """Send the events that are due; returns how many were delivered.

    `client` should come from `delivery_client()`; `resolve` replaces the system resolver
    (tests use it to answer differently on a second lookup, as a rebinding DNS server would).
    """
    ids = await scripts.outbox_claim(keys=[keys.OUTBOX], args=[now, batch, IN_FLIGHT])
    events = [await redis.hgetall(keys.event(i)) for i in ids]
    results = await asyncio.gather(
        *(_send(client, redis, e, now, allow_private, resolve) for e in events if e)
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
