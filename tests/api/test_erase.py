"""An admin erases one reviewer's data (issue 19): their history goes, the erase is audited
without it, and records signed before it still verify."""

from __future__ import annotations

import base64
import json

from tests.api.conftest import Api
from tests.api.test_record import VIOLENT, verify, work


async def stored_for(api: Api, reviewer: str) -> list[str]:
    """Every key of the reviewer's history (exposure and wellbeing), by pattern."""
    redis = api.app.state.ctx.redis
    found = []
    for pattern in (f"safeshift:exposure:{reviewer}*", f"safeshift:wellbeing:{reviewer}:*"):
        found += [key async for key in redis.scan_iter(match=pattern)]
    return sorted(found)


async def test_erase_deletes_the_history_audits_it_and_signed_records_still_verify(
    api: Api,
) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    for n in range(3):
        await api.text_item(keys["vendor"], f"i{n}", labels=VIOLENT)
    await work(api, keys["r1"], 60)
    api.clock.advance(900)
    await work(api, keys["r1"], 60)
    await work(api, keys["r2"], 60)  # another reviewer's history is left alone
    assert (await api.post("/v1/me/checkins", keys["r1"], json={"mood": 2})).status_code == 201
    asked = await api.post("/v1/me/support", keys["r1"], json={"note": "a hard day"})
    assert asked.status_code == 201
    counsellor = await api.key("counsellor", team="t1")
    signed = (await api.get("/v1/me/record/signed", keys["r1"])).json()
    assert len(await stored_for(api, "r1")) >= 5
    others = await stored_for(api, "r2")

    (alert,) = (await api.get("/v1/alerts", keys["lead"])).json()["data"]  # a low mood
    assert alert["type"] == "low_mood" and "mood" not in alert["detail"]
    api.clock.advance(60)
    r = await api.client.delete("/v1/reviewers/r1/data", headers=api.admin)
    assert r.status_code == 204 and not r.content
    assert await stored_for(api, "r1") == []
    assert await stored_for(api, "r2") == others
    assert (await api.get("/v1/alerts", keys["lead"])).json()["data"] == []
    redis = api.app.state.ctx.redis
    assert not await redis.exists(f"safeshift:support:{asked.json()['id']}")
    assert (await api.get("/v1/support?team=t1", counsellor)).json()["data"] == []

    (entry,) = (await api.get("/v1/audit?action=reviewer.erase")).json()["data"]
    assert (entry["subject"], entry["actor"], json.loads(entry["detail"])) == (
        "r1",
        "admin/bootstrap-admin",
        {},
    )
    record = (await api.get("/v1/me/record", keys["r1"])).json()
    assert record["events"] == [] and all(d["work_seconds"] == 0 for d in record["days"])
    me = (await api.get("/v1/me", keys["r1"])).json()  # the account and its key stay
    assert me["id"] == "r1"
    state = await api.app.state.ctx.redis.hgetall("safeshift:wellbeing:r1")
    assert not {"last_mood", "last_checkin_at", "work_since"} & set(state)

    published = (await api.client.get("/v1/signing-keys")).json()["data"]
    content = verify(signed, published)  # issued before the erase: still valid
    assert len(content["events"]) == 2
    assert json.loads(base64.b64decode(signed["payload"]))["reviewer"] == "r1"


async def test_erase_is_the_admins_and_needs_a_reviewer(api: Api) -> None:
    keys = await api.world()
    assert (
        await api.client.delete("/v1/reviewers/nope/data", headers=api.admin)
    ).status_code == 404
    for role in ("vendor", "lead", "r1"):
        r = await api.client.delete(
            "/v1/reviewers/r1/data", headers={"Authorization": f"Bearer {keys[role]}"}
        )
        assert r.status_code == 403, role
    assert (await api.client.delete("/v1/reviewers/r1/data")).status_code == 401
    # Nothing stored yet is fine: the erase is idempotent.
    assert (await api.client.delete("/v1/reviewers/r1/data", headers=api.admin)).status_code == 204
