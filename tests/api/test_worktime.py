"""Working time and hazard pay through HTTP, on the driven clock, in non-UTC time zones."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.api.conftest import Api
from tests.api.test_queue import claim, decide
from tests.api.test_wellbeing import MILD, VIOLENT, exposure, put_policy, work
from wellbeing import worktime

CARACAS, MANILA = ZoneInfo("America/Caracas"), ZoneInfo("Asia/Manila")
# No continuous-work break in the way of the rules under test.
LONG_STRETCHES = {"max_continuous_work_seconds": 86400, "lease_seconds": 7200}


def at(zone: ZoneInfo, *when: int) -> float:
    return datetime(*when, tzinfo=zone).timestamp()  # type: ignore[misc]


def when(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


async def refused(api: Api, key: str) -> dict[str, Any]:
    r = await api.post("/v1/assignments", key)
    assert r.status_code == 423, r.text
    return dict(r.json())


async def items(api: Api, vendor: str, n: int, **fields: Any) -> None:
    for i in range(n):
        await api.text_item(vendor, f"x{api.clock()}-{i}", **fields)


async def test_the_timezone_is_an_iana_name(api: Api) -> None:
    await api.world()
    r = await api.client.put(
        "/v1/teams/t1/policy", headers=api.admin, json={"timezone": "Mars/Olympus_Mons"}
    )
    assert r.status_code == 422 and "IANA" in r.json()["detail"], r.text
    body = await put_policy(api, timezone="America/Caracas", hazard={"cap_percent": 50})
    assert body["timezone"] == "America/Caracas"
    assert body["hazard"] == {"percent_per_severe_hour": 0.5, "cap_percent": 50}
    assert body["max_work_seconds_per_day"] == 8 * 3600
    assert body["max_work_seconds_per_week"] == 40 * 3600


async def test_the_day_ends_at_local_midnight_in_caracas(api: Api) -> None:
    keys = await api.world()
    await put_policy(
        api, timezone="America/Caracas", max_work_seconds_per_day=3600, **LONG_STRETCHES
    )
    await items(api, keys["vendor"], 8)
    api.clock.now = at(CARACAS, 2026, 11, 20, 22, 30)  # 02:30 UTC on the 21st
    for _ in range(6):
        await work(api, keys["r1"], seconds=600)
    problem = await refused(api, keys["r1"])
    assert problem["reason"] == "workday_over"
    assert when(problem["break_until"]) == at(CARACAS, 2026, 11, 21, 0, 0)
    work_now = (await exposure(api, keys["r1"]))["work"]
    assert work_now["today_seconds"] == 3600 and work_now["left_seconds"] == 0
    assert work_now["timezone"] == "America/Caracas"
    lead_view = (await api.get("/v1/teams/t1/exposure", keys["lead"])).json()["data"][0]
    assert lead_view["work"]["today_seconds"] == 3600
    api.clock.now = at(CARACAS, 2026, 11, 21, 0, 0) + 1  # a new local day (UTC's is 4 h old)
    assert await claim(api, keys["r1"]) is not None
    api.clock.advance(30)
    assert (await exposure(api, keys["r1"]))["work"]["today_seconds"] == 30


async def test_the_item_in_hand_is_finished_past_the_limit(api: Api) -> None:
    keys = await api.world()
    await put_policy(api, timezone="Asia/Manila", max_work_seconds_per_day=3600, **LONG_STRETCHES)
    await items(api, keys["vendor"], 3)
    api.clock.now = at(MANILA, 2026, 11, 20, 9, 0)
    await work(api, keys["r1"], seconds=3000)
    a = await claim(api, keys["r1"])
    assert a is not None
    api.clock.advance(900)  # 15 minutes past the day's hour, item in hand
    again = await claim(api, keys["r1"])  # asking again hands back the same item, no 423
    assert again is not None and again["id"] == a["id"]
    hb = await api.post(f"/v1/assignments/{a['id']}/heartbeat", keys["r1"])
    assert hb.status_code == 200, hb.text
    assert await decide(api, keys["r1"], a["id"]) == 200
    problem = await refused(api, keys["r1"])
    assert problem["reason"] == "workday_over"
    assert when(problem["break_until"]) == at(MANILA, 2026, 11, 21, 0, 0)
    assert (await exposure(api, keys["r1"]))["work"]["today_seconds"] == 3900


async def test_the_rolling_week_frees_time_as_old_work_leaves_it(api: Api) -> None:
    keys = await api.world()
    await put_policy(
        api,
        timezone="Asia/Manila",
        max_work_seconds_per_day=7200,
        max_work_seconds_per_week=4 * 3600,
        **LONG_STRETCHES,
    )
    await items(api, keys["vendor"], 10)
    first = at(MANILA, 2026, 11, 20, 9, 0)
    api.clock.now = first
    for _ in range(2):
        await work(api, keys["r1"], seconds=3600)
    assert (await refused(api, keys["r1"]))["reason"] == "workday_over"  # the day's 2 h
    api.clock.now = at(MANILA, 2026, 11, 21, 9, 0)
    for _ in range(2):
        await work(api, keys["r1"], seconds=3600)
    api.clock.now = at(MANILA, 2026, 11, 22, 9, 0)  # a new day, but the week has 4 h
    problem = await refused(api, keys["r1"])
    assert problem["reason"] == "workday_over"
    # Free again when the first 15 minutes of the 20th leave the rolling week.
    assert when(problem["break_until"]) == pytest.approx(first + 900 + 7 * 86400, abs=0.01)
    api.clock.now = first + 900 + 7 * 86400 + 1
    assert await claim(api, keys["r1"]) is not None


async def test_hazard_pay_for_a_month_of_manila(api: Api) -> None:
    keys = await api.world()
    await put_policy(
        api,
        timezone="Asia/Manila",
        hazard={"percent_per_severe_hour": 20, "cap_percent": 35},
        **LONG_STRETCHES,
    )
    v = keys["vendor"]
    api.clock.now = at(MANILA, 2026, 11, 20, 10, 0)
    await items(api, v, 2, labels=VIOLENT)
    await work(api, keys["r1"], seconds=600)  # severe, 10:00 hour
    api.clock.advance(3600)
    await work(api, keys["r1"], seconds=600)  # severe, 11:00 hour
    api.clock.advance(3600)
    await items(api, v, 1, labels=MILD)
    await work(api, keys["r1"], seconds=600)  # not severe
    # Across the local month's end (still November in UTC): half the hour is December's.
    api.clock.now = at(MANILA, 2026, 11, 30, 23, 30)
    await items(api, v, 1, labels=VIOLENT)
    await work(api, keys["r1"], seconds=3600)
    api.clock.advance(3600)

    r = await api.get("/v1/teams/t1/hazard?period=2026-11", keys["lead"])
    assert r.status_code == 200, r.text
    # 2 x 10 min x severity 0.9 x text 0.25 = 4.5 severe-minutes; 20 % x 2 h capped at 35.
    assert r.json() == {
        "data": [
            {
                "reviewer": "r1",
                "work_hours": 1.0,
                "severe_hours": 2,
                "dose": 4.5,
                "supplement_percent": 35,
            }
        ]
    }
    december = (await api.get("/v1/teams/t1/hazard?period=2026-12")).json()
    assert december["data"] == [
        {
            "reviewer": "r1",
            "work_hours": 0.5,
            "severe_hours": 1,
            "dose": 13.5,
            "supplement_percent": 20,
        }
    ]
    r = await api.client.get(
        "/v1/teams/t1/hazard?period=2026-11",
        headers={"Authorization": f"Bearer {keys['lead']}", "Accept": "text/csv"},
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows == [
        {
            "reviewer": "r1",
            "work_hours": "1.0",
            "severe_hours": "2",
            "dose": "4.5",
            "supplement_percent": "35.0",
        }
    ]


async def test_hazard_access_and_periods(api: Api) -> None:
    keys = await api.world()
    assert (await api.post("/v1/teams", json={"id": "t2", "name": "T2"})).status_code == 201
    other_lead = await api.key("lead", team="t2")
    path = "/v1/teams/t1/hazard?period=2026-11"
    assert (await api.get(path, keys["lead"])).status_code == 200
    assert (await api.get(path)).status_code == 200  # admin
    assert (await api.get(path, keys["r1"])).status_code == 403
    assert (await api.get(path, keys["vendor"])).status_code == 403
    assert (await api.get(path, other_lead)).status_code == 404
    assert (await api.get("/v1/teams/nope/hazard?period=2026-11")).status_code == 404
    for bad in ("2026-13", "2026-1", "26-11", "0999-01"):
        r = await api.get(f"/v1/teams/t1/hazard?period={bad}", keys["lead"])
        assert r.status_code == 422, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await api.get("/v1/teams/t1/hazard", keys["lead"])).status_code == 422


async def test_work_per_local_day_splits_a_stretch_at_midnight(api: Api) -> None:
    keys = await api.world()
    await put_policy(api, timezone="America/Caracas", **LONG_STRETCHES)
    await items(api, keys["vendor"], 2)
    api.clock.now = at(CARACAS, 2026, 11, 20, 23, 0)
    await work(api, keys["r1"], seconds=5400)  # 23:00 to 00:30
    a = await claim(api, keys["r1"])  # held, never decided: the lease runs out at 02:30
    assert a is not None
    api.clock.now = at(CARACAS, 2026, 11, 21, 4, 0)
    assert await claim(api, keys["r1"]) is not None  # the expired lease is swept: it was work
    ctx = api.app.state.ctx
    days = await worktime.work_per_day(
        scripts=ctx.scripts,
        reviewer="r1",
        zone=CARACAS,
        first=date(2026, 11, 19),
        last=date(2026, 11, 22),
        now=api.clock(),
    )
    assert days == [  # (day, seconds, breaks)
        (date(2026, 11, 19), 0.0, 0),
        (date(2026, 11, 20), 3600.0, 0),
        (date(2026, 11, 21), 2 * 3600 + 1800.0, 0),  # 00:00-02:30 held; the new one just began
        (date(2026, 11, 22), 0.0, 0),
    ]
