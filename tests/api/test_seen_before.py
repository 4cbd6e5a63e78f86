"""Seen before (issue 17): hashes on items, decisions in the bank, matches at ingest."""

from __future__ import annotations

import json
from typing import Any

import cv2
from redis.asyncio import Redis

from bank import service as bank
from blur import hashing
from scheduler import keys as skeys
from scheduler import webhooks
from scheduler.matching import frames as bank_frames
from tests import synthetic
from tests.api.conftest import Api
from tests.api.media_helpers import upload, work_until_done


async def _raw(redis: Redis, item_id: str) -> dict[str, Any]:
    return dict(await redis.hgetall(skeys.item(item_id)))


async def test_an_image_item_stores_its_pdq_hash_and_a_text_item_its_key(
    api: Api, redis: Redis
) -> None:
    keys = await api.world()
    _, item = await upload(api, keys["vendor"], "img", synthetic.jpeg(synthetic.scene(640, 480)))
    await work_until_done(api, [item["id"]])
    hashes = hashing.unpack((await _raw(redis, item["id"]))["pdq"])
    assert len(hashes) == 1 and len(hashes[0].hash) == 64 and hashes[0].quality >= 50
    text = await api.text_item(keys["vendor"], "t1", text="Hello  WORLD")
    assert (await _raw(redis, text["id"]))["text_key"] == hashing.text_key("hello world")


async def test_a_video_item_stores_one_hash_per_second(api: Api, redis: Redis) -> None:
    keys = await api.world()
    _, item = await upload(api, keys["vendor"], "vid", synthetic.video("mp4", frames=36, fps=12))
    await work_until_done(api, [item["id"]])
    hashes = hashing.unpack((await _raw(redis, item["id"]))["pdq"])
    assert [h.at for h in hashes] == [0.0, 1.0, 2.0]


async def test_a_failed_item_has_no_hashes(api: Api, redis: Redis) -> None:
    keys = await api.world()
    _, item = await upload(api, keys["vendor"], "gone", synthetic.jpeg(synthetic.scene(64, 64)))
    for path in api.app.state.ctx.store.root.rglob("*"):
        if path.is_file():
            path.unlink()  # the original is lost: the worker cannot decode anything
    ctx = api.app.state.ctx
    ctx.blur = ctx.blur.model_copy(update={"claim_idle_ms": 20, "max_attempts": 1})
    await work_until_done(api, [item["id"]])
    raw = await _raw(redis, item["id"])
    assert raw["status"] == "failed" and not raw.get("pdq")


HOOK = "http://127.0.0.1:9/hook"  # never called here: the tests read the outbox


def picture(seed: int = 7) -> bytes:
    return synthetic.jpeg(synthetic.scene(640, 480, seed=seed))


async def _media(api: Api, vendor: str, external_id: str, data: bytes, **fields: Any) -> dict:
    status, item = await upload(api, vendor, external_id, data, callback_url=HOOK, **fields)
    assert status == 201, item
    await work_until_done(api, [item["id"]])
    return dict((await api.get(f"/v1/items/{item['id']}")).json())


async def _decide(api: Api, reviewer: str, **decision: Any) -> dict[str, Any]:
    claimed = await api.post("/v1/assignments", reviewer)
    assert claimed.status_code == 201, claimed.text
    r = await api.post(f"/v1/assignments/{claimed.json()['id']}/decision", reviewer, json=decision)
    assert r.status_code == 200, r.text
    return dict(claimed.json())


async def _events(redis: Redis, item_id: str) -> list[str]:
    ids = await redis.zrange(skeys.OUTBOX, 0, -1)
    return [e for e in ids if await redis.hget(skeys.event(e), "item") == item_id]


