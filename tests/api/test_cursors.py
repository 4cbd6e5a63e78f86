"""Every list endpoint takes only cursors it issued: forged and garbage ones are a clear 422.

The lists: the audit log, a team's exposure, queues, alerts and the item lookup. Each is walked
one row a page with the cursors it hands out (the round trip), then given a forged cursor (a
stream id, another list's cursor, a cursor with a changed position or a foreign tag) and
garbage (not base64, not ASCII, far too long): none of these may reach Redis or be a 5xx.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest

from api import paging
from tests.api.conftest import Api


async def _world(api: Api) -> dict[str, str]:
    keys = await api.world({"r1": {}, "r2": {}, "r3": {}})
    for n, queue in enumerate(("default", "urgent", "slow")):
        await api.text_item(keys["vendor"], f"e{n}", queue=queue)
    for rid in ("r1", "r2"):  # a low mood raises an alert each
        r = await api.post("/v1/me/checkins", keys[rid], json={"mood": 1})
        assert r.status_code == 201, r.text
    return keys


# path, the caller (a key of `_world` or "admin"), how many rows the list has
LISTS = [
    ("/v1/audit?action=key.create", "admin", 5),
    ("/v1/teams/t1/exposure", "lead", 3),
    ("/v1/queues", "lead", 3),
    ("/v1/alerts", "lead", 2),
    ("/v1/items?external_id=e1", "vendor", 1),
    ("/v1/reviewers/r1/exposure?days=1", "lead", 24),  # one page, whatever the limit
]


def _key(api: Api, keys: dict[str, str], who: str) -> str:
    return api.admin["Authorization"].split()[1] if who == "admin" else keys[who]


def _with(path: str, **query: str) -> str:
    extra = "&".join(f"{k}={quote(v, safe='')}" for k, v in query.items())
    return path + ("&" if "?" in path else "?") + extra


async def _walk(api: Api, key: str, path: str) -> tuple[list[Any], list[str]]:
    rows: list[Any] = []
    cursors: list[str] = []
    cursor: str | None = None
    while True:
        query = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        r = await api.get(_with(path, **query), key)
        assert r.status_code == 200, r.text
        rows += r.json()["data"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return rows, cursors
        cursors.append(cursor)
        assert len(cursors) < 50


def _refused(r: Any) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["title"] == "Invalid cursor"
    assert "not issued by this service" in body["detail"]
    assert "start again without a cursor" in body["detail"]
    assert body["errors"][0]["loc"] == ["query", "cursor"]


@pytest.mark.parametrize(("path", "who", "rows"), LISTS)
async def test_each_list_round_trips_its_own_cursors(
    api: Api, path: str, who: str, rows: int
) -> None:
    keys = await _world(api)
    key = _key(api, keys, who)
    walked, cursors = await _walk(api, key, path)
    everything = (await api.get(_with(path, limit="100"), key)).json()
    assert everything["next_cursor"] is None
    assert walked == everything["data"] and len(walked) == rows
    if path.startswith("/v1/reviewers/"):  # a single page, whatever the limit
        assert cursors == []
    else:
        assert len(cursors) in (rows - 1, rows)  # the audit log may hand one to an empty page
    for cursor in cursors:  # a raw position (a stream id, an offset) is never handed out
        assert not re.fullmatch(r"[0-9-]+", cursor) and "." in cursor


@pytest.mark.parametrize(("path", "who", "rows"), LISTS)
async def test_each_list_refuses_forged_and_garbage_cursors(
    api: Api, path: str, who: str, rows: int
) -> None:
    keys = await _world(api)
    key = _key(api, keys, who)
    secret = api.app.state.ctx.signing_secret
    scope = path.split("?")[0] + "?" + (path.split("?")[1] if "?" in path else "")
    genuine = paging.encode(secret, scope, "1")
    body, _, tag = genuine.partition(".")
    forged = [
        "0-0",  # a Redis stream id (was a 500 on the audit log)
        "1700000000000-0",
        "0",
        "o:1",
        paging.encode(b"another secret entirely", scope, "1"),  # a foreign tag
        paging.encode(secret, "/v1/somewhere-else?", "1"),  # another list's cursor
        paging.encode(secret, scope, "0-0").split(".")[0] + "." + tag,  # position swapped
        body + "." + tag[:-2],  # tag cut short
        body + ".",
        "." + tag,
    ]
    garbage = ["!!", "%%%", "é", "a" * 5000, "....", "=", " ", "\x7f"]
    for cursor in forged + garbage:
        _refused(await api.get(_with(path, cursor=cursor), key))
    # a real cursor of this list, sent with another query, is another list's cursor
    _rows, cursors = await _walk(api, key, path)
    for cursor in cursors[:1]:
        _refused(await api.get(_with(path, cursor=cursor, other="1"), key))


async def test_the_audit_log_refuses_the_stream_id_that_was_a_500(api: Api) -> None:
    await api.world()
    _refused(await api.get("/v1/audit?cursor=0-0"))
    ok = await api.get("/v1/audit?limit=2")
    cursor = ok.json()["next_cursor"]
    assert cursor is not None
    r = await api.get(f"/v1/audit?limit=2&cursor={quote(cursor)}")
    assert r.status_code == 200 and r.json()["data"][0] != ok.json()["data"][0]
    # a cursor for the log filtered by action does not page the unfiltered log
    filtered = (await api.get("/v1/audit?limit=1&action=key.create")).json()["next_cursor"]
    _refused(await api.get(f"/v1/audit?cursor={quote(filtered)}"))


async def test_a_cursor_is_checked_after_who_may_call(api: Api) -> None:
    keys = await _world(api)
    r = await api.client.get("/v1/audit?cursor=0-0")
    assert r.status_code == 401
    assert (await api.get("/v1/audit?cursor=0-0", keys["lead"])).status_code == 403
    await api.post("/v1/teams", json={"id": "t2", "name": "T2"})
    r = await api.get("/v1/teams/t2/exposure?cursor=0-0", keys["lead"])
    assert r.status_code == 404  # another team's list: scope before the cursor
