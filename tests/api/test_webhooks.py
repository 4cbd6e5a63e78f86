"""Decisions reach the vendor: signed, retried with backoff, same event id every time."""

from __future__ import annotations

import hashlib
import hmac
import json

from api import periodic
from scheduler import keys, webhooks
from tests.api.conftest import Api
from tests.api.receiver import Receiver


async def _decided_item(api: Api, url: str) -> tuple[dict, str]:
    r = await api.post("/v1/vendors", json={"id": "v1", "name": "V", "webhook_secret": "s" * 32})
    secret = r.json()["webhook_secret"]
    await api.post("/v1/teams", json={"id": "t1", "name": "T"})
    await api.post("/v1/reviewers", json={"id": "r1", "team": "t1"})
    vendor, reviewer = (
        await api.key("vendor", vendor="v1"),
        await api.key("reviewer", reviewer="r1"),
    )
    item = await api.text_item(vendor, "a", callback_url=url)
    a = (await api.post("/v1/assignments", reviewer)).json()
    r = await api.post(
        f"/v1/assignments/{a['id']}/decision", reviewer, json={"verdict": "remove", "notes": "n"}
    )
    assert r.status_code == 200
    return item, secret


async def test_signed_delivery(api: Api) -> None:
    receiver = Receiver()
    await receiver.start()
    try:
        item, secret = await _decided_item(api, receiver.url)
        await periodic.deliver_webhooks(api.app.state.ctx)
    finally:
        await receiver.stop()
    headers, body = receiver.received[0]
    event = json.loads(body)
    assert event["type"] == "item.decided" and event["data"]["item"]["id"] == item["id"]
    assert event["data"]["item"]["decision"]["verdict"] == "remove"
    t, v1 = (part.split("=", 1)[1] for part in headers["safeshift-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(v1, expected)


async def test_retries_with_backoff_and_same_id(api: Api, redis) -> None:
    receiver = Receiver(statuses=[500, 503])
    await receiver.start()
    ctx = api.app.state.ctx
    try:
        await _decided_item(api, receiver.url)
        assert (
            await webhooks.deliver_due(
                redis=redis,
                scripts=ctx.scripts,
                client=ctx.http,
                now=api.clock(),
                allow_private=True,
            )
            == 0
        )
        due = await redis.zrange(keys.OUTBOX, 0, -1, withscores=True)
        assert 0 < due[0][1] - api.clock() <= 5  # first retry within 5 s
        api.clock.advance(5)
        await webhooks.deliver_due(
            redis=redis, scripts=ctx.scripts, client=ctx.http, now=api.clock(), allow_private=True
        )
        api.clock.advance(10)
        assert (
            await webhooks.deliver_due(
                redis=redis,
                scripts=ctx.scripts,
                client=ctx.http,
                now=api.clock(),
                allow_private=True,
            )
            == 1
        )
    finally:
        await receiver.stop()
    bodies = [body for _, body in receiver.received]
    assert len(bodies) == 3 and len(set(bodies)) == 1  # same bytes, same event id
    assert await redis.zcard(keys.OUTBOX) == 0


async def test_gives_up_only_after_24_hours(api: Api, redis) -> None:
    receiver = Receiver(statuses=[500] * 100)
    await receiver.start()
    ctx = api.app.state.ctx
    try:
        await _decided_item(api, receiver.url)
        start = api.clock()
        while await redis.zcard(keys.OUTBOX):
            due = await redis.zrange(keys.OUTBOX, 0, 0, withscores=True)
            api.clock.now = max(api.clock(), due[0][1])
            await webhooks.deliver_due(
                redis=redis,
                scripts=ctx.scripts,
                client=ctx.http,
                now=api.clock(),
                allow_private=True,
            )
    finally:
        await receiver.stop()
    assert api.clock() - start >= 24 * 3600
    assert 10 <= len(receiver.received) <= 60
    assert len({json.loads(b)["id"] for _, b in receiver.received}) == 1
