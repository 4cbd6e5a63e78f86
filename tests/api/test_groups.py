"""Groups (issue 17): near-duplicates waiting in a queue at the same time are decided together.

Through HTTP on the suite's real Redis; images are real uploads prepared by a real media worker
(the same synthetic picture, and that picture at half size re-encoded at JPEG quality 30).
"""

from __future__ import annotations

import json
from typing import Any

import cv2
from redis.asyncio import Redis

from bank import keys as bank_keys
from scheduler import assignments, webhooks
from scheduler import keys as skeys
from tests import synthetic
from tests.api.conftest import Api
from tests.api.media_helpers import upload, work_until_done

HOOK = "http://127.0.0.1:9/hook"  # never called here: the tests read the outbox
LABELS = [{"category": "violence", "severity": 0.9}]


def picture(seed: int = 7) -> bytes:
    return synthetic.jpeg(synthetic.scene(640, 480, seed=seed))


def altered(seed: int = 7) -> bytes:
    """The picture again at half size and JPEG quality 30: a re-upload, not a copy."""
    half = cv2.resize(
        synthetic.scene(640, 480, seed=seed), (320, 240), interpolation=cv2.INTER_AREA
    )
    return synthetic.jpeg(half, quality=30)


async def _raw(redis: Redis, item_id: str) -> dict[str, Any]:
    return dict(await redis.hgetall(skeys.item(item_id)))


async def _item(api: Api, item_id: str) -> dict[str, Any]:
    return dict((await api.get(f"/v1/items/{item_id}")).json())


async def _text(api: Api, vendor: str, external_id: str, **fields: Any) -> str:
    body = {"text": "the same words", "callback_url": HOOK, **fields}
    return str((await api.text_item(vendor, external_id, **body))["id"])


async def _claim(api: Api, reviewer: str) -> dict[str, Any]:
    r = await api.post("/v1/assignments", reviewer)
    assert r.status_code in (200, 201), r.text
    return dict(r.json())


async def _decide(api: Api, reviewer: str, assignment: str, **body: Any) -> Any:
    return await api.post(f"/v1/assignments/{assignment}/decision", reviewer, json=body)


async def _events(redis: Redis, item_id: str) -> list[dict[str, Any]]:
    """The item's webhook bodies, as they would be delivered."""
    out = []
    for event_id in await redis.zrange(skeys.OUTBOX, 0, -1):
        event = await redis.hgetall(skeys.event(event_id))
        if event.get("item") == item_id:
            out.append(json.loads(await webhooks._body(redis, event)))
    return out


async def test_near_duplicate_images_form_a_group_decided_once_each(api: Api, redis: Redis) -> None:
    keys = await api.world()
    ids = []
    for external_id, data in (("a", picture()), ("b", altered()), ("other", picture(seed=3))):
        status, item = await upload(
            api, keys["vendor"], external_id, data, callback_url=HOOK, labels=LABELS
        )
        assert status == 201, item
        ids.append(item["id"])
    await work_until_done(api, ids)
    leader, member, other = ids
    assert (await _raw(redis, member))["group"] == leader
    assert (await _item(api, member))["status"] == "queued"
    assert not (await _raw(redis, other)).get("group")

    claimed = await _claim(api, keys["r1"])
    assert claimed["item"]["id"] == leader
    assert claimed["item"]["group"] == {"size": 2, "members": [member]}
    assert (await _item(api, member))["status"] == "assigned"
    r = await _decide(api, keys["r1"], claimed["id"], verdict="remove", labels=LABELS)
    assert r.status_code == 200, r.text

    decided = await _item(api, member)
    assert decided["status"] == "decided" and decided["decision"]["verdict"] == "remove"
    assert decided["decision"]["decided_by"] == "group"
    assert (await _item(api, leader))["decision"]["decided_by"] == "reviewer"
    # each its own webhook, decided_by group for the member
    for item_id, by in ((leader, "reviewer"), (member, "group")):
        events = await _events(redis, item_id)
        assert len(events) == 1
        assert events[0]["data"]["item"]["decision"]["decided_by"] == by
    # each its own bank entry; only what the reviewer saw (the leader) cost dose
    for item_id in (leader, member):
        assert await redis.hget(bank_keys.ids("v1", item_id), item_id) is not None
    exposure = await redis.xrange("safeshift:exposure:r1:events")
    assert [e[1]["item"] for e in exposure] == [leader]
    audit = (await api.get("/v1/audit?action=decide")).json()["data"]
    assert {a["subject"] for a in audit} == {claimed["id"]}
    assert len(audit) == 2  # one decision record per item, both under the reviewer's assignment
    # the leader left the waiting index; the different picture waits there alone
    wbase = bank_keys.waiting("v1", (await _raw(redis, leader))["pool"])
    assert await redis.get(wbase + ":count") == "1"
    nxt = await _claim(api, keys["r1"])
    assert nxt["item"]["id"] == other and "group" not in nxt["item"]
    assert (await _decide(api, keys["r1"], nxt["id"], verdict="approve")).status_code == 200
    # the index is reset once empty: it does not grow with every item a pool ever held
    assert not await redis.exists(wbase + ":count", wbase + ":hashes", wbase + ":next")


