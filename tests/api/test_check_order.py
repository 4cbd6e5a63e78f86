"""Who may call (401/403), then scope (404), then what was sent (400/413/415/422), every time.

A caller must not learn how a route parses bodies, or that a resource exists, before it is
allowed to: a vendor sending a broken body to a lead's route gets 403, a lead of another team
404, and only the team's own lead hears what is wrong with the body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.api.conftest import Api

JSON = {"content-type": "application/json"}
BIG = 2 << 20  # over the 1 MiB JSON limit

# What a broken body answers once the caller is let in.
BODIES: dict[str, tuple[bytes, int, str]] = {
    "malformed": (b'{"budgets": ', 400, "Malformed JSON"),
    "not utf-8": (b'{"budgets": {"hour": "\xff\xfe"}}', 400, "Not UTF-8"),
    "invalid": (b'{"budgets": "lots"}', 422, "Validation failed"),
    "too large": (b'{"note": "' + b"x" * BIG + b'"}', 413, "Payload too large"),
}


async def _world(api: Api) -> dict[str, str]:
    keys = await api.world({"r1": {}, "r2": {}})
    assert (await api.post("/v1/teams", json={"id": "t2", "name": "T2"})).status_code == 201
    keys["lead2"] = await api.key("lead", team="t2")
    keys["admin"] = api.admin["Authorization"].split()[1]
    keys["bogus"] = "ss_lead_" + "q" * 43
    return keys


async def _send(api: Api, method: str, path: str, key: str | None, body: bytes) -> Any:
    headers = {**JSON, **({"Authorization": f"Bearer {key}"} if key else {})}
    r = await api.client.request(method, path, content=body, headers=headers)
    assert r.headers["content-type"] == "application/problem+json", r.text
    if key and key.startswith("ss_lead_q"):  # not a brute-force attempt: reset the count
        await api.app.state.ctx.redis.delete("safeshift:authfail:127.0.0.1")
    return r


@pytest.mark.parametrize("kind", list(BODIES))
async def test_the_policy_route_checks_who_then_scope_then_body(api: Api, kind: str) -> None:
    keys = await _world(api)
    body, status, title = BODIES[kind]
    expected = {
        None: 401,
        "bogus": 401,
        "vendor": 403,
        "r1": 403,
        "lead2": 404,  # another team's policy: as if there were no team t1
        "lead": status,
        "admin": status,
    }
    for who, want in expected.items():
        r = await _send(api, "PUT", "/v1/teams/t1/policy", keys.get(who or ""), body)
        assert r.status_code == want, (who, r.text)
    r = await _send(api, "PUT", "/v1/teams/t1/policy", keys["lead"], body)
    assert r.json()["title"] == title and r.json()["detail"]
    r = await _send(api, "PUT", "/v1/teams/nope/policy", keys["admin"], body)
    assert r.status_code == 404


async def test_a_streamed_oversized_body_is_refused_after_who_may_call(api: Api) -> None:
    keys = await _world(api)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while it streams
        yield b'{"note": "'
        for _ in range(40):
            yield b"x" * (64 << 10)
        yield b'"}'

    for who, want in (("vendor", 403), ("lead2", 404), ("lead", 413)):
        headers = {**JSON, "Authorization": f"Bearer {keys[who]}"}
        r = await api.client.put("/v1/teams/t1/policy", content=chunks(), headers=headers)
        assert r.status_code == want, (who, r.text)


async def test_decisions_check_the_reviewer_and_their_assignment_before_the_body(
    api: Api,
) -> None:
    keys = await _world(api)
    await api.text_item(keys["vendor"], "e1")
    claimed = (await api.post("/v1/assignments", keys["r1"])).json()
    path = f"/v1/assignments/{claimed['id']}/decision"
    for kind, (body, status, _title) in BODIES.items():
        assert (await _send(api, "POST", path, None, body)).status_code == 401, kind
        assert (await _send(api, "POST", path, keys["lead"], body)).status_code == 403, kind
        assert (await _send(api, "POST", path, keys["r2"], body)).status_code == 404, kind
        r = await _send(api, "POST", "/v1/assignments/asg-nope/decision", keys["r1"], body)
        assert r.status_code == 404, kind
        assert (await _send(api, "POST", path, keys["r1"], body)).status_code == status, kind
    r = await api.post(path, keys["r1"], json={"verdict": "approve"})
    assert r.status_code == 200, r.text


async def test_admin_routes_check_the_role_then_the_reviewer_then_the_body(api: Api) -> None:
    keys = await _world(api)
    for kind, (body, status, _title) in BODIES.items():
        for path, method in (("/v1/vendors", "POST"), ("/v1/keys", "POST")):
            assert (await _send(api, method, path, keys["vendor"], body)).status_code == 403
            assert (await _send(api, method, path, keys["admin"], body)).status_code == status
        r = await _send(api, "PATCH", "/v1/reviewers/r1", keys["lead"], body)
        assert r.status_code == 403, kind
        r = await _send(api, "PATCH", "/v1/reviewers/nobody", keys["admin"], body)
        assert r.status_code == 404, kind
        r = await _send(api, "PATCH", "/v1/reviewers/r1", keys["admin"], body)
        assert r.status_code == status, kind


async def test_items_check_the_role_before_the_body_and_its_type(api: Api) -> None:
    keys = await _world(api)
    for body, _status, _title in BODIES.values():
        assert (await _send(api, "POST", "/v1/items", keys["lead"], body)).status_code == 403
    r = await api.client.post(
        "/v1/items",
        content=b"hi",
        headers={"Authorization": f"Bearer {keys['lead']}", "content-type": "text/plain"},
    )
    assert r.status_code == 403
    r = await api.client.post(
        "/v1/items",
        content=b"hi",
        headers={"Authorization": f"Bearer {keys['vendor']}", "content-type": "text/plain"},
    )
    assert r.status_code == 415


async def test_query_parameters_come_after_scope(api: Api) -> None:
    keys = await _world(api)
    r = await api.get("/v1/teams/t1/exposure.csv?days=99", keys["lead2"])
    assert r.status_code == 404
    r = await api.get("/v1/reviewers/r1/exposure?days=99", keys["vendor"])
    assert r.status_code == 403
    r = await api.get("/v1/reviewers/r1/exposure?days=99", keys["lead2"])
    assert r.status_code == 404
    r = await api.get("/v1/reviewers/r1/exposure?days=99", keys["lead"])
    assert r.status_code == 422
