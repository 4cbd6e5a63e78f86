"""Escalation (issue 17). By default `escalate` is final, delivered and never banked. With an
escalation queue set, it is not final: the item waits there for a reviewer with the escalation
skill; their decision is the final one, banked flagged escalated (never applied by `auto`), and
its webhook goes out once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from scheduler import keys as skeys
from tests.api.conftest import Api, make_app
from tests.conftest import FakeClock

HOOK = "http://127.0.0.1:9/hook"  # never called here: the tests read the outbox
LABELS = [{"category": "violence", "severity": 0.9}]


@pytest.fixture
async def api(redis: Any, redis_url: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Api]:
    """The service with a second look inside Safeshift: escalations wait in `escalations`."""
    app = make_app(redis_url, tmp_path, clock, escalation_queue="escalations")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(app, client, clock)


@pytest.fixture
async def plain_api(
    redis: Any, redis_url: str, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[Api]:
    """The service as configured by default: `escalate` is the last word."""
    app = make_app(redis_url, tmp_path / "plain", clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(app, client, clock)


async def test_by_default_an_escalation_is_final_delivered_and_never_banked(
    plain_api: Api, redis: Redis
) -> None:
    api = plain_api
    keys = await api.world({"r1": {}})
    item = await api.text_item(
        keys["vendor"], "a", labels=LABELS, text="same words", callback_url=HOOK
    )
    decided = await _decide(api, keys["r1"], "escalate")
    assert decided["status"] == "decided"
    shown = await _item(api, item["id"])
    assert shown["status"] == "decided" and shown["decision"]["verdict"] == "escalate"
    assert len(await _events(redis, item["id"])) == 1
    copy = await api.text_item(keys["vendor"], "b", labels=LABELS, text="same words")
    assert "match" not in copy  # an escalation is nobody's verdict to reuse


async def _events(redis: Redis, item_id: str) -> list[str]:
    ids = await redis.zrange(skeys.OUTBOX, 0, -1)
    return [e for e in ids if await redis.hget(skeys.event(e), "item") == item_id]


async def _decide(api: Api, reviewer: str, verdict: str) -> dict[str, Any]:
    claimed = await api.post("/v1/assignments", reviewer)
    assert claimed.status_code == 201, claimed.text
    aid = claimed.json()["id"]
    r = await api.post(f"/v1/assignments/{aid}/decision", reviewer, json={"verdict": verdict})
    assert r.status_code == 200, r.text
    return {"assignment": aid, **r.json()}


async def _item(api: Api, item_id: str) -> dict[str, Any]:
    return dict((await api.get(f"/v1/items/{item_id}")).json())


async def test_an_escalated_item_waits_for_a_senior_final_decision(api: Api, redis: Redis) -> None:
    keys = await api.world({"r1": {}, "s1": {"skills": ["senior"]}})
    item = await api.text_item(
        keys["vendor"], "a", labels=LABELS, text="same words", callback_url=HOOK
    )
    first = await _decide(api, keys["r1"], "escalate")
    assert first["status"] == "queued"
    escalated = await _item(api, item["id"])
    assert escalated["status"] == "queued" and "decision" not in escalated
    assert escalated["queue"] == "escalations" and escalated["escalated_at"]
    assert await _events(redis, item["id"]) == []  # not decided: nothing delivered
    # Not banked at the escalation: an exact copy meets no prior decision.
    copy = await api.text_item(keys["vendor"], "b", labels=LABELS, text="same words")
    assert "match" not in copy
    queues = {q["name"]: q for q in (await api.get("/v1/queues", keys["lead"])).json()["data"]}
    assert queues["escalations"]["depth"] == 1

    # The same escalation again changes nothing; the escalating reviewer is not handed it back.
    again = await api.post(
        f"/v1/assignments/{first['assignment']}/decision", keys["r1"], json={"verdict": "escalate"}
    )
    assert again.status_code == 200, again.text
    claimed = await api.post("/v1/assignments", keys["r1"])
    assert claimed.status_code == 201 and claimed.json()["item"]["id"] == copy["id"]

    final = await api.post("/v1/assignments", keys["s1"])
    assert final.status_code == 201 and final.json()["item"]["id"] == item["id"]
    aid = final.json()["id"]
    r = await api.post(f"/v1/assignments/{aid}/decision", keys["s1"], json={"verdict": "remove"})
    assert r.status_code == 200, r.text
    decided = await _item(api, item["id"])
    assert decided["status"] == "decided" and decided["decision"]["verdict"] == "remove"
    assert len(await _events(redis, item["id"])) == 1  # the final decision's webhook, once
    again = await api.post(
        f"/v1/assignments/{aid}/decision", keys["s1"], json={"verdict": "remove"}
    )
    assert again.status_code == 200 and len(await _events(redis, item["id"])) == 1

    # Banked at the final decision, flagged escalated: shown to reviewers, never applied alone.
    later = await api.text_item(
        keys["vendor"], "c", labels=LABELS, text="same words", match_policy="auto"
    )
    assert later["status"] == "queued"
    assert later["match"] == {"item_id": item["id"], "distance": 0, "verdict": "remove"}


async def test_a_reviewer_without_the_skill_is_never_handed_an_escalation(api: Api) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    await api.text_item(keys["vendor"], "a", labels=LABELS)
    await _decide(api, keys["r1"], "escalate")
    assert (await api.post("/v1/assignments", keys["r2"])).status_code == 204


async def test_an_escalated_group_follows_its_leader_and_is_decided_by_the_senior(
    api: Api, redis: Redis
) -> None:
    keys = await api.world({"r1": {}, "s1": {"skills": ["senior"]}})
    leader = await api.text_item(keys["vendor"], "a", labels=LABELS, text="twin", callback_url=HOOK)
    member = await api.text_item(keys["vendor"], "b", labels=LABELS, text="twin", callback_url=HOOK)
    first = await api.post("/v1/assignments", keys["r1"])
    assert first.json()["item"]["group"]["members"] == [member["id"]]
    r = await api.post(
        f"/v1/assignments/{first.json()['id']}/decision", keys["r1"], json={"verdict": "escalate"}
    )
    assert r.status_code == 200, r.text
    assert (await _item(api, member["id"]))["status"] == "queued"  # with its leader, not alone
    assert (await api.post("/v1/assignments", keys["r1"])).status_code == 204

    final = await _decide(api, keys["s1"], "remove")
    assert final["item"] == leader["id"]
    shown = await _item(api, member["id"])
    assert shown["status"] == "decided" and shown["decision"]["verdict"] == "remove"
    assert shown["decision"]["decided_by"] == "group"
    assert len(await _events(redis, member["id"])) == 1
    flags = await redis.hget(skeys.item(member["id"]), "escalated_at")
    assert flags is None  # the member was not escalated itself; its bank entry is flagged:
    copy = await api.text_item(keys["vendor"], "c", labels=LABELS, text="twin", match_policy="auto")
    assert copy["status"] == "queued"  # an escalated decision is never applied by itself