async def test_only_items_one_reviewer_may_take_together_group(api: Api, redis: Redis) -> None:
    keys = await api.world({"r1": {"languages": ["en", "fr"]}})
    assert (await api.post("/v1/vendors", json={"id": "v2", "name": "W"})).status_code == 201
    other_vendor = await api.key("vendor", vendor="v2")
    leader = await _text(api, keys["vendor"], "a")
    apart = [
        await _text(api, keys["vendor"], "q", queue="other"),
        await _text(api, keys["vendor"], "fr", language="fr"),
        await _text(api, keys["vendor"], "sev", labels=LABELS),
        await _text(api, other_vendor, "v2"),
        await _text(api, keys["vendor"], "off", match_policy="off"),
        await _text(api, keys["vendor"], "diff", text="other words"),
    ]
    for item_id in apart:
        assert not (await _raw(redis, item_id)).get("group"), item_id
    together = await _text(api, keys["vendor"], "b")
    assert (await _raw(redis, together))["group"] == leader
    # linked banks group across vendors (same pool)
    r = await api.client.patch("/v1/vendors/v1", headers=api.admin, json={"linked_banks": ["v2"]})
    assert r.status_code == 200, r.text
    linked = await _text(api, other_vendor, "v2b")
    assert (await _raw(redis, linked))["group"] in (leader, apart[3])


async def test_split_members_go_back_alone_and_the_rest_are_decided(api: Api, redis: Redis) -> None:
    keys = await api.world()
    a, b, c = [await _text(api, keys["vendor"], x) for x in "abc"]
    claimed = await _claim(api, keys["r1"])
    assert claimed["item"]["id"] == a
    assert claimed["item"]["group"] == {"size": 3, "members": [b, c]}
    # a split id outside the group refuses the whole decision, with nothing written
    for stranger in ("itm_nope", a):
        r = await _decide(api, keys["r1"], claimed["id"], verdict="approve", split=[stranger])
        assert r.status_code == 409 and "group.members" in r.json()["detail"], r.text
    assert (await _item(api, a))["status"] == "assigned"
    r = await _decide(api, keys["r1"], claimed["id"], verdict="approve", split=[c])
    assert r.status_code == 200, r.text
    assert (await _item(api, b))["decision"]["decided_by"] == "group"
    alone = await _item(api, c)
    assert alone["status"] == "queued" and "decision" not in alone
    assert not (await _raw(redis, c)).get("group")
    assert await _events(redis, c) == []
    again = await _claim(api, keys["r1"])
    assert again["item"]["id"] == c and "group" not in again["item"]
    r = await _decide(api, keys["r1"], again["id"], verdict="remove")
    assert (await _item(api, c))["decision"]["decided_by"] == "reviewer"
    split_audit = (await api.get("/v1/audit?action=group.split")).json()["data"]
    assert [x["subject"] for x in split_audit] == [c]


