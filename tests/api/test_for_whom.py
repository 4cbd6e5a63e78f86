"""Who the work is for (issue 19): a vendor's display name and each queue's purpose, set by the
vendor (or an admin), shown with the item and kept in the reviewer's record."""

from __future__ import annotations

import base64
import csv
import io
import json

import httpx

from tests.api.conftest import Api
from tests.api.test_queue import claim, decide

PURPOSE = "Reports from users in the Kenya election period — hate speech review"


async def put(api: Api, path: str, key: str | None = None, **kw: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else api.admin
    return await api.client.put(path, headers=headers, **kw)  # type: ignore[arg-type]


async def patch(api: Api, path: str, **kw: object) -> httpx.Response:
    return await api.client.patch(path, headers=api.admin, **kw)  # type: ignore[arg-type]


async def audit(api: Api, action: str) -> list[dict[str, str]]:
    return list((await api.get(f"/v1/audit?action={action}")).json()["data"])


async def test_vendor_sets_purpose_reviewer_sees_it_on_the_assignment_and_in_the_record(
    api: Api,
) -> None:
    keys = await api.world()
    r = await patch(api, "/v1/vendors/v1", json={"display_name": "Acme Social"})
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": "v1",
        "match_policy": "assist",
        "linked_banks": [],
        "display_name": "Acme Social",
    }
    r = await put(api, "/v1/queues/default", keys["vendor"], json={"purpose": PURPOSE})
    assert r.status_code == 200, r.text
    assert r.json() == {"name": "default", "vendor": "v1", "purpose": PURPOSE}
    (entry,) = await audit(api, "queue.purpose")
    assert entry["subject"] == "default" and entry["actor"].startswith("vendor:v1/")
    assert (await audit(api, "vendor.rename"))[0]["subject"] == "v1"

    item = await api.text_item(keys["vendor"], "a")
    assert (item["vendor_name"], item["purpose"]) == (None, None)  # frozen at the first claim
    a = await claim(api, keys["r1"])
    assert a is not None
    assert (a["item"]["vendor_name"], a["item"]["purpose"]) == ("Acme Social", PURPOSE)
    # Renamed after the claim: the claimed item keeps what it was claimed under.
    await patch(api, "/v1/vendors/v1", json={"display_name": "Acme"})
    await put(api, "/v1/queues/default", keys["vendor"], json={"purpose": "Something else"})
    again = await claim(api, keys["r1"])  # the live assignment again
    assert again is not None and again["item"]["purpose"] == PURPOSE
    got = (await api.get(f"/v1/items/{item['id']}", keys["vendor"])).json()
    assert (got["vendor_name"], got["purpose"]) == ("Acme Social", PURPOSE)
    api.clock.advance(30)
    assert await decide(api, keys["r1"], a["id"]) == 200

    (event,) = (await api.get("/v1/me/record", keys["r1"])).json()["events"]
    assert (event["vendor_name"], event["purpose"]) == ("Acme Social", PURPOSE)
    r = await api.client.get(
        "/v1/me/record", headers={"Authorization": f"Bearer {keys['r1']}", "Accept": "text/csv"}
    )
    row = next(row for row in csv.DictReader(io.StringIO(r.text)) if row["kind"] == "event")
    assert (row["vendor_name"], row["purpose"]) == ("Acme Social", PURPOSE)
    signed = (await api.get("/v1/me/record/signed", keys["r1"])).json()
    (event,) = json.loads(base64.b64decode(signed["payload"]))["events"]
    assert (event["vendor_name"], event["purpose"]) == ("Acme Social", PURPOSE)


async def test_the_default_name_is_the_vendors_and_an_unstated_purpose_is_null(api: Api) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "a")
    a = await claim(api, keys["r1"])
    assert a is not None
    assert (a["item"]["vendor_name"], a["item"]["purpose"]) == ("V", None)


async def test_a_vendor_sets_only_its_own_purpose_an_admins_is_the_fallback(api: Api) -> None:
    keys = await api.world({"r1": {}, "r2": {}, "r3": {}})
    assert (await api.post("/v1/vendors", json={"id": "v2", "name": "V2"})).status_code == 201
    assert (await api.post("/v1/vendors", json={"id": "v3", "name": "V3"})).status_code == 201
    v2, v3 = await api.key("vendor", vendor="v2"), await api.key("vendor", vendor="v3")
    for vendor, said in ((keys["vendor"], "one"), (v2, "two")):
        assert (await put(api, "/v1/queues/default", vendor, json={"purpose": said})).is_success
    r = await put(api, "/v1/queues/default", json={"purpose": "everyone's"})
    assert r.json() == {"name": "default", "vendor": None, "purpose": "everyone's"}
    for vendor, ext in ((keys["vendor"], "a"), (v2, "b"), (v3, "c")):
        await api.text_item(vendor, ext)
    seen = {}
    for reviewer in ("r1", "r2", "r3"):
        a = await claim(api, keys[reviewer])
        assert a is not None
        seen[a["item"]["vendor_name"]] = a["item"]["purpose"]
    assert seen == {"V": "one", "V2": "two", "V3": "everyone's"}


async def test_bad_purposes_and_names_are_422_and_others_may_not(api: Api) -> None:
    keys = await api.world()
    for body in (
        {},
        {"purpose": ""},
        {"purpose": "   "},
        {"purpose": "x" * 501},
        {"purpose": "bell\u0007"},
        {"purpose": 5},
        {"purpose": "ok", "vendor": "v2"},
    ):
        r = await put(api, "/v1/queues/default", keys["vendor"], json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"]
    r = await put(api, "/v1/queues/no%20spaces", keys["vendor"], json={"purpose": "ok"})
    assert r.status_code == 422
    assert (await put(api, "/v1/queues/q", keys["vendor"], json={"purpose": "x" * 500})).is_success
    for role in ("r1", "lead"):
        r = await put(api, "/v1/queues/q", keys[role], json={"purpose": "x"})
        assert r.status_code == 403
    for body in ({"display_name": ""}, {"display_name": " "}, {"display_name": "x" * 201}):
        assert (await patch(api, "/v1/vendors/v1", json=body)).status_code == 422, body
    assert (await patch(api, "/v1/vendors/nope", json={"display_name": "N"})).status_code == 404
    r = await api.client.patch(
        "/v1/vendors/v1",
        headers={"Authorization": f"Bearer {keys['vendor']}"},
        json={"display_name": "Mine"},
    )
    assert r.status_code == 403
