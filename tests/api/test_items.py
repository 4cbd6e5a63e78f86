"""Vendor items: validation at the door, idempotency, scoping."""

from __future__ import annotations

from tests.api.conftest import Api


async def test_text_item_roundtrip_and_idempotency(api: Api, redis) -> None:
    keys = await api.world()
    body = {
        "external_id": "post-1",
        "text": "hello",
        "priority": 7,
        "sla_seconds": 600,
        "labels": [{"category": "violence", "severity": 0.8}],
        "language": "en",
    }
    r = await api.post("/v1/items", keys["vendor"], json=body)
    assert r.status_code == 201
    item = r.json()
    assert item["status"] == "queued" and item["media_type"] == "text"
    assert item["labels"] == [{"category": "violence", "severity": 0.8, "source": "vendor"}]
    assert item["deadline"].endswith("Z")
    again = await api.post("/v1/items", keys["vendor"], json=body)
    assert again.status_code == 200 and again.json()["id"] == item["id"]
    assert len(await redis.keys("safeshift:item:*")) == 1
    found = (await api.get("/v1/items?external_id=post-1", keys["vendor"])).json()
    assert found["data"][0]["id"] == item["id"] and found["next_cursor"] is None
    assert (await api.get(f"/v1/items/{item['id']}", keys["vendor"])).json()["id"] == item["id"]


async def test_other_vendor_sees_nothing(api: Api) -> None:
    keys = await api.world()
    item = await api.text_item(keys["vendor"], "a")
    await api.post("/v1/vendors", json={"id": "v2", "name": "Other"})
    other = await api.key("vendor", vendor="v2")
    assert (await api.get(f"/v1/items/{item['id']}", other)).status_code == 404
    assert (await api.get("/v1/items?external_id=a", other)).json()["data"] == []


async def test_bad_items_are_refused_and_nothing_stored(api: Api, redis) -> None:
    keys = await api.world()
    bad = [
        {"external_id": "x", "text": "t", "priority": 10},
        {"external_id": "x", "text": "t", "priority": "5"},
        {"external_id": "x", "text": "t", "labels": [{"category": "nope", "severity": 0.5}]},
        {"external_id": "x", "text": "t", "labels": [{"category": "gore", "severity": 1.5}]},
        {"external_id": "x", "text": "t", "callback_url": "ftp://example.com/hook"},
        {"external_id": "x", "text": "t", "language": "not a tag"},
        {"external_id": "x", "text": "t", "unknown": 1},
        {"external_id": "", "text": "t"},
        {"external_id": "x"},
        {"external_id": "x", "text": "t", "queue": "../../etc"},
    ]
    for body in bad:
        r = await api.post("/v1/items", keys["vendor"], json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["errors"], body
    r = await api.post(
        "/v1/items",
        keys["vendor"],
        content=b"{nope",
        headers={"Authorization": f"Bearer {keys['vendor']}", "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    r = await api.client.post(
        "/v1/items",
        content=b"hi",
        headers={"Authorization": f"Bearer {keys['vendor']}", "Content-Type": "text/plain"},
    )
    assert r.status_code == 415
    assert await redis.keys("safeshift:item:*") == []


async def test_private_callbacks_refused_unless_allowed(api: Api) -> None:
    keys = await api.world()
    api.app.state.ctx.settings.allow_private_callbacks = False
    for url in (
        "http://example.com/h",
        "https://127.0.0.1/h",
        "https://localhost/h",
        "https://169.254.169.254/latest",
        "https://10.1.2.3/h",
    ):
        body = {"external_id": "x", "text": "t", "callback_url": url}
        assert (await api.post("/v1/items", keys["vendor"], json=body)).status_code == 422, url


async def test_json_body_limit(api: Api) -> None:
    keys = await api.world()
    big = b'{"external_id": "x", "text": "' + b"a" * (2 << 20) + b'"}'
    r = await api.client.post(
        "/v1/vendors", content=big, headers={**api.admin, "Content-Type": "application/json"}
    )
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert keys