async def test_heartbeat_skip_and_expiry_move_the_whole_group(api: Api, redis: Redis) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    leader = await _text(api, keys["vendor"], "a")
    member = await _text(api, keys["vendor"], "b")
    first = await _claim(api, keys["r1"])
    assert first["item"]["group"]["members"] == [member]
    hb = await api.post(f"/v1/assignments/{first['id']}/heartbeat", keys["r1"])
    assert hb.status_code == 200
    r = await api.post(f"/v1/assignments/{first['id']}/skip", keys["r1"], json={"reason": "x"})
    assert r.status_code == 200
    raw = await _raw(redis, member)
    assert raw["status"] == "queued" and raw["assignment"] == "" and raw["group"] == leader
    assert await redis.zscore(skeys.waiting("default"), member) is not None

    second = await _claim(api, keys["r2"])
    assert second["item"]["id"] == leader and second["item"]["group"]["size"] == 2
    assert await redis.zscore(skeys.waiting("default"), member) is None
    # the same claim again gives the same group back
    assert (await _claim(api, keys["r2"]))["item"]["group"]["members"] == [member]
    api.clock.advance(301)  # no heartbeat: the lease expires, the sweep requeues all of it
    ctx = api.app.state.ctx
    assert await assignments.expire_leases(scripts=ctx.scripts, now=api.clock()) == 1
    for item_id in (leader, member):
        assert (await _item(api, item_id))["status"] == "queued"
    r = await _decide(api, keys["r2"], second["id"], verdict="remove")
    assert r.status_code == 409  # the lease was lost: nothing decided
    assert (await _item(api, member))["status"] == "queued"

    third = await _claim(api, keys["r2"])
    assert third["item"]["id"] == leader and third["item"]["group"]["members"] == [member]
    assert (await _decide(api, keys["r2"], third["id"], verdict="remove")).status_code == 200
    assert (await _item(api, member))["status"] == "decided"


async def test_the_same_decision_again_changes_nothing(api: Api, redis: Redis) -> None:
    keys = await api.world()
    await _text(api, keys["vendor"], "a")
    member = await _text(api, keys["vendor"], "b")
    claimed = await _claim(api, keys["r1"])
    for _ in range(2):
        r = await _decide(api, keys["r1"], claimed["id"], verdict="approve")
        assert r.status_code == 200, r.text
    assert len(await _events(redis, member)) == 1
    r = await _decide(api, keys["r1"], claimed["id"], verdict="remove")
    assert r.status_code == 409
    assert (await _item(api, member))["decision"]["verdict"] == "approve"


async def test_a_more_urgent_member_raises_its_group(api: Api) -> None:
    keys = await api.world()
    leader = await _text(api, keys["vendor"], "a", priority=1)
    await _text(api, keys["vendor"], "x", text="something else", priority=5)
    await _text(api, keys["vendor"], "b", priority=9)
    assert (await _claim(api, keys["r1"]))["item"]["id"] == leader


async def test_an_item_arriving_while_its_twin_is_assigned_waits_alone(
    api: Api, redis: Redis
) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    await _text(api, keys["vendor"], "a")
    claimed = await _claim(api, keys["r1"])
    late = await _text(api, keys["vendor"], "b")
    assert not (await _raw(redis, late)).get("group")
    assert "group" not in claimed["item"]
    assert (await _decide(api, keys["r1"], claimed["id"], verdict="approve")).status_code == 200
    assert (await _item(api, late))["status"] == "queued"  # not decided with a group it missed
    # a third copy joins the one still waiting
    third = await _text(api, keys["vendor"], "c")
    assert (await _raw(redis, third))["group"] == late
    nxt = await _claim(api, keys["r2"])
    assert nxt["item"]["id"] == late and nxt["item"]["group"]["members"] == [third]


async def test_a_video_and_its_reencoding_form_a_group(api: Api, redis: Redis) -> None:
    keys = await api.world()
    ids = []
    for external_id, fmt in (("a", "mp4"), ("b", "webm")):
        status, item = await upload(
            api,
            keys["vendor"],
            external_id,
            synthetic.video(fmt, frames=24, size=(320, 180)),
            callback_url=HOOK,
        )
        assert status == 201, item
        ids.append(item["id"])
    await work_until_done(api, ids)
    assert (await _raw(redis, ids[1]))["group"] == ids[0]
    claimed = await _claim(api, keys["r1"])
    assert claimed["item"]["group"] == {"size": 2, "members": [ids[1]]}
