"""Retention (issue 19): a reviewer's exposure events, check-ins and stretches of work are kept
SAFESHIFT_EXPOSURE_RETENTION_DAYS (default 400) and deleted after, by the periodic retention
pass, on the service's clock (driven here)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api import periodic
from exposure import keys as exposure_keys
from scheduler import keys as scheduler_keys
from tests.api.conftest import Api, make_app
from tests.api.test_record import work
from tests.conftest import FakeClock
from wellbeing import keys as wellbeing_keys

DAY = 86400


@pytest.fixture
async def ten_days(
    redis: Any, redis_url: str, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Api]:
    """The app as a deployment that keeps ten days configures it: through the environment."""
    monkeypatch.setenv("SAFESHIFT_EXPOSURE_RETENTION_DAYS", "10")
    app = make_app(redis_url, tmp_path, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(app, client, clock)


async def a_day_of_work(api: Api, keys: dict[str, str], name: str) -> None:
    await api.text_item(keys["vendor"], name)
    await work(api, keys["r1"], 60)
    r = await api.post("/v1/me/checkins", keys["r1"], json={"mood": 4, "note": name})
    assert r.status_code == 201


async def retention(api: Api) -> None:
    """The periodic job as the scheduler runs it (its lock, held in Redis's own time, freed
    first: the test's clock jumps days in a moment)."""
    await api.app.state.ctx.redis.delete(scheduler_keys.lock("retention"))
    await periodic.retention(api.app.state.ctx)


async def kept(api: Api) -> tuple[list[str], list[str], int]:
    """Item ids of the events, notes of the check-ins, and stretches of work stored for r1."""
    redis = api.app.state.ctx.redis
    events = [e["item"] for _, e in await redis.xrange(exposure_keys.events("r1"))]
    checkins = [c["note"] for _, c in await redis.xrange(wellbeing_keys.checkins("r1"))]
    return events, checkins, await redis.zcard(wellbeing_keys.work("r1"))


async def test_older_than_the_retention_goes_younger_stays(ten_days: Api) -> None:
    api = ten_days
    assert api.app.state.ctx.settings.exposure_retention_days == 10
    keys = await api.world()
    await a_day_of_work(api, keys, "old")
    api.clock.advance(6 * DAY)
    await a_day_of_work(api, keys, "young")
    api.clock.advance(DAY)
    await a_day_of_work(api, keys, "younger")
    events, checkins, stretches = await kept(api)
    assert len(events) == 3 and checkins == ["old", "young", "younger"] and stretches == 2

    api.clock.advance(5 * DAY)  # "old" is 12 days old, "young" 6, "younger" 5
    await retention(api)
    events, checkins, stretches = await kept(api)
    assert len(events) == 2 and checkins == ["young", "younger"] and stretches == 1
    record = (await api.get("/v1/me/record?from=2026-11-18&to=2026-12-01", keys["r1"])).json()
    assert [e["at"][:10] for e in record["events"]] == ["2026-11-24", "2026-11-25"]
    assert record["days"][0] == {"date": "2026-11-18", "work_seconds": 0, "dose": 0, "breaks": 0}

    api.clock.advance(20 * DAY)  # everything is old now: the keys go
    await retention(api)
    assert await kept(api) == ([], [], 0)


async def test_the_default_keeps_four_hundred_days(api: Api) -> None:
    assert api.app.state.ctx.settings.exposure_retention_days == 400
    keys = await api.world()
    await a_day_of_work(api, keys, "a")
    api.clock.advance(399 * DAY)
    await retention(api)
    events, checkins, _ = await kept(api)
    assert len(events) == 1 and checkins == ["a"]
    api.clock.advance(2 * DAY)
    await retention(api)
    assert (await kept(api))[:2] == ([], [])
