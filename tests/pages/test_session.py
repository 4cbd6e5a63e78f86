"""Sign-in, the session cookie and the pages' headers, over real HTTP (no browser needed)."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator

import httpx
import pytest

from scheduler import sessions
from scheduler.items import rfc3339
from tests.api.conftest import Api

Live = tuple[Api, str]


def cookie_header(r: httpx.Response) -> str:
    return r.headers.get("set-cookie", "")


@contextlib.asynccontextmanager
async def sign_in(
    base: str, key: str, **kw: object
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.Response]]:
    """A client of its own (its own cookie jar), and the answer to its sign-in."""
    async with httpx.AsyncClient(base_url=base) as client:
        r = await client.post("/v1/session", json={"key": key}, **kw)  # type: ignore[arg-type]
        yield client, r


async def test_a_key_becomes_an_httponly_strict_cookie_and_the_api_accepts_it(live: Live) -> None:
    api, base = live
    keys = await api.world()
    async with sign_in(base, keys["r1"]) as (client, r):
        assert r.status_code == 201, r.text
        assert r.json()["role"] == "reviewer" and r.json()["home"] == "/review"
        header = cookie_header(r).lower()
        for part in (
            "safeshift_session=",
            "httponly",
            "samesite=strict",
            "path=/",
            "max-age=43200",
        ):
            assert part in header, header
        assert "secure" not in header  # plain http on loopback: the demo and these tests
        token = client.cookies["safeshift_session"]
        assert token not in (keys["r1"],) and len(token) >= 43

        me = await client.get("/v1/me")  # no Authorization header: the cookie alone
        assert me.status_code == 200 and me.json()["id"] == "r1"
        who = (await client.get("/v1/session")).json()
        assert who["reviewer"] == "r1" and who["severe_threshold"] == 0.7
        assert who["now"] == rfc3339(api.clock())  # the server's (driven) clock, for countdowns

        # Redis knows the session only by the token's hash, and never holds the key.
        stored = await api.app.state.ctx.redis.hgetall(
            sessions.session_key(hashlib.sha256(token.encode()).hexdigest())
        )
        assert stored and keys["r1"] not in stored.values() and token not in stored.values()


async def test_sign_out_ends_the_session_on_the_server(live: Live) -> None:
    api, base = live
    keys = await api.world()
    async with sign_in(base, keys["lead"]) as (client, _):
        token = client.cookies["safeshift_session"]
        assert (await client.get("/v1/teams/t1/exposure")).status_code == 200
        r = await client.delete("/v1/session")
        assert r.status_code == 204 and 'safeshift_session=""' in cookie_header(r)
        client.cookies.set("safeshift_session", token)  # a copy kept from before sign-out
        replay = await client.get("/v1/teams/t1/exposure")
        assert replay.status_code == 401 and "sign in again" in replay.json()["detail"]


async def test_a_revoked_key_ends_its_sessions(live: Live) -> None:
    api, base = live
    await api.world()
    made = (await api.post("/v1/keys", json={"role": "reviewer", "reviewer": "r1"})).json()
    async with sign_in(base, made["key"]) as (client, _):
        assert (await client.get("/v1/me")).status_code == 200
        assert (
            await api.client.delete(f"/v1/keys/{made['id']}", headers=api.admin)
        ).status_code == 204
        assert (await client.get("/v1/me")).status_code == 401
        page = await client.get("/review")
        assert page.status_code == 303 and page.headers["location"] == "/?error=ended"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"key": "ss_reviewer_not-a-key"}, 401),
        ({"key": ""}, 422),
        ({"key": 5}, 422),
        ({"key": "x", "role": "admin"}, 422),
    ],
)
async def test_bad_sign_ins_are_problems(live: Live, body: dict, status: int) -> None:
    _, base = live
    async with httpx.AsyncClient(base_url=base) as client:
        r = await client.post("/v1/session", json=body)
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "set-cookie" not in r.headers


async def test_admin_and_vendor_keys_have_no_page(live: Live) -> None:
    api, base = live
    keys = await api.world()
    async with sign_in(base, keys["vendor"]) as (_client, r):
        assert r.status_code == 403 and "use it with the API" in r.json()["detail"]
        assert "set-cookie" not in r.headers


async def test_a_plain_form_post_signs_in_without_script(live: Live) -> None:
    api, base = live
    keys = await api.world()
    async with httpx.AsyncClient(base_url=base) as client:
        r = await client.post("/v1/session", data={"key": keys["lead"]})
        assert r.status_code == 303 and r.headers["location"] == "/dashboard"
        assert (await client.get("/dashboard")).status_code == 200
        assert (await client.get("/")).headers["location"] == "/dashboard"  # already signed in
    async with httpx.AsyncClient(base_url=base) as client:
        r = await client.post("/v1/session", data={"key": "wrong"})
        assert r.status_code == 303 and r.headers["location"] == "/?error=invalid"
        assert "not valid" in (await client.get("/?error=invalid")).text


async def test_a_cookie_from_another_origin_cannot_change_anything(live: Live) -> None:
    api, base = live
    keys = await api.world()
    async with sign_in(base, keys["r1"]) as (client, _):
        r = await client.post("/v1/me/breaks", headers={"Origin": "https://elsewhere.example"})
        assert r.status_code == 403
        assert (await client.get("/v1/me")).json()["state"] == "available"
        r = await client.post("/v1/me/breaks", headers={"Origin": base})
        assert r.status_code == 201


async def test_the_cookie_is_secure_off_loopback(live: Live) -> None:
    api, base = live
    keys = await api.world()
    async with sign_in(base, keys["r1"], headers={"Host": "safeshift.example"}) as (_client, r):
        assert "secure" in cookie_header(r).lower()


async def test_pages_send_a_strict_policy_and_send_strangers_to_sign_in(live: Live) -> None:
    api, base = live
    keys = await api.world()
    async with httpx.AsyncClient(base_url=base) as client:
        page = await client.get("/")
        assert page.status_code == 200 and 'for="key">API key</label>' in page.text
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        for path in ("/review", "/dashboard"):
            r = await client.get(path)
            assert r.status_code == 303 and r.headers["location"] == "/"
        static = await client.get("/static/review.js")
        assert static.status_code == 200 and static.headers["x-content-type-options"] == "nosniff"
        assert "javascript" in static.headers["content-type"]
    async with sign_in(base, keys["r1"]) as (client, _):
        assert (await client.get("/dashboard")).headers["location"] == "/review"
        page = await client.get("/review")
        assert page.status_code == 200 and 'data-reviewer="r1"' in page.text
        assert "<script>" not in page.text and " style=" not in page.text  # nothing inline


async def test_the_csv_export_is_scoped_and_audited(live: Live) -> None:
    api, _base = live
    keys = await api.world()
    assert (await api.post("/v1/teams", json={"id": "t2", "name": "Other"})).status_code == 201
    r = await api.get("/v1/teams/t2/exposure.csv", keys["lead"])
    assert r.status_code == 404
    assert (await api.get("/v1/teams/t1/exposure.csv", keys["r1"])).status_code == 403
    r = await api.get("/v1/teams/t1/exposure.csv?days=1", keys["lead"])
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text == "reviewer,hour_start,dose,items,reveals,seconds,severe\n"
    audit = (await api.get("/v1/audit?action=exposure.export")).json()["data"]
    assert audit and audit[0]["subject"] == "t1"
