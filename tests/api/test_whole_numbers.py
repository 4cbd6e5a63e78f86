"""Whole numbers written as floats (4.0) are whole numbers; 4.5, true and "4" are not.

JSON Schema and most JSON libraries do not tell 4 from 4.0, so a client that sends 466.0 sent a
valid whole number. The served schema must still say "integer" for those fields.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


async def test_whole_floats_are_accepted_as_integers(api: Api) -> None:
    keys = await api.world()
    r = await api.client.put(
        "/v1/teams/t1/policy",
        headers=api.admin,
        json={"max_continuous_work_seconds": 382.0, "low_mood_threshold": 2.0},
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["max_continuous_work_seconds"] == 382 and got["low_mood_threshold"] == 2
    assert isinstance(got["max_continuous_work_seconds"], int)
    item = await api.text_item(keys["vendor"], "e1", priority=7.0, sla_seconds=600.0)
    assert item["priority"] == 7
    r = await api.post("/v1/me/checkins", keys["r1"], json={"mood": 4.0})
    assert r.status_code == 201, r.text
    assert r.json()["mood"] == 4 and isinstance(r.json()["mood"], int)
    r = await api.post("/v1/me/breaks", keys["r1"], json={"minutes": 466.0})
    assert r.status_code == 201, r.text


async def test_fractions_booleans_and_strings_are_still_refused(api: Api) -> None:
    keys = await api.world()
    refused: list[tuple[str, str | None, dict[str, Any]]] = [
        ("/v1/me/checkins", keys["r1"], {"mood": 4.5}),
        ("/v1/me/checkins", keys["r1"], {"mood": True}),
        ("/v1/me/checkins", keys["r1"], {"mood": "4"}),
        ("/v1/me/breaks", keys["r1"], {"minutes": 5.5}),
        ("/v1/items", keys["vendor"], {"external_id": "x", "text": "t", "priority": 4.5}),
        ("/v1/items", keys["vendor"], {"external_id": "x", "text": "t", "sla_seconds": True}),
    ]
    for path, key, body in refused:
        r = await api.post(path, key, json=body)
        assert r.status_code == 422, (path, body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    for body in ({"break_seconds": 600.5}, {"lease_seconds": False}, {"break_seconds": "600"}):
        r = await api.client.put("/v1/teams/t1/policy", headers=api.admin, json=body)
        assert r.status_code == 422, (body, r.text)
    # Infinity is not JSON, but Python's encoder writes it: still no whole number.
    r = await api.client.put(
        "/v1/teams/t1/policy",
        headers={**api.admin, "content-type": "application/json"},
        content=b'{"break_seconds": Infinity}',
    )
    assert r.status_code in (400, 422), r.text


async def test_the_schema_still_says_integer(api: Api) -> None:
    schemas = (await api.client.get("/openapi.json")).json()["components"]["schemas"]

    def field(model: str, name: str) -> dict[str, Any]:
        prop = schemas[model]["properties"][name]
        return next((p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"), prop)

    assert field("CheckinIn", "mood")["type"] == "integer"
    assert field("BreakIn", "minutes")["type"] == "integer"
    assert field("Policy", "max_continuous_work_seconds")["type"] == "integer"
    assert field("ItemIn", "priority")["type"] == "integer"
    assert field("ItemIn", "sla_seconds")["type"] == "integer"
