"""The reviewer queue through HTTP: order, routing, leases, skip, decisions."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.api.conftest import Api


async def claim(api: Api, key: str) -> dict | None:
    r = await api.post("/v1/assignments", key)
    if r.status_code == 204:
        return None
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


async def decide(api: Api, key: str, aid: str, verdict: str = "approve") -> int:
    r = await api.post(f"/v1/assignments/{aid}/decision", key, json={"verdict": verdict})
    return r.status_code


async def test_order_priority_deadline_age(api: Api) -> None:
    keys = await api.world()
    v = keys["vendor"]
    later = datetime.fromtimestamp(api.clock() + 7200, UTC).isoformat()
    sooner = datetime.fromtimestamp(api.clock() + 600, UTC).isoformat()
    await api.text_item(v, "low", priority=2)
    await api.text_item(v, "old")
    api.clock.advance(1)
    await api.text_item(v, "young")
    await api.text_item(v, "due-later", deadline=later)
    await api.text_item(v, "due-sooner", deadline=sooner)
    await api.text_item(v, "urgent", priority=9)
    order = []
    while (a := await claim(api, keys["r1"])) is not None:
        order.append(a["item"]["text"].split()[-1])
        assert await decide(api, keys["r1"], a["id"]) == 200
    assert order == ["urgent", "due-sooner", "due-later", "old", "young", "low"]


async def test_assignment_shape_and_one_at_a_time(api: Api) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "a", labels=[{"category": "hate", "severity": 0.5}])
    await api.text_item(keys["vendor"], "b")
    r = await api.post("/v1/assignments", keys["r1"])
    assert r.status_code == 201
    a = r.json()
    assert a["lease_expires_at"].endswith("Z")
    assert a["item"]["view"]["level"] == "blurred" and a["item"]["media_type"] == "text"
    assert a["item"]["labels"][0]["category"] == "hate"
    again = await api.post("/v1/assignments", keys["r1"])
    assert again.status_code == 200 and again.json()["id"] == a["id"]


async def test_language_and_skill_routing(api: Api) -> None:
    keys = await api.world(
        {"en": {"languages": ["en"]}, "pt": {"languages": ["pt-BR"], "skills": ["legal"]}}
    )
    await api.text_item(keys["vendor"], "legal-pt", language="pt-BR", skills=["legal"])
    await api.text_item(keys["vendor"], "de", language="de")
    await api.text_item(keys["vendor"], "en-gb", language="en-GB")
    assert await claim(api, keys["pt"]) is not None
    a = await claim(api, keys["en"])
    assert a is not None and a["item"]["text"].endswith("en-gb")
    await decide(api, keys["en"], a["id"])
    assert await claim(api, keys["en"]) is None  # "de": nobody speaks it


async def test_opt_outs_are_never_assigned(api: Api) -> None:
    keys = await api.world({"r1": {"opt_outs": ["gore"]}})
    await api.text_item(keys["vendor"], "g", labels=[{"category": "gore", "severity": 0.1}])
    assert await claim(api, keys["r1"]) is None


async def test_lease_expiry_requeues_and_lost_lease_is_409(api: Api) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    await api.text_item(keys["vendor"], "a")
    first = await claim(api, keys["r1"])
    assert first is not None
    assert (
        await api.post(f"/v1/assignments/{first['id']}/heartbeat", keys["r1"])
    ).status_code == 200
    api.clock.advance(299)
    assert await claim(api, keys["r2"]) is None  # heartbeat extended the lease
    api.clock.advance(2)
    second = await claim(api, keys["r2"])
    assert second is not None and second["item"]["id"] == first["item"]["id"]
    assert await decide(api, keys["r1"], first["id"]) == 409
    r = await api.post(f"/v1/assignments/{first['id']}/heartbeat", keys["r1"])
    assert r.status_code == 409
    assert await decide(api, keys["r2"], second["id"]) == 200


async def test_decision_exactly_once(api: Api) -> None:
    keys = await api.world()
    item = await api.text_item(keys["vendor"], "a")
    a = await claim(api, keys["r1"])
    assert a is not None
    assert await decide(api, keys["r1"], a["id"], "remove") == 200
    assert await decide(api, keys["r1"], a["id"], "remove") == 200
    assert await decide(api, keys["r1"], a["id"], "approve") == 409
    got = (await api.get(f"/v1/items/{item['id']}", keys["vendor"])).json()
    assert got["status"] == "decided" and got["decision"]["verdict"] == "remove"
    assert got["decision"]["decided_at"].endswith("Z")
    assert await claim(api, keys["r1"]) is None


async def test_someone_elses_assignment_is_404(api: Api) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    await api.text_item(keys["vendor"], "a")
    a = await claim(api, keys["r1"])
    assert a is not None
    assert await decide(api, keys["r2"], a["id"]) == 404
    assert (await api.post(f"/v1/assignments/{a['id']}/heartbeat", keys["r2"])).status_code == 404


async def test_skip_goes_to_someone_else(api: Api) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    await api.text_item(keys["vendor"], "a")
    a = await claim(api, keys["r1"])
    assert a is not None
    r = await api.post(f"/v1/assignments/{a['id']}/skip", keys["r1"], json={"reason": "unsure"})
    assert r.status_code == 200
    assert await claim(api, keys["r1"]) is None
    b = await claim(api, keys["r2"])
    assert b is not None and b["item"]["id"] == a["item"]["id"]


async def test_reveal_on_text_is_409_no_media(api: Api) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "a")
    a = await claim(api, keys["r1"])
    assert a is not None
    r = await api.post(f"/v1/assignments/{a['id']}/reveal", keys["r1"], json={"level": "color"})
    assert r.status_code == 409
    r = await api.post(f"/v1/assignments/{a['id']}/reveal", keys["r1"], json={"level": "x"})
    assert r.status_code == 422


async def test_me_shows_state(api: Api) -> None:
    keys = await api.world()
    me = (await api.get("/v1/me", keys["r1"])).json()
    assert me["id"] == "r1" and me["state"] == "available"
    await api.text_item(keys["vendor"], "a")
    await claim(api, keys["r1"])
    assert (await api.get("/v1/me", keys["r1"])).json()["state"] == "reviewing"
    assert (await api.get("/v1/me", keys["vendor"])).status_code == 403