async def _patch_vendor(api: Api, vendor: str, **body: Any) -> dict[str, Any]:
    r = await api.client.patch(f"/v1/vendors/{vendor}", headers=api.admin, json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _altered() -> bytes:
    """The picture again at half size and JPEG quality 30: a re-upload, not a copy."""
    half = cv2.resize(synthetic.scene(640, 480, seed=7), (320, 240), interpolation=cv2.INTER_AREA)
    return synthetic.jpeg(half, quality=30)


LABELS = [{"category": "violence", "severity": 0.9}]


async def test_a_reviewers_decision_enters_the_bank_with_it(api: Api, redis: Redis) -> None:
    keys = await api.world()
    first = await _media(api, keys["vendor"], "a", picture())
    await _decide(api, keys["r1"], verdict="remove", labels=LABELS)
    decided = (await api.get(f"/v1/items/{first['id']}")).json()
    assert decided["decision"]["decided_by"] == "reviewer"
    frame = bank_frames((await _raw(redis, first["id"]))["pdq"])[0]
    found = await bank.lookup_image(redis=redis, vendors=["v1"], frame=frame)
    assert found.match is not None and found.match.item_id == first["id"]
    assert found.match.verdict == "remove" and found.match.labels[0].category == "violence"


async def test_an_escalation_is_not_banked(api: Api, redis: Redis) -> None:
    keys = await api.world()
    first = await _media(api, keys["vendor"], "a", picture())
    await _decide(api, keys["r1"], verdict="escalate")
    frame = bank_frames((await _raw(redis, first["id"]))["pdq"])[0]
    assert (await bank.lookup_image(redis=redis, vendors=["v1"], frame=frame)).match is None
    again = await _media(api, keys["vendor"], "b", picture())
    assert again["status"] == "queued" and "match" not in again


async def test_auto_applies_an_exact_prior_decision_once_with_its_webhook(
    api: Api, redis: Redis
) -> None:
    keys = await api.world()
    first = await _media(api, keys["vendor"], "a", picture())
    await _decide(api, keys["r1"], verdict="remove", labels=LABELS)
    copy = await _media(api, keys["vendor"], "b", picture(), match_policy="auto")
    assert copy["status"] == "decided"
    assert copy["decision"]["decided_by"] == "match"
    assert copy["decision"]["verdict"] == "remove" and copy["decision"]["labels"] == LABELS
    assert copy["match"] == {"item_id": first["id"], "distance": 0, "verdict": "remove"}
    events = await _events(redis, copy["id"])
    assert len(events) == 1
    body = json.loads(await webhooks._body(redis, await redis.hgetall(skeys.event(events[0]))))
    assert body["data"]["item"]["match"]["item_id"] == first["id"]
    assert body["data"]["item"]["decision"]["decided_by"] == "match"
    # nobody is handed it, and a vendor re-sending it gets the same item back
    assert (await api.post("/v1/assignments", keys["r1"])).status_code == 204
    status, again = await upload(api, keys["vendor"], "b", picture(), match_policy="auto")
    assert status == 200 and again["id"] == copy["id"]


async def test_the_same_file_under_many_external_ids_is_decided_once_each(
    api: Api, redis: Redis
) -> None:
    keys = await api.world()
    await _patch_vendor(api, "v1", match_policy="auto")
    await _media(api, keys["vendor"], "a", picture())
    await _decide(api, keys["r1"], verdict="approve")
    copies = [await _media(api, keys["vendor"], f"copy{n}", picture()) for n in range(4)]
    assert {c["decision"]["verdict"] for c in copies} == {"approve"}
    for copy in copies:
        assert len(await _events(redis, copy["id"])) == 1


async def test_assist_shows_the_prior_decision_first_and_confirming_costs_no_reveal(
    api: Api, redis: Redis
) -> None:
    keys = await api.world()
    first = await _media(api, keys["vendor"], "a", picture())
    await _decide(api, keys["r1"], verdict="remove", labels=LABELS)
    # an altered copy: half size, JPEG quality 30
    altered = _altered()
    copy = await _media(api, keys["vendor"], "b", altered)
    assert copy["status"] == "queued" and copy["match"]["item_id"] == first["id"]
    claimed = await _decide(api, keys["r1"], verdict="remove", labels=LABELS)
    seen = claimed["item"]["seen_before"]
    assert seen["verdict"] == "remove" and seen["labels"] == LABELS
    assert seen["distance"] == copy["match"]["distance"] <= 31
    assert claimed["item"]["view"]["level"] == "blurred"
    events = await redis.xrange("safeshift:exposure:r1:events")
    assert events[-1][1]["level"] == "blurred" and events[-1][1]["reveals"] == "0"


async def test_an_auto_match_too_far_or_of_low_quality_falls_back_to_assist(
    api: Api, redis: Redis
) -> None:
    keys = await api.world()
    await _patch_vendor(api, "v1", match_policy="auto")
    await _media(api, keys["vendor"], "a", picture())
    await _decide(api, keys["r1"], verdict="remove")
    altered = _altered()
    copy = await _media(api, keys["vendor"], "b", altered)
    assert 8 < copy["match"]["distance"] <= 31  # 22 bits for this picture
    assert copy["status"] == "queued" and "decision" not in copy
    claimed = (await api.post("/v1/assignments", keys["r1"])).json()
    assert claimed["item"]["seen_before"]["verdict"] == "remove"


async def test_an_item_policy_overrides_its_vendors(api: Api) -> None:
    keys = await api.world()
    await _patch_vendor(api, "v1", match_policy="off")
    await api.text_item(keys["vendor"], "a", text="again")
    await _decide(api, keys["r1"], verdict="approve")
    assert "match" not in await api.text_item(keys["vendor"], "b", text="again")
    auto = await api.text_item(keys["vendor"], "c", text="again", match_policy="auto")
    assert auto["decision"] == {
        "labels": [],
        "notes": None,
        "verdict": "approve",
        "decided_at": auto["decision"]["decided_at"],
        "decided_by": "match",
    }


async def test_not_a_match_stops_the_pair_and_banks_the_new_decision(
    api: Api, redis: Redis
) -> None:
    keys = await api.world()
    first = await _media(api, keys["vendor"], "a", picture())
    await _decide(api, keys["r1"], verdict="remove")
    second = await _media(api, keys["vendor"], "b", picture())
    assert second["match"]["item_id"] == first["id"]
    await _decide(api, keys["r1"], verdict="approve", not_a_match=True)
    # the first decision is now disputed: never applied without a person
    third = await _media(api, keys["vendor"], "c", picture(), match_policy="auto")
    assert third["status"] == "decided"
    assert third["match"]["item_id"] == second["id"] and third["decision"]["verdict"] == "approve"


async def test_not_a_match_without_a_prior_decision_is_409(api: Api) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "a")
    claimed = (await api.post("/v1/assignments", keys["r1"])).json()
    r = await api.post(
        f"/v1/assignments/{claimed['id']}/decision",
        keys["r1"],
        json={"verdict": "approve", "not_a_match": True},
    )
    assert r.status_code == 409 and "not_a_match" in r.json()["detail"]


