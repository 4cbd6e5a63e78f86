"""Any valid policy, however small or large its numbers, never makes the service answer 5xx.

The contract makes every positive budget and duration valid. Budgets are floats from the
smallest positive double to the largest finite one; durations are whole numbers up to far past
what Lua, Redis or a datetime can hold. Each example puts such a policy through HTTP, works a
few items under it on the fake clock, and reads every view of it: the team's and the reviewer's
exposure, /v1/me, alerts, the CSV exports, the audit. Seeded and derandomized, with a bounded
number of examples, so it is repeatable and takes seconds.
"""

from __future__ import annotations

import asyncio
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from exposure.keys import MICRO
from tests.api.conftest import Api, make_app
from tests.api.test_queue import claim, decide
from tests.conftest import FakeClock
from wellbeing import jobs
from wellbeing.policy import LONGEST_SECONDS

VIOLENT = [{"category": "violence", "severity": 0.9}]
MILD = [{"category": "spam", "severity": 0.9}]
FLOAT_MAX = sys.float_info.max
TINIEST = 5e-324

budget = st.one_of(
    st.sampled_from([TINIEST, 1e-300, 1e-7, 1e-6, 2.5e-6, 0.2, 1, 300, 1e300, FLOAT_MAX]),
    st.floats(min_value=TINIEST, max_value=FLOAT_MAX, allow_nan=False, allow_infinity=False),
)
share = st.one_of(  # numbers in (0, 1]
    st.sampled_from([TINIEST, 1e-300, 1e-6, 0.01, 0.5, 0.9999999999999999, 1]),
    st.floats(min_value=0, max_value=1, exclude_min=True),
)
huge = [LONGEST_SECONDS - 1, LONGEST_SECONDS, LONGEST_SECONDS + 1, 2**53 + 1, 2**63, 10**300]
duration = st.one_of(
    st.sampled_from([1, 2, 59, 60, 61, 300, 3600, *huge]),
    st.integers(min_value=1, max_value=10**30),
    st.integers(min_value=1, max_value=10_000).map(float),  # whole numbers written as floats
)
policies = st.fixed_dictionaries(
    {},
    optional={
        "budgets": st.fixed_dictionaries(
            {}, optional={"hour": budget, "day": budget, "week": budget}
        ),
        "severe_threshold": share,
        "max_consecutive_severe": duration,
        "cooldown_after_severe_seconds": st.one_of(st.just(0), duration),
        "max_continuous_work_seconds": duration,
        "break_seconds": duration,
        "checkin_interval_seconds": duration,
        "low_mood_threshold": st.integers(min_value=1, max_value=5),
        "low_mood_budget_factor": share,
        "lease_seconds": duration,
        "fair_share_margin": share,
        "fair_share_threshold": share,
        "fair_share_max_wait_seconds": duration,
    },
)
steps = st.lists(
    st.sampled_from([1, 30, 61, 301, 3601, 86_401, 8 * 86_400, 40 * 86_400]), min_size=3, max_size=6
)


def check(r: httpx.Response) -> httpx.Response:
    assert r.status_code < 500, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    return r


def expected_fraction(row: dict[str, Any]) -> float:
    """The share of the tightest budget used, from the dose and budget the view reports."""
    used = 0.0
    for w in ("hour", "day", "week"):
        units = round(row["dose"][w] * MICRO)
        share_ = units / (row["budget"][w] * MICRO)
        used = max(used, FLOAT_MAX if math.isinf(share_) else share_)
    return round(used, 4)


async def views(api: Api, keys: dict[str, str]) -> None:
    """Every read of the policy's effects: none may fail, and the numbers must hold together."""
    for path, key in [
        ("/v1/me", keys["r1"]),
        ("/v1/me/exposure", keys["r1"]),
        ("/v1/me", keys["r2"]),
        ("/v1/reviewers/r1/exposure?days=2", keys["lead"]),
        ("/v1/alerts?team=t1", keys["lead"]),
        ("/v1/queues", keys["lead"]),
        ("/v1/teams/t1/exposure.csv?days=35", keys["lead"]),
        ("/v1/audit.csv", None),
        ("/v1/teams/t1/policy", keys["lead"]),
    ]:
        check(await api.get(path, key))
    team = check(await api.get("/v1/teams/t1/exposure", keys["lead"])).json()["data"]
    for row in team:
        assert math.isfinite(row["used_fraction"]) and row["used_fraction"] >= 0
        assert all(b > 0 and math.isfinite(b) for b in row["budget"].values()), row
        assert row["used_fraction"] == expected_fraction(row), row
    mine = check(await api.get("/v1/me/exposure", keys["r1"])).json()
    assert mine["used_fraction"] == team[0]["used_fraction"]


