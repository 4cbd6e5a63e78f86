"""Hostile requests get a clear 4xx problem, never a 500, and nothing is stored."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

IDS = ["../../etc/passwd", "..%2F..%2Fetc", "a%00b", "a%0Ab", "x" * 5000, "%00", "a b", "é"]


@pytest.mark.parametrize("bad", IDS)
async def test_hostile_ids_are_404_or_422(api: Api, bad: str) -> None:
    keys = await api.world()
    for path, key in (
        (f"/v1/items/{bad}", keys["vendor"]),
        (f"/v1/reviewers/{bad}/exposure", keys["lead"]),
        (f"/v1/teams/{bad}/exposure", keys["lead"]),
        (f"/v1/media/{bad}", keys["r1"]),
    ):
        r = await api.get(path, key)
        assert r.status_code in (403, 404, 422), (path, r.status_code)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await api.post(f"/v1/assignments/{bad}/decision", keys["r1"], json={"verdict": "approve"})
    assert r.status_code in (404, 422)


async def test_a_12_mb_json_body_is_refused_before_it_is_read(api: Api) -> None:
    keys = await api.world()
    body = b'{"external_id": "big", "text": "' + b"x" * (12 << 20) + b'"}'
    r = await api.post(
        "/v1/items", keys["vendor"], content=body, headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert (await api.get("/v1/items?external_id=big", keys["vendor"])).json()["data"] == []


@pytest.mark.parametrize(
    "field",
    [
        {"external_id": "x" * 257},
        {"external_id": "a\x01b"},
        {"queue": "../etc"},
        {"language": "en_US; DROP"},
        {"skills": ["a"] * 17},
        {"labels": [{"category": "gore", "severity": 2}]},
        {"labels": [{"category": "nope", "severity": 0.5}]},
        {"priority": "9"},
        {"sla_seconds": -1},
        {"callback_url": "javascript:alert(1)"},
        {"callback_url": "https://169.254.169.254/latest/meta-data"},
        {"callback_url": "https://127.0.0.1/hook"},
        {"callback_url": "https://[::1]/hook"},
        {"callback_url": "http://example.com/hook"},
    ],
)
async def test_bad_fields_are_422_with_where(api: Api, field: dict) -> None:
    keys = await api.world()
    api.app.state.ctx.settings.allow_private_callbacks = False
    body = {"external_id": "ok", "text": "t", **field}
    r = await api.post("/v1/items", keys["vendor"], json=body)
    assert r.status_code == 422, (field, r.text)
    assert r.json()["errors"], field
    assert (await api.get("/v1/items?external_id=ok", keys["vendor"])).json()["data"] == []