async def test_text_matches_its_exact_key(api: Api) -> None:
    keys = await api.world()
    first = await api.text_item(keys["vendor"], "a", text="Buy  NOW")
    await _decide(api, keys["r1"], verdict="remove")
    copy = await api.text_item(keys["vendor"], "b", text="buy now", match_policy="auto")
    assert copy["status"] == "decided" and copy["decision"]["decided_by"] == "match"
    assert copy["match"] == {"item_id": first["id"], "distance": 0, "verdict": "remove"}
    other = await api.text_item(keys["vendor"], "c", text="buy now please")
    assert other["status"] == "queued" and "match" not in other
    off = await api.text_item(keys["vendor"], "d", text="BUY NOW", match_policy="off")
    assert off["status"] == "queued" and "match" not in off


async def test_banks_are_per_vendor_unless_linked_both_ways(api: Api, redis: Redis) -> None:
    keys = await api.world()
    assert (await api.post("/v1/vendors", json={"id": "v2", "name": "W"})).status_code == 201
    other = await api.key("vendor", vendor="v2")
    first = await api.text_item(keys["vendor"], "a", text="same words")
    await _decide(api, keys["r1"], verdict="remove")
    alone = await api.text_item(other, "b", text="same words")
    assert "match" not in alone
    assert (await _patch_vendor(api, "v1", linked_banks=["v2"]))["linked_banks"] == ["v2"]
    linked = await api.text_item(other, "c", text="same words")
    assert linked["match"]["item_id"] == first["id"]
    assert (await api.get("/v1/audit?action=vendor.matching")).json()["data"]
    await _patch_vendor(api, "v2", linked_banks=[])  # unlinking from either side unlinks both
    assert (await _patch_vendor(api, "v1"))["linked_banks"] == []
    assert "match" not in await api.text_item(other, "d", text="same words")