async def scenario(api: Api, chosen: dict[str, Any], advances: list[int], low_mood: bool) -> None:
    """One policy, from a clean Redis: put it, work a few items under it, read every view."""
    ctx = api.app.state.ctx
    await ctx.redis.flushall()
    keys = await api.world({"r1": {}, "r2": {}})
    r = check(await api.client.put("/v1/teams/t1/policy", headers=api.admin, json=chosen))
    assert r.status_code == 200, r.text
    stored = r.json()
    for name, value in chosen.items():
        if name != "budgets":
            assert stored[name] == value, (name, stored[name], value)
    for name, value in chosen.get("budgets", {}).items():
        assert stored["budgets"][name] == value
    for n in range(3):
        await api.text_item(keys["vendor"], f"s{n}", labels=VIOLENT, priority=9 - n)
        await api.text_item(keys["vendor"], f"m{n}", labels=MILD)
    if low_mood:
        check(await api.post("/v1/me/checkins", keys["r1"], json={"mood": 1}))
    for n, seconds in enumerate(advances):
        rid = ("r1", "r2")[n % 2]
        r = check(await api.post("/v1/assignments", keys[rid]))
        if r.status_code in (200, 201):
            aid = r.json()["id"]
            api.clock.advance(seconds / 2)
            check(await api.post(f"/v1/assignments/{aid}/heartbeat", keys[rid]))
            api.clock.advance(seconds / 2)
            assert await decide(api, keys[rid], aid) < 500
        else:
            api.clock.advance(seconds)
        await jobs.team_pass(redis=ctx.redis, scripts=ctx.scripts, now=api.clock())
        await jobs.sla_risk(
            redis=ctx.redis, scripts=ctx.scripts, now=api.clock(), lease_default=300
        )
        check(await api.get("/v1/teams/t1/exposure", keys["lead"]))
    check(await api.post("/v1/me/breaks", keys["r2"]))  # the team's break_seconds
    check(await api.post("/v1/me/breaks", keys["r1"], json={"minutes": 480}))
    await views(api, keys)
    assert check(await api.post("/v1/assignments", keys["r1"])).status_code == 423


def test_no_valid_policy_makes_any_view_fail(redis_url: str, tmp_path: Path) -> None:
    """One app for every example (a clean Redis each time), on one event loop: examples are
    cheap, so the run stays at a few seconds. No shrinking: the failing example is printed as
    drawn, and shrinking one that crosses the whole API would take minutes."""
    loop = asyncio.new_event_loop()
    clock = FakeClock()
    app = make_app(redis_url, tmp_path, clock)
    lifespan = app.router.lifespan_context(app)
    loop.run_until_complete(lifespan.__aenter__())
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    api = Api(app, http, clock)

    @seed(20261201)
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(chosen=policies, advances=steps, low_mood=st.booleans())
    def example(chosen: dict[str, Any], advances: list[int], low_mood: bool) -> None:
        clock.now = FakeClock().now
        loop.run_until_complete(scenario(api, chosen, advances, low_mood))

    try:
        example()
    finally:
        loop.run_until_complete(http.aclose())
        loop.run_until_complete(lifespan.__aexit__(None, None, None))
        loop.close()


async def test_a_day_budget_of_a_millionth_caps_and_reads(api: Api) -> None:
    """The issue's example: a day budget that is one ledger unit (and one smaller than a unit)."""
    keys = await api.world()
    for day in (1e-6, 1e-7):
        body = {"budgets": {"hour": 1000, "day": day, "week": 1000}}
        r = await api.client.put("/v1/teams/t1/policy", headers=api.admin, json=body)
        assert r.status_code == 200 and r.json()["budgets"]["day"] == day, r.text
        team = (await api.get("/v1/teams/t1/exposure", keys["lead"])).json()["data"]
        assert team[0]["budget"]["day"] == day
    for n in range(2):
        await api.text_item(keys["vendor"], f"severe{n}", labels=VIOLENT, priority=9)
    a = await claim(api, keys["r1"])
    assert a is not None
    api.clock.advance(60)
    assert await decide(api, keys["r1"], a["id"]) == 200
    # 0.225 severe-minutes against a budget of 1e-7: used 2,250,000 times over, and capped.
    for path in ("/v1/teams/t1/exposure", "/v1/me", "/v1/me/exposure"):
        key = keys["lead"] if "teams" in path else keys["r1"]
        assert (await api.get(path, key)).status_code == 200
    team = (await api.get("/v1/teams/t1/exposure", keys["lead"])).json()["data"]
    assert team[0]["dose"]["day"] == 0.225 and team[0]["used_fraction"] == 2_250_000
    r = await api.get("/v1/reviewers/r1/exposure?days=1", keys["lead"])
    assert r.status_code == 200 and r.json()["current"]["used_fraction"] == 2_250_000
    assert await claim(api, keys["r1"]) is None  # the other severe item waits
    alerts = (await api.get("/v1/alerts?team=t1", keys["lead"])).json()["data"]
    assert [x["type"] for x in alerts] == ["budget_exceeded"]


