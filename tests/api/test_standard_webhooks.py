"""Standard Webhooks: real deliveries verified by the `standardwebhooks` library, and rotation.

The library checks `webhook-timestamp` against the wall clock (five minutes either way), so the
tests that call `verify` first set the fake clock to the real time; after a driven 24 hours,
they compare with the library's own `sign` instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from api import periodic
from scheduler import audit, keys
from tests.api.conftest import Api
from tests.api.receiver import Receiver


async def _vendor(api: Api, secret: str | None = None) -> tuple[str, str, str]:
    """Vendor `v1` (with `secret` if given), a reviewer; returns the secret and both keys."""
    body: dict[str, Any] = {"id": "v1", "name": "V"}
    if secret is not None:
        body["webhook_secret"] = secret
    r = await api.post("/v1/vendors", json=body)
    assert r.status_code == 201, r.text
    await api.post("/v1/teams", json={"id": "t1", "name": "T"})
    await api.post("/v1/reviewers", json={"id": "r1", "team": "t1"})
    keys = await api.key("vendor", vendor="v1"), await api.key("reviewer", reviewer="r1")
    return r.json()["webhook_secret"], *keys


async def _decide(api: Api, vendor: str, reviewer: str, url: str, external_id: str) -> None:
    await api.text_item(vendor, external_id, callback_url=url)
    a = (await api.post("/v1/assignments", reviewer)).json()
    r = await api.post(f"/v1/assignments/{a['id']}/decision", reviewer, json={"verdict": "approve"})
    assert r.status_code == 200, r.text


async def _deliveries(api: Api, receiver: Receiver, count: int) -> list[tuple[dict, bytes]]:
    ctx = api.app.state.ctx
    await ctx.redis.delete(keys.lock("webhooks"))  # the job's 0.8 s lock, on the wall clock
    await periodic.deliver_webhooks(ctx)  # the real job, to a real receiver
    assert len(receiver.received) == count
    return receiver.received[-1:]


def _safeshift_v1s(header: str) -> tuple[str, list[str]]:
    parts = [p.split("=", 1) for p in header.split(",")]
    assert parts[0][0] == "t"
    return parts[0][1], [v for k, v in parts[1:] if k == "v1"]


def _safeshift_ok(secret: str, headers: dict[str, str], body: bytes) -> bool:
    t, macs = _safeshift_v1s(headers["safeshift-signature"])
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(mac, m) for m in macs)


def _standard_ok(whsec: str, headers: dict[str, str], body: bytes) -> bool:
    """Verified by the library, on the wall clock."""
    try:
        Webhook(whsec).verify(body, headers)
    except WebhookVerificationError:
        return False
    return True


def _standard_signed_by(whsec: str, headers: dict[str, str], body: bytes) -> bool:
    """The library's own signature for this secret is among the header's (any clock)."""
    at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), tz=UTC)
    expected = Webhook(whsec).sign(headers["webhook-id"], at, body.decode())
    return expected in headers["webhook-signature"].split(" ")


@pytest.fixture
async def receiver() -> Any:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


async def test_a_generated_secret_is_whsec_and_verifies_both_headers(
    api: Api, receiver: Receiver
) -> None:
    api.clock.now = time.time()
    secret, vendor, reviewer = await _vendor(api)
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:], validate=True)) == 32
    await _decide(api, vendor, reviewer, receiver.url, "a")
    [(headers, body)] = await _deliveries(api, receiver, 1)
    event = json.loads(body)
    assert headers["webhook-id"] == event["id"]
    assert headers["webhook-timestamp"] == _safeshift_v1s(headers["safeshift-signature"])[0]
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(secret).verify(body, headers)["id"] == event["id"]
    assert _safeshift_ok(secret, headers, body)
    assert not _standard_ok("whsec_" + base64.b64encode(b"another key").decode(), headers, body)


@pytest.mark.parametrize(
    "secret",
    [
        "s" * 32,  # a secret the vendor chose
        "whsec_x-Y_" + "a" * 33,  # generated before this change: URL-safe base64, no padding
    ],
)
async def test_secrets_from_before_verify_both_headers_in_their_whsec_form(
    api: Api, receiver: Receiver, secret: str
) -> None:
    """Migration: nothing stored changes; the whsec_ form is whsec_ + base64(UTF-8 secret)."""
    api.clock.now = time.time()
    held, vendor, reviewer = await _vendor(api, secret)
    assert held == secret
    await _decide(api, vendor, reviewer, receiver.url, "a")
    [(headers, body)] = await _deliveries(api, receiver, 1)
    assert _safeshift_ok(secret, headers, body)
    assert _standard_ok("whsec_" + base64.b64encode(secret.encode()).decode(), headers, body)


async def test_rotation_signs_with_both_for_24_hours_then_only_the_new(
    api: Api, receiver: Receiver, redis: Any
) -> None:
    api.clock.now = time.time()
    old, vendor, reviewer = await _vendor(api)
    r = await api.post("/v1/vendors/v1/webhook-secret")
    assert r.status_code == 200 and set(r.json()) == {"webhook_secret"}
    new = r.json()["webhook_secret"]
    assert new.startswith("whsec_") and new != old
    entries, _ = await _audit(api)
    assert entries[0]["action"] == "vendor.webhook_secret.rotate"
    assert entries[0]["subject"] == "v1" and old not in str(entries) and new not in str(entries)

    await _decide(api, vendor, reviewer, receiver.url, "a")
    [(headers, body)] = await _deliveries(api, receiver, 1)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert len(_safeshift_v1s(headers["safeshift-signature"])[1]) == 2
    for secret in (old, new):  # a receiver holding either one verifies, with the library
        assert _standard_ok(secret, headers, body) and _safeshift_ok(secret, headers, body)

    api.clock.advance(24 * 3600 - 10)  # still inside the window
    await _decide(api, vendor, reviewer, receiver.url, "b")
    [(headers, body)] = await _deliveries(api, receiver, 2)
    assert _standard_signed_by(old, headers, body) and _standard_signed_by(new, headers, body)

    api.clock.advance(20)  # 24 h after the rotation: the old secret no longer signs
    await _decide(api, vendor, reviewer, receiver.url, "c")
    [(headers, body)] = await _deliveries(api, receiver, 3)
    assert headers["webhook-signature"].count("v1,") == 1
    assert _standard_signed_by(new, headers, body) and not _standard_signed_by(old, headers, body)
    assert _safeshift_ok(new, headers, body) and not _safeshift_ok(old, headers, body)


async def _audit(api: Api) -> tuple[list[dict[str, Any]], Any]:
    return await audit.read(redis=api.app.state.ctx.redis, limit=5)


async def test_rotation_is_admin_only_and_needs_a_vendor(api: Api) -> None:
    await _vendor(api)
    vendor_key = await api.key("vendor", vendor="v1")
    r = await api.post("/v1/vendors/v1/webhook-secret", vendor_key)
    assert r.status_code == 403
    r = await api.post("/v1/vendors/nobody/webhook-secret")
    assert r.status_code == 404 and "nobody" in r.json()["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")
