"""Wellbeing rules through HTTP, on a clock the test drives: every rule the scheduler obeys."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.test_queue import claim, decide
from wellbeing import jobs

VIOLENT = [{"category": "violence", "severity": 0.9}]  # effective 0.9: severe
MILD = [{"category": "spam", "severity": 0.9}]  # effective 0: never severe


async def put_policy(api: Api, team: str = "t1", **policy: Any) -> dict[str, Any]:
    r = await api.client.put(f"/v1/teams/{team}/policy", headers=api.admin, json=policy)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def exposure(api: Api, key: str) -> dict[str, Any]:
    r = await api.get("/v1/me/exposure", key)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def work(api: Api, key: str, seconds: float = 60) -> dict[str, Any]:
    """Claim, look for `seconds`, approve. Returns the assignment."""
    a = await claim(api, key)
    assert a is not None
    api.clock.advance(seconds)
    assert await decide(api, key, a["id"]) == 200
    return a


async def a_stretch(api: Api, minutes: int, break_seconds: int) -> dict[str, str]:
    """r1 under a 300 s work limit, ten text items queued, `minutes` of them worked: the keys."""
    keys = await api.world()
    await put_policy(api, max_continuous_work_seconds=300, break_seconds=break_seconds)
    for n in range(10):
        await api.text_item(keys["vendor"], f"t{n}")
    for _ in range(minutes):
        await work(api, keys["r1"], seconds=60)
    return keys


async def test_a_decision_records_its_dose_in_every_window(api: Api) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "t", labels=VIOLENT)
    await work(api, keys["r1"], seconds=120)
    # 2 minutes x severity 0.9 x text 0.25 (text is never mitigated) = 0.45 severe-minutes
    windows = (await exposure(api, keys["r1"]))["windows"]
    assert {w: windows[w]["dose"] for w in windows} == {"hour": 0.45, "day": 0.45, "week": 0.45}
    assert windows["day"]["budget"] == 300
    r = await api.get("/v1/reviewers/r1/exposure?days=1", keys["lead"])
    hours = r.json()["data"]
    assert len(hours) == 24 and hours[-1]["dose"] == 0.45 and hours[-1]["items"] == 1
    assert sum(h["items"] for h in hours) == 1


async def test_windows_roll_on_the_clock(api: Api) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "t", labels=VIOLENT)
    await work(api, keys["r1"], seconds=60)
    api.clock.advance(3601)
    w = (await exposure(api, keys["r1"]))["windows"]
    assert (w["hour"]["dose"], w["day"]["dose"], w["week"]["dose"]) == (0, 0.225, 0.225)
    api.clock.advance(86400)
    w = (await exposure(api, keys["r1"]))["windows"]
    assert (w["hour"]["dose"], w["day"]["dose"], w["week"]["dose"]) == (0, 0, 0.225)
    api.clock.advance(7 * 86400)
    w = (await exposure(api, keys["r1"]))["windows"]
    assert w["week"]["dose"] == 0


async def test_time_on_screen_is_capped_by_the_lease(api: Api) -> None:
    keys = await api.world()
    await put_policy(api, lease_seconds=60)
    await api.text_item(keys["vendor"], "t", labels=VIOLENT)
    a = await claim(api, keys["r1"])
    assert a is not None
    api.clock.advance(600)  # walked away: the lease ran out after 60 s
    assert await claim(api, keys["r1"]) is not None  # the expired lease requeued it
    w = (await exposure(api, keys["r1"]))["windows"]
    assert w["hour"]["dose"] == 0.225  # 1 minute, not 10


async def test_continuous_work_enforces_a_break(api: Api) -> None:
    keys = await a_stretch(api, minutes=5, break_seconds=120)
    r = await api.post("/v1/assignments", keys["r1"])
    assert r.status_code == 423, r.text
    problem = r.json()
    assert problem["reason"] == "continuous_work"
    assert r.headers["content-type"].startswith("application/problem+json")
    until = datetime.fromisoformat(problem["break_until"].replace("Z", "+00:00"))
    assert until.timestamp() == pytest.approx(api.clock() + 120, abs=0.01)
    me = (await api.get("/v1/me", keys["r1"])).json()
    assert me["state"] == "on_break" and me["break_until"] == problem["break_until"]
    api.clock.advance(120)
    assert await claim(api, keys["r1"]) is not None
    assert (await exposure(api, keys["r1"]))["continuous_work_seconds"] == 0


async def test_an_idle_gap_as_long_as_a_break_counts_as_one(api: Api) -> None:
    keys = await a_stretch(api, minutes=4, break_seconds=120)
    api.clock.advance(130)
    for _ in range(4):
        await work(api, keys["r1"], seconds=60)  # no 423: the gap reset the stretch


async def test_an_item_in_hand_is_work_however_long_since_the_last_heartbeat(api: Api) -> None:
    # A heartbeat comes every third of the lease, which can be longer than a team's break: a
    # state read or a team pass in between must not take the time on one item for a break.
    keys = await a_stretch(api, minutes=4, break_seconds=60)
    a = await claim(api, keys["r1"])
    assert a is not None
    api.clock.advance(90)  # within the 300 s lease, past the 60 s break
    assert (await exposure(api, keys["r1"]))["continuous_work_seconds"] == 330
    ctx = api.app.state.ctx
    await jobs.team_pass(redis=ctx.redis, scripts=ctx.scripts, now=api.clock())
    assert await decide(api, keys["r1"], a["id"]) == 200
    r = await api.post("/v1/assignments", keys["r1"])
    assert r.status_code == 423 and r.json()["reason"] == "continuous_work", r.text


async def test_a_break_asked_for_is_granted_at_once_and_releases_the_item(api: Api) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    await api.text_item(keys["vendor"], "t", labels=VIOLENT)
    a = await claim(api, keys["r1"])
    assert a is not None
    api.clock.advance(30)
    r = await api.post("/v1/me/breaks", keys["r1"], json={"minutes": 5})
    assert r.status_code == 201, r.text
    assert r.json()["released"] == a["id"]
    assert (await api.get("/v1/me", keys["r1"])).json()["state"] == "on_break"
    refused = await api.post("/v1/assignments", keys["r1"])
    assert refused.status_code == 423 and refused.json()["reason"] == "requested"
    taken = await claim(api, keys["r2"])  # the item went back for anyone
    assert taken is not None and taken["item"]["id"] == a["item"]["id"]
    assert (await exposure(api, keys["r1"]))["windows"]["hour"]["dose"] > 0  # what was seen
    # granted even without a body, and even when already on a break
    assert (await api.post("/v1/me/breaks", keys["r2"])).status_code == 201
    assert (await api.post("/v1/me/breaks", keys["r2"])).status_code == 201


async def test_text_has_no_colour_reveal(api: Api) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "t", labels=VIOLENT)
    a = await claim(api, keys["r1"])
    assert a is not None
    r = await api.post(f"/v1/assignments/{a['id']}/reveal", keys["r1"], json={"level": "color"})
    assert r.status_code == 409


async def test_rotation_after_consecutive_severe_items(api: Api) -> None:
    keys = await api.world()
    await put_policy(api, max_consecutive_severe=2, cooldown_after_severe_seconds=0)
    for n in range(4):
        await api.text_item(keys["vendor"], f"severe{n}", labels=VIOLENT, priority=9)
    await api.text_item(keys["vendor"], "mild", labels=MILD, priority=0)
    seen = []
    for _ in range(5):
        a = await work(api, keys["r1"], seconds=5)
        seen.append(a["item"]["text"].split()[-1])
    assert seen == ["severe0", "severe1", "mild", "severe2", "severe3"]
    assert (await exposure(api, keys["r1"]))["consecutive_severe"] == 2


async def test_a_spent_budget_stops_severe_items_and_alerts_the_lead(api: Api) -> None:
    keys = await api.world()
    await put_policy(api, budgets={"hour": 0.2, "day": 100, "week": 100})
    for n in range(3):
        await api.text_item(keys["vendor"], f"severe{n}", labels=VIOLENT, priority=9)
    await api.text_item(keys["vendor"], "mild", labels=MILD, priority=0)
    await work(api, keys["r1"], seconds=60)  # 0.225 > 0.2
    a = await work(api, keys["r1"], seconds=5)
    assert a["item"]["text"].endswith("mild")
    assert await claim(api, keys["r1"]) is None  # only severe items wait
    alerts = (await api.get("/v1/alerts?team=t1", keys["lead"])).json()["data"]
    assert [(x["type"], x["reviewer"]) for x in alerts] == [("budget_exceeded", "r1")]
    team = (await api.get("/v1/teams/t1/exposure", keys["lead"])).json()["data"]
    assert team[0]["used_fraction"] > 1 and team[0]["alerts"][0]["type"] == "budget_exceeded"
    api.clock.advance(3600)
    ctx = api.app.state.ctx
    await jobs.team_pass(redis=ctx.redis, scripts=ctx.scripts, now=api.clock())
    assert (await api.get("/v1/alerts?team=t1", keys["lead"])).json()["data"] == []
    assert await claim(api, keys["r1"]) is not None  # the hour cleared


async def test_opted_out_categories_never_come(api: Api) -> None:
    keys = await api.world({"r1": {"opt_outs": ["self_harm"]}})
    await api.text_item(keys["vendor"], "sh", labels=[{"category": "self_harm", "severity": 0.1}])
    assert await claim(api, keys["r1"]) is None


async def test_low_mood_halves_budgets_for_the_day_and_tells_the_lead(api: Api) -> None:
    keys = await api.world()
    r = await api.post("/v1/me/checkins", keys["r1"], json={"mood": 1, "note": "rough one"})
    assert r.status_code == 201 and r.json()["low_mood"] is True
    w = (await exposure(api, keys["r1"]))["windows"]
    assert (w["hour"]["budget"], w["day"]["budget"], w["week"]["budget"]) == (25, 150, 600)
    alerts = (await api.get("/v1/alerts", keys["lead"])).json()["data"]
    assert [a["type"] for a in alerts] == ["low_mood"]
    team = (await api.get("/v1/teams/t1/exposure", keys["lead"])).json()["data"]
    assert set(team[0]["last_checkin"]) == {"at"}  # when, never how (the counsellor's)
    assert (await api.post("/v1/me/checkins", keys["r1"], json={"mood": 4})).status_code == 201
    assert (await api.get("/v1/alerts", keys["lead"])).json()["data"] == []
    w = (await exposure(api, keys["r1"]))["windows"]
    assert w["day"]["budget"] == 150  # still the rest of the day
    api.clock.advance(86400)
    assert (await exposure(api, keys["r1"]))["windows"]["day"]["budget"] == 300


async def test_checkins_are_validated(api: Api) -> None:
    keys = await api.world()
    for body in ({"mood": 0}, {"mood": 6}, {"mood": "3"}, {"mood": 3, "extra": 1}, {}):
        r = await api.post("/v1/me/checkins", keys["r1"], json=body)
        assert r.status_code == 422, body
    me = (await api.get("/v1/me", keys["r1"])).json()
    assert me["checkin_due"] is False  # nothing worked yet, nothing due


async def test_a_checkin_falls_due_at_the_interval(api: Api) -> None:
    keys = await api.world()
    await put_policy(api, checkin_interval_seconds=600, max_continuous_work_seconds=10_000)
    for n in range(20):
        await api.text_item(keys["vendor"], f"t{n}")
    await work(api, keys["r1"], seconds=290)
    assert (await api.get("/v1/me", keys["r1"])).json()["checkin_due"] is False
    await work(api, keys["r1"], seconds=290)
    api.clock.advance(30)
    assert (await api.get("/v1/me", keys["r1"])).json()["checkin_due"] is True
    await api.post("/v1/me/checkins", keys["r1"], json={"mood": 4})
    assert (await api.get("/v1/me", keys["r1"])).json()["checkin_due"] is False


async def test_near_budget_severe_items_go_to_a_teammate_with_more_left(api: Api) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    await put_policy(api, budgets={"hour": 1, "day": 100, "week": 100}, max_consecutive_severe=99)
    v = keys["vendor"]
    await api.text_item(v, "first", labels=VIOLENT)
    await work(api, keys["r2"], seconds=2)  # r2 is active, with plenty left
    await api.text_item(v, "warmup", labels=VIOLENT)
    await work(api, keys["r1"], seconds=240)  # r1: 0.9 of the hour's budget
    soon = datetime.fromtimestamp(api.clock() + 300, UTC).isoformat()
    await api.text_item(v, "later", labels=VIOLENT)
    assert await claim(api, keys["r1"]) is None  # left for r2
    await api.text_item(v, "due-soon", labels=VIOLENT, deadline=soon)
    a = await claim(api, keys["r1"])
    assert a is not None and a["item"]["text"].endswith("due-soon")  # the deadline allows no wait
    b = await claim(api, keys["r2"])
    assert b is not None and b["item"]["text"].endswith("later")


async def test_sla_at_risk_when_no_eligible_reviewer_has_budget(api: Api) -> None:
    keys = await api.world()
    await put_policy(api, budgets={"hour": 0.1, "day": 100, "week": 100})
    await api.text_item(keys["vendor"], "spend", labels=VIOLENT, priority=9)
    await work(api, keys["r1"], seconds=60)
    await api.text_item(keys["vendor"], "urgent", labels=VIOLENT, sla_seconds=600, queue="gore")
    ctx = api.app.state.ctx
    risk = await jobs.sla_risk(
        redis=ctx.redis, scripts=ctx.scripts, now=api.clock(), lease_default=300
    )
    assert risk == {"gore": 1}
    queues = {q["name"]: q for q in (await api.get("/v1/queues", keys["lead"])).json()["data"]}
    assert queues["gore"]["at_risk"] is True and queues["gore"]["severe_depth"] == 1
    alerts = (await api.get("/v1/alerts?team=t1", keys["lead"])).json()["data"]
    assert [(a["type"], a["subject"]) for a in alerts] == [
        ("budget_exceeded", "r1"),
        ("sla_at_risk", "gore"),
    ]
    api.clock.advance(3600)  # r1's hour clears: someone can take it again
    await jobs.sla_risk(redis=ctx.redis, scripts=ctx.scripts, now=api.clock(), lease_default=300)
    alerts = (await api.get("/v1/alerts?team=t1", keys["lead"])).json()["data"]
    assert "sla_at_risk" not in [a["type"] for a in alerts]
    queues = {q["name"]: q for q in (await api.get("/v1/queues", keys["lead"])).json()["data"]}
    assert queues["gore"]["at_risk"] is False


async def test_break_overdue_alert_while_holding_an_item(api: Api) -> None:
    keys = await api.world()
    await put_policy(api, max_continuous_work_seconds=600, lease_seconds=3600)
    await api.text_item(keys["vendor"], "long")
    a = await claim(api, keys["r1"])
    assert a is not None
    ctx = api.app.state.ctx
    for _ in range(10):  # keeps the item for 15 minutes, heartbeating
        api.clock.advance(90)
        hb = await api.post(f"/v1/assignments/{a['id']}/heartbeat", keys["r1"])
        assert hb.status_code == 200
    await jobs.team_pass(redis=ctx.redis, scripts=ctx.scripts, now=api.clock())
    alerts = (await api.get("/v1/alerts", keys["lead"])).json()["data"]
    assert [x["type"] for x in alerts] == ["break_overdue"]
    await api.post("/v1/me/breaks", keys["r1"])
    assert (await api.get("/v1/alerts", keys["lead"])).json()["data"] == []


async def test_the_lead_can_resolve_an_alert(api: Api) -> None:
    keys = await api.world()
    await api.post("/v1/me/checkins", keys["r1"], json={"mood": 2})
    (alert,) = (await api.get("/v1/alerts", keys["lead"])).json()["data"]
    r = await api.post(f"/v1/alerts/{alert['id']}/resolve", keys["lead"])
    assert r.status_code == 200
    assert (await api.get("/v1/alerts", keys["lead"])).json()["data"] == []
    assert (await api.post(f"/v1/alerts/{alert['id']}/resolve", keys["lead"])).status_code == 404


async def test_policy_defaults_validation_and_replacement(api: Api) -> None:
    keys = await api.world()
    got = (await api.get("/v1/teams/t1/policy", keys["lead"])).json()
    assert got["budgets"] == {"hour": 50, "day": 300, "week": 1200}
    assert got["max_continuous_work_seconds"] == 3000 and got["lease_seconds"] == 300
    r = await api.client.put(
        "/v1/teams/t1/policy",
        headers={"Authorization": f"Bearer {keys['lead']}"},
        json={"budgets": {"hour": 2}, "cooldown_after_severe_seconds": 0, "break_seconds": 5},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["budgets"] == {"hour": 2, "day": 300, "week": 1200}
    assert body["cooldown_after_severe_seconds"] == 0 and body["break_seconds"] == 5
    again = await put_policy(api, severe_threshold=0.5)  # a PUT replaces: the rest is default
    assert again["budgets"]["hour"] == 50 and again["break_seconds"] == 600
    for bad in (
        {"budgets": {"hour": 0}},
        {"budgets": {"day": -1}},
        {"budgets": {"month": 5}},
        {"break_seconds": 0},
        {"max_continuous_work_seconds": "300"},
        {"severe_threshold": 1.5},
        {"low_mood_threshold": 6},
        {"low_mood_budget_factor": 0},
        {"cooldown_after_severe_seconds": -1},
        {"lease_seconds": 0},
        {"surprise": 1},
    ):
        r = await api.client.put("/v1/teams/t1/policy", headers=api.admin, json=bad)
        assert r.status_code == 422, bad
        assert r.json()["errors"], bad


async def test_scoping_of_exposure_data(api: Api) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    assert (await api.post("/v1/teams", json={"id": "t2", "name": "T2"})).status_code == 201
    other_lead = await api.key("lead", team="t2")
    assert (await api.get("/v1/teams/t1/exposure", other_lead)).status_code == 404
    assert (await api.get("/v1/teams/t1/policy", other_lead)).status_code == 404
    assert (await api.get("/v1/reviewers/r1/exposure", other_lead)).status_code == 404
    assert (await api.get("/v1/alerts?team=t1", other_lead)).status_code == 404
    assert (await api.get("/v1/teams/nope/exposure", keys["lead"])).status_code == 404
    assert (await api.get("/v1/teams/t1/exposure", keys["vendor"])).status_code == 403
    assert (await api.get("/v1/teams/t1/exposure", keys["r1"])).status_code == 403
    assert (await api.get("/v1/reviewers/r1/exposure", keys["vendor"])).status_code == 403
    assert (await api.get("/v1/me/exposure", keys["vendor"])).status_code == 403
    assert (await api.get("/v1/me/exposure", keys["lead"])).status_code == 403
    assert (await api.get("/v1/reviewers/r1/exposure", keys["r1"])).status_code == 200
    assert (await api.get("/v1/reviewers/r2/exposure", keys["r1"])).status_code == 404
    assert (await api.get("/v1/reviewers/r2/exposure", keys["lead"])).status_code == 200
    assert (await api.get("/v1/queues", keys["vendor"])).status_code == 403
    team = (await api.get("/v1/teams/t1/exposure", keys["lead"])).json()
    assert [row["id"] for row in team["data"]] == ["r1", "r2"] and team["next_cursor"] is None


async def test_team_exposure_pages(api: Api) -> None:
    keys = await api.world({f"r{n}": {} for n in range(5)})
    seen, cursor = [], None
    while True:
        url = "/v1/teams/t1/exposure?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = (await api.get(url, keys["lead"])).json()
        seen += [row["id"] for row in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"r{n}" for n in range(5)]
    bad = await api.get("/v1/teams/t1/exposure?cursor=!!", keys["lead"])
    assert bad.status_code == 422


async def test_periodic_passes_from_two_processes_raise_one_alert(api: Api, redis_url: str) -> None:
    """APScheduler does not coordinate processes: the wellbeing pass must be idempotent."""
    from redis.asyncio import Redis

    from scheduler.scripts import Scripts

    keys = await api.world()
    await put_policy(
        api, max_continuous_work_seconds=60, budgets={"hour": 0.01, "day": 9, "week": 9}
    )
    await api.text_item(keys["vendor"], "t", labels=VIOLENT)
    a = await claim(api, keys["r1"])
    assert a is not None
    api.clock.advance(200)
    assert (await api.post(f"/v1/assignments/{a['id']}/heartbeat", keys["r1"])).status_code == 200
    api.clock.advance(200)
    other = Redis.from_url(redis_url, decode_responses=True)
    try:
        passes = [
            jobs.team_pass(redis=client, scripts=Scripts(client), now=api.clock())
            for client in (api.app.state.ctx.redis, other, api.app.state.ctx.redis, other)
        ]
        await asyncio.gather(*passes)
    finally:
        await other.aclose()
    alerts = (await api.get("/v1/alerts", keys["lead"])).json()["data"]
    assert [x["type"] for x in alerts] == ["break_overdue"]


async def test_the_audit_log_records_reveals_decisions_policies_and_keys(api: Api) -> None:
    keys = await api.world()
    await put_policy(api, break_seconds=300)
    await api.text_item(keys["vendor"], "t", labels=VIOLENT)
    a = await work(api, keys["r1"], seconds=5)
    r = await api.get("/v1/audit?limit=100", api.admin["Authorization"].split()[1])
    entries = r.json()["data"]
    actions = [e["action"] for e in entries]
    assert actions[:2] == ["decide", "policy.update"]
    assert actions.count("key.create") == 3  # vendor, lead, reviewer
    decided = entries[0]
    assert decided["actor"] == "reviewer:r1" and decided["subject"] == a["id"]
    assert '"verdict":"approve"' in decided["detail"]
    assert entries[1]["actor"] == "admin/bootstrap-admin"
    key_id = entries[-1]["subject"]
    assert (await api.client.delete(f"/v1/keys/{key_id}", headers=api.admin)).status_code == 204
    first = (
        await api.get("/v1/audit?limit=1&action=key.revoke", api.admin["Authorization"].split()[1])
    ).json()
    assert first["data"][0]["subject"] == key_id
    csv = await api.get("/v1/audit.csv", api.admin["Authorization"].split()[1])
    assert csv.headers["content-type"].startswith("text/csv") and "key.revoke" in csv.text
    assert (await api.get("/v1/audit", keys["lead"])).status_code == 403


async def test_a_checkin_falls_due_even_with_breaks_more_often_than_the_interval(api: Api) -> None:
    keys = await api.world()
    await put_policy(api, checkin_interval_seconds=600, break_seconds=60)
    for n in range(12):
        await api.text_item(keys["vendor"], f"t{n}")
    for _ in range(4):  # 3 minutes of work, then a break, and again
        await work(api, keys["r1"], seconds=180)
        assert (await api.post("/v1/me/breaks", keys["r1"], json={"minutes": 1})).status_code == 201
        api.clock.advance(60)
    assert (await api.get("/v1/me", keys["r1"])).json()["checkin_due"] is True


async def test_retrying_at_the_announced_break_end_is_not_refused(api: Api) -> None:
    keys = await api.world()
    await put_policy(api, max_continuous_work_seconds=60, break_seconds=30)
    for n in range(3):
        await api.text_item(keys["vendor"], f"t{n}")
    api.clock.advance(0.123456789)  # an end time with more digits than a reply keeps
    await work(api, keys["r1"], seconds=61)
    r = await api.post("/v1/assignments", keys["r1"])
    assert r.status_code == 423
    until = datetime.fromisoformat(r.json()["break_until"].replace("Z", "+00:00")).timestamp()
    api.clock.now = until
    assert (await api.post("/v1/assignments", keys["r1"])).status_code == 201