async def test_a_duration_past_a_century_is_kept_as_given_and_acts_as_one(api: Api) -> None:
    keys = await api.world()
    body = {"break_seconds": 10**30, "lease_seconds": 2**63, "checkin_interval_seconds": 10**19}
    r = await api.client.put("/v1/teams/t1/policy", headers=api.admin, json=body)
    assert r.status_code == 200 and r.json()["break_seconds"] == 10**30, r.text
    got = (await api.get("/v1/teams/t1/policy", keys["lead"])).json()
    assert (got["break_seconds"], got["lease_seconds"]) == (10**30, 2**63)
    await api.text_item(keys["vendor"], "t")
    a = await claim(api, keys["r1"])
    assert a is not None
    century = datetime.fromtimestamp(api.clock() + LONGEST_SECONDS, UTC)
    assert a["lease_expires_at"].startswith(century.isoformat()[:19])
    r = await api.post("/v1/me/breaks", keys["r1"])
    assert r.status_code == 201 and r.json()["break_until"].startswith(century.isoformat()[:19])


async def test_a_tiny_severe_threshold_still_leaves_severity_zero_items_mild(api: Api) -> None:
    # A threshold of 0.004 once rounded to band 0, where every item counted as severe: with the
    # budget spent, the reviewer got nothing at all instead of the non-severe items.
    keys = await api.world()
    body = {"severe_threshold": 0.004, "budgets": {"hour": 1e-6}, "fair_share_threshold": 1e-9}
    r = await api.client.put("/v1/teams/t1/policy", headers=api.admin, json=body)
    assert r.status_code == 200, r.text
    await api.text_item(keys["vendor"], "severe", labels=VIOLENT, priority=9)
    await api.text_item(keys["vendor"], "mild", labels=MILD)
    (queue,) = (await api.get("/v1/queues", keys["lead"])).json()["data"]
    assert (queue["depth"], queue["severe_depth"]) == (2, 1)
    a = await claim(api, keys["r1"])
    assert a is not None and a["item"]["text"].endswith("severe")
    api.clock.advance(60)
    assert await decide(api, keys["r1"], a["id"]) == 200
    a = await claim(api, keys["r1"])  # budget spent: severity 0 is below 0.004, so it comes
    assert a is not None and a["item"]["text"].endswith("mild")


async def test_alerts_about_small_values_do_not_round_them_to_zero(api: Api) -> None:
    keys = await api.world()
    body = {
        "max_continuous_work_seconds": 30,
        "lease_seconds": 3600,
        "low_mood_budget_factor": 0.001,
    }
    r = await api.client.put("/v1/teams/t1/policy", headers=api.admin, json=body)
    assert r.status_code == 200, r.text
    await api.text_item(keys["vendor"], "long")
    a = await claim(api, keys["r1"])
    assert a is not None
    for _ in range(4):  # 6 minutes on the item, heartbeating
        api.clock.advance(90)
        assert (await api.post(f"/v1/assignments/{a['id']}/heartbeat", keys["r1"])).is_success
    ctx = api.app.state.ctx
    await jobs.team_pass(redis=ctx.redis, scripts=ctx.scripts, now=api.clock())
    assert (await api.post("/v1/me/checkins", keys["r1"], json={"mood": 1})).status_code == 201
    details = {
        x["type"]: x["detail"] for x in (await api.get("/v1/alerts", keys["lead"])).json()["data"]
    }
    assert "worked 6 minutes without a break (the limit is 0.5)" in details["break_overdue"]
    assert "budgets are at 0.1% for the rest of the day" in details["low_mood"]
