"""Admin endpoints, keys and the role rules of the contract."""

from __future__ import annotations

from tests.api.conftest import Api


async def test_create_world_and_duplicates(api: Api) -> None:
    r = await api.post("/v1/vendors", json={"id": "v1", "name": "Vendor"})
    assert r.status_code == 201
    assert r.json()["webhook_secret"].startswith("whsec_")
    assert (await api.post("/v1/vendors", json={"id": "v1", "name": "Again"})).status_code == 409
    assert (await api.post("/v1/teams", json={"id": "t1", "name": "T"})).status_code == 201
    r = await api.post(
        "/v1/reviewers",
        json={
            "id": "r1",
            "team": "t1",
            "languages": ["EN-us"],
            "skills": ["arabic-slang"],
            "opt_outs": ["gore"],
        },
    )
    assert r.status_code == 201
    assert r.json()["languages"] == ["en-us"]
    r = await api.client.patch("/v1/reviewers/r1", headers=api.admin, json={"skills": []})
    assert r.status_code == 200 and r.json()["skills"] == []
    r = await api.post("/v1/reviewers", json={"id": "r2", "team": "nope"})
    assert r.status_code == 422


async def test_problem_json_on_validation(api: Api) -> None:
    r = await api.post("/v1/vendors", json={"id": "../etc", "name": ""})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body)
    assert {tuple(e["loc"]) for e in body["errors"]} == {("id",), ("name",)}


async def test_auth_codes(api: Api) -> None:
    keys = await api.world()
    assert (await api.client.post("/v1/teams", json={"id": "x", "name": "x"})).status_code == 401
    r = await api.post("/v1/teams", "not-a-key", json={"id": "x", "name": "x"})
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert (
        await api.post("/v1/teams", keys["vendor"], json={"id": "x", "name": "x"})
    ).status_code == 403
    assert (await api.post("/v1/assignments", keys["vendor"])).status_code == 403
    assert (await api.post("/v1/items", keys["r1"], json={})).status_code == 403


async def test_key_binding_is_checked(api: Api) -> None:
    await api.world()
    assert (await api.post("/v1/keys", json={"role": "vendor"})).status_code == 422
    assert (await api.post("/v1/keys", json={"role": "vendor", "vendor": "zz"})).status_code == 422
    assert (await api.post("/v1/keys", json={"role": "lead", "vendor": "v1"})).status_code == 422


async def test_revoked_key_stops_at_once(api: Api, redis) -> None:
    await api.world()
    r = await api.post("/v1/keys", json={"role": "vendor", "vendor": "v1"})
    key_id, secret = r.json()["id"], r.json()["key"]
    assert len(secret) >= 43  # 32 random bytes in base64url
    assert (await api.get("/v1/items?external_id=x", secret)).status_code == 200
    assert (await api.client.delete(f"/v1/keys/{key_id}", headers=api.admin)).status_code == 204
    assert (await api.get("/v1/items?external_id=x", secret)).status_code == 401
    assert (await api.client.delete(f"/v1/keys/{key_id}", headers=api.admin)).status_code == 404


async def test_keys_are_stored_only_as_hashes(api: Api, redis) -> None:
    keys = await api.world()
    dump = []
    async for name in redis.scan_iter("*"):
        kind = await redis.type(name)
        if kind == "hash":
            dump.append(str(await redis.hgetall(name)))
        elif kind == "string":
            dump.append(str(await redis.get(name)))
        dump.append(name)
    blob = "\n".join(dump)
    for secret in keys.values():
        assert secret not in blob


async def test_ops_endpoints(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    assert (await api.client.get("/readyz")).status_code == 200
    await api.world()
    r = await api.client.get("/metrics")
    assert r.status_code == 200 and "safeshift_http_requests_total" in r.text
    schema = (await api.client.get("/openapi.json")).json()
    assert "/v1/items" in schema["paths"] and "ItemIn" in schema["components"]["schemas"]
    r = await api.client.get("/v1/nothing-here")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


async def test_failed_keys_are_rate_limited_per_address_but_valid_keys_never(api: Api) -> None:
    keys = await api.world()
    for _ in range(30):
        r = await api.get("/v1/queues", "ss_lead_" + "y" * 43)
        assert r.status_code == 401
    r = await api.get("/v1/queues", "ss_lead_" + "y" * 43)
    assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 60
    assert r.headers["content-type"].startswith("application/problem+json")
    # guessing stays refused, but a valid key from the same address (a shared NAT) still works
    assert (await api.get("/v1/queues", keys["lead"])).status_code == 200
    assert (await api.get("/v1/queues")).status_code == 200  # the admin's, too
    r = await api.client.post("/v1/session", json={"key": keys["lead"]})
    assert r.status_code == 201, r.text
    assert (await api.get("/v1/queues", "ss_lead_" + "z" * 43)).status_code == 429
    r = await api.client.post("/v1/session", json={"key": "ss_lead_" + "z" * 43})
    assert r.status_code == 429
    await api.app.state.ctx.redis.delete("safeshift:authfail:127.0.0.1")
    assert (await api.get("/v1/queues", "ss_lead_" + "z" * 43)).status_code == 401