async def test_vendor_patch_refuses_unknown_vendors_and_policies(api: Api) -> None:
    await api.world()
    for body in ({"linked_banks": ["nope"]}, {"match_policy": "always"}):
        r = await api.client.patch("/v1/vendors/v1", headers=api.admin, json=body)
        assert r.status_code == 422, (body, r.text)
    # A vendor always looks in its own bank: naming itself is dropped, not an error.
    assert (await _patch_vendor(api, "v1", linked_banks=["v1"]))["linked_banks"] == []
    r = await api.client.patch("/v1/vendors/ghost", headers=api.admin, json={})
    assert r.status_code == 404


async def test_an_admin_removes_an_entry_and_matches_stop_at_once(api: Api, redis: Redis) -> None:
    keys = await api.world()
    first = await _media(api, keys["vendor"], "a", picture())
    await _decide(api, keys["r1"], verdict="remove")
    r = await api.client.delete(f"/v1/bank/{first['id']}", headers=api.admin)
    assert r.status_code == 204
    copy = await _media(api, keys["vendor"], "b", picture(), match_policy="auto")
    assert copy["status"] == "queued" and "match" not in copy
    audit = (await api.get("/v1/audit?action=bank.remove")).json()["data"]
    assert audit and audit[0]["subject"] == first["id"]
    r = await api.client.delete(f"/v1/bank/{first['id']}", headers={"Authorization": "Bearer x"})
    assert r.status_code == 401
    assert (await api.client.delete("/v1/bank/itm_nope", headers=api.admin)).status_code == 404


async def test_a_video_reupload_matches_its_banked_video(api: Api, redis: Redis) -> None:
    keys = await api.world()
    clip = synthetic.video("mp4", frames=48, fps=12)
    first = await _media(api, keys["vendor"], "a", clip)
    await _decide(api, keys["r1"], verdict="remove")
    copy = await _media(api, keys["vendor"], "b", clip, match_policy="auto")
    assert copy["match"]["item_id"] == first["id"]
    assert copy["status"] == "decided" and copy["decision"]["decided_by"] == "match"


async def test_a_failing_lookup_leaves_the_item_queued_unmatched(api: Api, redis: Redis) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "a", text="words")
    await _decide(api, keys["r1"], verdict="remove")
    await redis.set("safeshift:bank:{v1}:txt", "damaged")  # the wrong type: HGET fails
    copy = await api.text_item(keys["vendor"], "b", text="words", match_policy="auto")
    assert copy["status"] == "queued" and "match" not in copy
    assert "WRONGTYPE" in (await _raw(redis, copy["id"]))["match_error"]
    assert (await api.post("/v1/assignments", keys["r1"])).status_code == 201


async def test_a_crash_before_the_match_loses_nothing(api: Api, redis: Redis) -> None:
    keys = await api.world()
    first = await _media(api, keys["vendor"], "a", picture())
    await _decide(api, keys["r1"], verdict="remove")
    # the copy is ingested, and the process dies before any worker prepared (and matched) it
    status, copy = await upload(api, keys["vendor"], "b", picture(), match_policy="auto")
    assert status == 201 and copy["status"] == "processing"
    # a fresh worker (another process, after the restart) takes the job over and matches it
    await work_until_done(api, [copy["id"]])
    after = (await api.get(f"/v1/items/{copy['id']}")).json()
    assert after["status"] == "decided" and after["match"]["item_id"] == first["id"]
