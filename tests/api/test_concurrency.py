"""Two app instances on one Redis, many reviewers claiming at once: no item twice, none lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path

import httpx

from api import periodic
from scheduler import queues
from tests.api.conftest import ADMIN_KEY, Api, make_app
from tests.conftest import FakeClock


async def _clients(stack: AsyncExitStack, redis_url: str, tmp: Path, clock: FakeClock) -> list[Api]:
    apis = []
    for n in range(2):
        app = make_app(redis_url, tmp / str(n), clock)
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        )
        apis.append(Api(app, client, clock))
    return apis


async def test_two_apps_concurrent_claimers(
    redis, redis_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    async with AsyncExitStack() as stack:
        a, b = await _clients(stack, redis_url, tmp_path, clock)
        keys = await a.world({f"r{i}": {} for i in range(12)})
        items = [await b.text_item(keys["vendor"], f"e{i}", priority=i % 10) for i in range(240)]
        decided: Counter[str] = Counter()

        async def reviewer(name: str, api: Api) -> None:
            while True:
                r = await api.post("/v1/assignments", keys[name])
                if r.status_code == 204:
                    return
                assert r.status_code == 201, r.text
                body = r.json()
                d = await api.post(
                    f"/v1/assignments/{body['id']}/decision",
                    keys[name],
                    json={"verdict": "approve"},
                )
                assert d.status_code == 200
                decided[body["item"]["id"]] += 1

        await asyncio.gather(*(reviewer(f"r{i}", (a, b)[i % 2]) for i in range(12)))
    assert set(decided) == {i["id"] for i in items}
    assert max(decided.values()) == 1


async def test_periodic_jobs_on_two_apps(
    redis, redis_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    """Both processes run the lease sweep at once: each expired item is requeued exactly once."""
    async with AsyncExitStack() as stack:
        a, b = await _clients(stack, redis_url, tmp_path, clock)
        keys = await a.world({f"r{i}": {} for i in range(5)})
        for i in range(5):
            await a.text_item(keys["vendor"], f"e{i}")
            assert (await a.post("/v1/assignments", keys[f"r{i}"])).status_code == 201
        clock.advance(400)
        ctxs = [a.app.state.ctx, b.app.state.ctx]
        for _ in range(3):
            await redis.delete("safeshift:lock:sweep-leases")
            await asyncio.gather(*(periodic.sweep_leases(c) for c in ctxs))
        stats = await queues.stats(redis=redis, now=clock())
        assert stats[0]["depth"] == 5
        assert await redis.zcard("safeshift:leases") == 0
    assert ADMIN_KEY
