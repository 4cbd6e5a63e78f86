"""Confidential support (issue 19): counsellors read check-ins and requests, leads never do,
every read is audited, the EAP hears only who, team and when, and the decompression pause."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from api import periodic
from scheduler import keys
from tests import synthetic
from tests.api.conftest import Api
from tests.api.receiver import Receiver
from tests.api.test_standard_webhooks import _standard_signed_by
from tests.api.test_wellbeing import put_policy
from tests.api.test_wellbeing_media import _media_item, _seen

NOTE = "the beheading clip from this morning keeps coming back"


async def _audit(api: Api, action: str) -> list[dict[str, Any]]:
    r = await api.client.get(f"/v1/audit?action={action}", headers=api.admin)
    return list(r.json()["data"])


async def test_counsellors_read_checkins_and_requests_and_every_read_is_audited(api: Api) -> None:
    keys_ = await api.world({"r1": {}, "r2": {}})
    counsellor = await api.key("counsellor", team="t1")
    assert (
        await api.post("/v1/me/checkins", keys_["r1"], json={"mood": 1, "note": NOTE})
    ).status_code == 201
    api.clock.advance(5)
    assert (await api.post("/v1/me/checkins", keys_["r2"], json={"mood": 4})).status_code == 201
    r = await api.post("/v1/me/support", keys_["r1"], json={"note": "can we talk"})
    assert r.status_code == 201 and set(r.json()) == {"id", "created_at"}
    request_id = r.json()["id"]

    r = await api.get("/v1/checkins?team=t1", counsellor)
    assert r.status_code == 200, r.text
    assert [(c["reviewer"], c["mood"], c["note"]) for c in r.json()["data"]] == [
        ("r2", 4, None),
        ("r1", 1, NOTE),
    ]
    page = await api.get("/v1/checkins?limit=1", counsellor)
    assert len(page.json()["data"]) == 1 and page.json()["next_cursor"]
    rest = await api.get(f"/v1/checkins?limit=1&cursor={page.json()['next_cursor']}", counsellor)
    assert [c["reviewer"] for c in rest.json()["data"]] == ["r1"]
    assert rest.json()["next_cursor"] is None

    r = await api.get("/v1/support?team=t1", counsellor)
    assert r.json()["data"] == [
        {
            "id": request_id,
            "reviewer": "r1",
            "created_at": r.json()["data"][0]["created_at"],
            "note": "can we talk",
        }
    ]
    reads = await _audit(api, "checkins.read")
    assert len(reads) == 3 and all(e["actor"].startswith("counsellor:t1/") for e in reads)
    assert json.loads(reads[-1]["detail"])["reviewers"] == ["r1", "r2"]
    assert len(await _audit(api, "support.read")) == 1

    assert (await api.post(f"/v1/support/{request_id}/close", counsellor)).status_code == 200
    assert (await api.post(f"/v1/support/{request_id}/close", counsellor)).status_code == 404
    assert (await api.get("/v1/support", counsellor)).json()["data"] == []
    # The admin sees that requests exist, not what they say.
    overview = (await api.get("/v1/teams/t1/support")).json()
    assert overview == {"team": "t1", "eap_url": None, "open_requests": 0, "counsellor": True}


async def test_a_lead_sees_no_mood_or_note_anywhere(api: Api) -> None:
    keys_ = await api.world()
    await api.key("counsellor", team="t1")
    await api.post("/v1/me/checkins", keys_["r1"], json={"mood": 1, "note": NOTE})
    lead = keys_["lead"]
    for path in (
        "/v1/teams/t1/exposure",
        "/v1/alerts?team=t1",
        "/v1/teams/t1/exposure.csv",
        "/v1/reviewers/r1/exposure",
        "/v1/queues",
    ):
        r = await api.get(path, lead)
        assert r.status_code == 200, (path, r.text)
        assert NOTE not in r.text and "mood" not in r.text.replace("low_mood", ""), path
    row = (await api.get("/v1/teams/t1/exposure", lead)).json()["data"][0]
    assert set(row["last_checkin"]) == {"at"}
    (alert,) = (await api.get("/v1/alerts?team=t1", lead)).json()["data"]
    assert "needs attention; a counsellor was told" in alert["detail"]
    assert (await api.get("/v1/checkins?team=t1", lead)).status_code == 403
    assert (await api.get("/v1/support?team=t1", lead)).status_code == 403
    assert (await api.get("/v1/checkins?team=t1")).status_code == 403  # nor the admin


async def test_without_a_counsellor_the_alert_says_no_one_was_told(api: Api) -> None:
    keys_ = await api.world()
    await api.post("/v1/me/checkins", keys_["r1"], json={"mood": 1, "note": NOTE})
    (alert,) = (await api.get("/v1/alerts?team=t1", keys_["lead"])).json()["data"]
    assert "no counsellor" in alert["detail"] and "1 of 5" not in alert["detail"]


async def test_a_counsellor_of_another_team_gets_404(api: Api) -> None:
    await api.world()
    assert (await api.post("/v1/teams", json={"id": "t2", "name": "T2"})).status_code == 201
    other = await api.key("counsellor", team="t2")
    assert (await api.get("/v1/checkins?team=t1", other)).status_code == 404
    assert (await api.get("/v1/support?team=t1", other)).status_code == 404
    r = await api.post("/v1/keys", json={"role": "counsellor"})
    assert r.status_code == 422 and "team" in r.text


async def test_the_eap_hears_only_who_team_and_when_signed(api: Api) -> None:
    keys_ = await api.world()
    receiver = Receiver()
    await receiver.start()
    try:
        r = await api.client.put(
            "/v1/teams/t1/support", headers=api.admin, json={"eap_url": receiver.url}
        )
        assert r.status_code == 200, r.text
        secret = r.json()["eap_secret"]
        assert secret.startswith("whsec_")
        assert "eap_secret" not in (await api.get("/v1/teams/t1/support")).text
        r = await api.post("/v1/me/support", keys_["r1"], json={"note": NOTE})
        assert r.status_code == 201
        ctx = api.app.state.ctx
        await ctx.redis.delete(keys.lock("webhooks"))
        await periodic.deliver_webhooks(ctx)
        ((headers, body),) = receiver.received
        assert json.loads(body) == {"reviewer": "r1", "team": "t1", "at": r.json()["created_at"]}
        t, mac = headers["safeshift-signature"].split(",")
        expected = hmac.new(secret.encode(), f"{t[2:]}.".encode() + body, hashlib.sha256)
        assert mac == f"v1={expected.hexdigest()}"
        assert _standard_signed_by(secret, headers, body)
    finally:
        await receiver.stop()
    bad = await api.client.put(
        "/v1/teams/t1/support", headers=api.admin, json={"eap_url": "ftp://x"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"][-1] == "eap_url"


async def test_the_pause_is_offered_after_a_severe_colour_decision_and_counts_as_a_break(
    api: Api,
) -> None:
    keys_ = await api.world()
    await put_policy(api, cooldown_after_severe_seconds=0)
    # Two different pictures: two copies of one would form a group, decided as one (issue 17).
    await _media_item(api, keys_["vendor"], "a", synthetic.jpeg(synthetic.scene(320, 240)))
    await _media_item(api, keys_["vendor"], "b", synthetic.jpeg(synthetic.scene(320, 240, seed=3)))
    me = (await api.get("/v1/me", keys_["r1"])).json()
    assert me["offer_pause"] is False
    await _seen(api, keys_["r1"], reveal=None, seconds=30)
    assert (await api.get("/v1/me", keys_["r1"])).json()["offer_pause"] is False
    await _seen(api, keys_["r1"], reveal="color", seconds=30)
    me = (await api.get("/v1/me", keys_["r1"])).json()
    assert (me["offer_pause"], me["pause_reason"]) == (True, "severe_color")
    r = await api.post("/v1/me/breaks", keys_["r1"], json={"minutes": 3, "kind": "decompression"})
    assert r.status_code == 201 and r.json()["reason"] == "decompression"
    me = (await api.get("/v1/me", keys_["r1"])).json()
    assert me["state"] == "on_break" and me["break_reason"] == "decompression"
    assert me["offer_pause"] is False
    exposure = (await api.get("/v1/me/exposure", keys_["r1"])).json()
    assert exposure["continuous_work_seconds"] == 0 and exposure["last_break_at"]


async def test_the_pause_is_offered_after_the_hours_count_of_severe_items(api: Api) -> None:
    keys_ = await api.world()
    await put_policy(api, cooldown_after_severe_seconds=0, decompression_after_severe_per_hour=2)
    for n in range(2):
        await api.text_item(
            keys_["vendor"], f"s{n}", labels=[{"category": "gore", "severity": 0.9}]
        )
    await _seen(api, keys_["r1"], reveal=None, seconds=10)
    assert (await api.get("/v1/me", keys_["r1"])).json()["offer_pause"] is False
    await _seen(api, keys_["r1"], reveal=None, seconds=10)
    me = (await api.get("/v1/me", keys_["r1"])).json()
    assert (me["offer_pause"], me["pause_reason"]) == (True, "severe_hour")
    api.clock.advance(3600)
    assert (await api.get("/v1/me", keys_["r1"])).json()["offer_pause"] is False


async def test_a_counsellor_signs_in_to_the_support_page(api: Api) -> None:
    await api.world()
    counsellor = await api.key("counsellor", team="t1")
    r = await api.client.post("/v1/session", json={"key": counsellor})
    assert r.status_code == 201 and r.json()["home"] == "/support"
    r = await api.get("/v1/session", counsellor)
    who = r.json()
    assert (who["role"], who["team"], who["home"]) == ("counsellor", "t1", "/support")
    # Revoked, the team has no counsellor any more: a low mood's alert says no one was told.
    key_id = (await api.get("/v1/audit?action=key.create")).json()["data"][0]["subject"]
    assert (await api.client.delete(f"/v1/keys/{key_id}", headers=api.admin)).status_code == 204
    assert (await api.get("/v1/teams/t1/support")).json()["counsellor"] is False
