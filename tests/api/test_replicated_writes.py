"""Acknowledged means replicated: the WAIT rule, its 503, and the settings that choose it.

The suite's Redis has no replica, so requiring one makes every told write time out in WAIT:
that is how the 503 path is exercised without a Sentinel deployment (tests/api/test_failover.py
runs the real one). The write did run on the primary, which is what makes the retry question
real: the retry must find it and answer as if it were the first acknowledgement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from api.settings import Settings
from embedded_redis import EmbeddedRedis
from tests.api.conftest import ADMIN_KEY, Api, make_app
from tests.conftest import FakeClock


def test_sentinel_settings_choose_one_replica_and_parse_addresses() -> None:
    s = Settings(REDIS_SENTINELS="10.0.0.1:26379, sentinel-b:26380", REDIS_SENTINEL_MASTER="m")
    assert s.sentinels == [("10.0.0.1", 26379), ("sentinel-b", 26380)]
    assert s.min_replicas == 1 and s.has_redis
    assert Settings(redis_url="redis://x:6379/0").min_replicas == 0
    assert Settings(redis_min_replicas=2).min_replicas == 2


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"REDIS_SENTINELS": "a:26379"}, "REDIS_SENTINEL_MASTER"),
        ({"REDIS_SENTINELS": "a", "REDIS_SENTINEL_MASTER": "m"}, "host:port"),
        ({"REDIS_SENTINELS": "a:99999", "REDIS_SENTINEL_MASTER": "m"}, "host:port"),
    ],
)
def test_a_broken_sentinel_setting_stops_start_up_and_says_why(
    env: dict[str, str], says: str
) -> None:
    with pytest.raises(ValidationError, match=says):
        Settings(**env)  # type: ignore[arg-type]


def _app(redis_url: str, tmp: Path, clock: FakeClock, replicas: int) -> Any:
    return make_app(redis_url, tmp, clock, redis_min_replicas=replicas, redis_wait_timeout_ms=50)


async def test_an_unreplicated_write_is_503_with_retry_after_and_the_retry_is_safe(
    api: Api, redis_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    keys = await api.world()
    strict = _app(redis_url, tmp_path, clock, replicas=1)
    async with strict.router.lifespan_context(strict):
        transport = httpx.ASGITransport(app=strict)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            vendor = {"Authorization": f"Bearer {keys['vendor']}"}
            reviewer = {"Authorization": f"Bearer {keys['r1']}"}
            body = {"external_id": "e1", "text": "synthetic"}
            r = await client.post("/v1/items", headers=vendor, json=body)
            assert r.status_code == 503, r.text
            assert r.headers["content-type"] == "application/problem+json"
            assert int(r.headers["Retry-After"]) >= 1
            assert "replica" in r.json()["detail"] and "Retry" in r.json()["detail"]
            c = await client.post("/v1/assignments", headers=reviewer)
            assert c.status_code == 503 and "Retry-After" in c.headers
            # Reads and untold writes do not wait.
            assert (await client.get("/readyz")).status_code == 200
    # The replica is back (here: the rule relaxed): the same requests, retried, are answered
    # as the first acknowledgement would have been: one item, one assignment.
    first = await api.post("/v1/items", keys["vendor"], json=body)
    assert first.status_code == 200  # already there: the vendor's retry is idempotent
    claim = await api.post("/v1/assignments", keys["r1"])
    assert claim.status_code in (200, 201) and claim.json()["item"]["id"] == first.json()["id"]
    again = await api.post("/v1/assignments", keys["r1"])
    assert again.json()["id"] == claim.json()["id"]  # the claim that 503'd was the same lease


async def test_with_no_replicas_required_nothing_waits(api: Api) -> None:
    keys = await api.world()
    item = await api.text_item(keys["vendor"], "e1")
    claim = await api.post("/v1/assignments", keys["r1"])
    assert claim.json()["item"]["id"] == item["id"]


async def test_redis_gone_is_503_with_retry_after_not_500(tmp_path: Path, clock: FakeClock) -> None:
    """A dead primary (or one Sentinel is replacing) answers 503 + Retry-After, never 500."""
    server = EmbeddedRedis(tmp_path / "own-redis", durable=False)
    app = make_app(server.start(), tmp_path, clock)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                server.stop()
                r = await client.post(
                    "/v1/assignments", headers={"Authorization": f"Bearer {ADMIN_KEY}x"}
                )
                assert r.status_code == 503, r.text
                assert r.headers["content-type"] == "application/problem+json"
                assert "Retry-After" in r.headers and "Retry" in r.json()["detail"]
                assert "redis" not in r.json()["detail"].lower()  # internals stay inside
    finally:
        server.stop()
