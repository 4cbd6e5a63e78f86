"""HTTP edges: bodies that are not UTF-8 or not JSON, and what OPTIONS and a 405 say.

An undecodable body gets a 400 naming what was wrong and how to fix it, on the routes whose
body FastAPI parses and on those parsed by hand (items, sign-in), multipart `item` part
included. OPTIONS lists every method served at the path, not only the first route's.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

JSON = {"content-type": "application/json"}
UNDECODABLE = [
    b'{"id": "v\xe9ndor", "name": "V"}',  # Latin-1
    b'{"id": "v", "name": "\xff"}',
    b"\xff\xfe{}",
    b"\x80",
]
MALFORMED = [b"{", b'{"id": "v",}', b"nope", b'{"id": "v"} trailing']


def _clear_400(r: object, where: str) -> None:
    from httpx import Response

    assert isinstance(r, Response)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["title"] in ("Not UTF-8", "Malformed JSON"), body
    assert where in body["detail"], body
    assert "error parsing the body" not in body["detail"]
    if body["title"] == "Not UTF-8":
        assert "UTF-8" in body["detail"] and "0x" in body["detail"]
        assert "re-encode" in body["detail"]
    else:
        assert "line 1 column" in body["detail"]


@pytest.mark.parametrize("raw", UNDECODABLE + MALFORMED)
async def test_json_routes_say_what_is_wrong_with_the_bytes(api: Api, raw: bytes) -> None:
    keys = await api.world()
    r = await api.client.post("/v1/vendors", content=raw, headers={**api.admin, **JSON})
    _clear_400(r, "The body")
    r = await api.client.put("/v1/teams/t1/policy", content=raw, headers={**api.admin, **JSON})
    _clear_400(r, "The body")
    r = await api.post("/v1/items", keys["vendor"], content=raw, headers=JSON)
    _clear_400(r, "The body")
    r = await api.client.post("/v1/session", content=raw, headers=JSON)
    _clear_400(r, "The body")


async def test_a_lone_surrogate_is_named(api: Api) -> None:
    """json.loads passes an encoded surrogate through, so the field's validation names it."""
    keys = await api.world()
    raw = b'{"id": "v", "name": "\xed\xa0\x80"}'
    r = await api.client.post("/v1/vendors", content=raw, headers={**api.admin, **JSON})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["name"]
    assert "not valid Unicode text" in r.json()["detail"] and "UTF-8" in r.json()["detail"]
    r = await api.post("/v1/items", keys["vendor"], content=raw, headers=JSON)
    _clear_400(r, "The body")  # parsed by hand, strictly: not UTF-8


async def test_not_utf8_names_the_byte(api: Api) -> None:
    await api.world()
    raw = b'{"id": "v\xe9ndor", "name": "V"}'
    r = await api.client.post("/v1/vendors", content=raw, headers={**api.admin, **JSON})
    assert r.json()["title"] == "Not UTF-8"
    assert "0xe9 at position 9" in r.json()["detail"]


@pytest.mark.parametrize("raw", [b'{"external_id": "\xe9t\xe9", "text": "t"}', b"\xff"])
async def test_the_multipart_item_part_must_be_utf8(api: Api, raw: bytes) -> None:
    keys = await api.world()
    files: dict[str, Any] = {
        "item": (None, raw),
        "media": ("m.jpg", b"\xff\xd8\xff" + bytes(64), "image/jpeg"),
    }
    r = await api.client.post(
        "/v1/items", files=files, headers={"Authorization": f"Bearer {keys['vendor']}"}
    )
    _clear_400(r, "The 'item' part")
    assert r.json()["title"] == "Not UTF-8"


async def test_a_malformed_item_part_is_malformed_json(api: Api) -> None:
    keys = await api.world()
    files: dict[str, Any] = {
        "item": (None, b'{"external_id": '),
        "media": ("m.jpg", b"\xff\xd8", "image/jpeg"),
    }
    r = await api.client.post(
        "/v1/items", files=files, headers={"Authorization": f"Bearer {keys['vendor']}"}
    )
    _clear_400(r, "The 'item' part")


async def test_utf8_text_beyond_ascii_is_fine(api: Api) -> None:
    keys = await api.world()
    raw = '{"external_id": "été", "text": "ünïcödé ✓"}'.encode()
    r = await api.post("/v1/items", keys["vendor"], content=raw, headers=JSON)
    assert r.status_code == 201, r.text
    assert r.json()["text"] == "ünïcödé ✓"


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/v1/teams/t1/policy", {"GET", "PUT"}),
        ("/v1/reviewers/r1", {"GET", "PATCH"}),
        ("/v1/items", {"GET", "POST"}),
        ("/v1/session", {"GET", "POST", "DELETE"}),
        ("/v1/assignments", {"POST"}),
        ("/v1/keys/k1", {"DELETE"}),
        ("/static/app.css", {"GET", "HEAD"}),
    ],
)
async def test_options_lists_every_method_served_at_the_path(
    api: Api, path: str, methods: set[str]
) -> None:
    r = await api.client.options(path)
    assert r.status_code == 204, r.text
    assert set(r.headers["allow"].split(", ")) == methods | {"OPTIONS"}
    served = methods - {"HEAD"}
    other = next(m for m in ("PATCH", "DELETE", "PUT", "POST") if m not in served)
    r = await api.client.request(other, path, headers=api.admin)
    assert r.status_code == 405, r.text
    assert set(r.headers["allow"].split(", ")) == methods | {"OPTIONS"}
    assert r.headers["content-type"] == "application/problem+json"
    assert other in r.json()["detail"]


async def test_options_on_no_route_is_404(api: Api) -> None:
    assert (await api.client.options("/v1/nothing-here")).status_code == 404
