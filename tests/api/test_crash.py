"""kill -9 in the middle of work: the real `safeshift serve`, its embedded Redis, on one data dir.

Acknowledged means the API answered 2xx. After the app is killed, every acknowledged item,
decision, exposure event and webhook outbox entry is found again on restart. When Redis is
killed too, everything acknowledged more than the AOF's fsync window (`everysec`: 1 s) before
the kill survives; later writes may be lost, but never half: a decision is found with its
exposure event and its outbox entry, or not at all.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis

from tests import processes

ADMIN = "crash-test-admin-key-0123456789abcdef0123"
REVIEWERS = ("r1", "r2", "r3")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """`safeshift serve` in a child process, as an operator runs it."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.port = data_dir, _port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self) -> None:
        env = {
            **os.environ,
            "SAFESHIFT_ADMIN_KEY": ADMIN,
            "SAFESHIFT_ALLOW_PRIVATE_CALLBACKS": "true",
            "SAFESHIFT_BLUR_WORKERS": "0",
            "SAFESHIFT_LOG_JSON": "false",
        }
        env.pop("REDIS_URL", None)
        self.process = processes.spawn(
            *("serve", "--port", str(self.port), "--data-dir", str(self.data_dir)), env=env
        )

    async def start(self) -> None:
        self._spawn()
        await processes.until_ready(self.url, lambda: None)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)

    def redis_url(self) -> str:
        port = (self.data_dir / "redis" / "redis.port").read_text().strip()
        return f"redis://127.0.0.1:{port}/0"

    def kill_redis(self) -> None:
        pid = int((self.data_dir / "redis" / "redis.pid").read_text().strip())
        os.kill(pid, signal.SIGKILL)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _world(client: httpx.AsyncClient) -> dict[str, str]:
    admin = _auth(ADMIN)
    await client.post("/v1/vendors", headers=admin, json={"id": "v", "name": "V"})
    await client.post("/v1/teams", headers=admin, json={"id": "t", "name": "T"})
    keys = {}
    for rid in REVIEWERS:
        await client.post("/v1/reviewers", headers=admin, json={"id": rid, "team": "t"})
        r = await client.post("/v1/keys", headers=admin, json={"role": "reviewer", "reviewer": rid})
        keys[rid] = r.json()["key"]
    r = await client.post("/v1/keys", headers=admin, json={"role": "vendor", "vendor": "v"})
    keys["vendor"] = r.json()["key"]
    return keys


class Load:
    """A vendor ingesting and three reviewers deciding, recording what was acknowledged."""

    def __init__(self, client: httpx.AsyncClient, keys: dict[str, str]) -> None:
        self.client, self.keys = client, keys
        self.items: list[tuple[float, str]] = []  # (when acknowledged, item id)
        self.decisions: list[tuple[float, str, str]] = []  # (when, assignment id, item id)

    async def vendor(self, stop: asyncio.Event) -> None:
        n = 0
        while not stop.is_set():
            body = {
                "external_id": f"e{n}",
                "text": f"synthetic {n}",
                "labels": [{"category": "violence", "severity": 0.4}],
                "callback_url": "http://127.0.0.1:9/unreachable",  # stays in the outbox
            }
            r = await self.client.post("/v1/items", headers=_auth(self.keys["vendor"]), json=body)
            if r.status_code == 201:
                self.items.append((time.monotonic(), r.json()["id"]))
            n += 1

    async def reviewer(self, rid: str, stop: asyncio.Event) -> None:
        headers = _auth(self.keys[rid])
        while not stop.is_set():
            r = await self.client.post("/v1/assignments", headers=headers)
            if r.status_code not in (200, 201):
                await asyncio.sleep(0.01)
                continue
            a = r.json()
            d = await self.client.post(
                f"/v1/assignments/{a['id']}/decision", headers=headers, json={"verdict": "remove"}
            )
            if d.status_code == 200:
                self.decisions.append((time.monotonic(), a["id"], a["item"]["id"]))

    async def run_until(self, stop: asyncio.Event) -> None:
        tasks = [self.vendor(stop), *(self.reviewer(rid, stop) for rid in REVIEWERS)]
        await asyncio.gather(*tasks, return_exceptions=True)


async def _found(url: str, items: list[str], decisions: list[tuple[str, str]]) -> list[str]:
    """What is missing or inconsistent among the acknowledged writes."""
    redis = aioredis.Redis.from_url(url, decode_responses=True)
    problems = []
    try:
        events: dict[str, dict[str, Any]] = {}
        for rid in REVIEWERS:
            for _, fields in await redis.xrange(f"safeshift:exposure:{rid}:events"):
                events[fields["assignment"]] = fields
        for item_id in items:
            if not await redis.exists(f"safeshift:item:{item_id}"):
                problems.append(f"item {item_id} lost")
        for aid, item_id in decisions:
            if await redis.hget(f"safeshift:item:{item_id}", "status") != "decided":
                problems.append(f"decision on {item_id} lost")
            if aid not in events:
                problems.append(f"exposure event of {aid} lost")
            event_id = "evt_" + aid[4:]
            if not await redis.exists(f"safeshift:event:{event_id}"):
                problems.append(f"webhook outbox entry {event_id} lost")
        # Nothing half-written: every decided assignment has its event and its outbox entry.
        for aid in events:
            if not await redis.exists(f"safeshift:event:evt_{aid[4:]}"):
                problems.append(f"exposure event of {aid} without its outbox entry")
    finally:
        await redis.aclose()
    return problems


async def test_kill_9_of_the_app_mid_load_loses_nothing_acknowledged(tmp_path: Path) -> None:
    service = Service(tmp_path)
    await service.start()
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=5) as client:
            load = Load(client, await _world(client))
            stop = asyncio.Event()
            running = asyncio.create_task(load.run_until(stop))
            await asyncio.sleep(2.0)
            service.kill()  # mid-request: no shutdown of any kind
            stop.set()
            await running
        assert len(load.decisions) > 20 and len(load.items) > 20
        await service.start()  # the same data dir: finds the orphaned Redis and replaces it
        problems = await _found(
            service.redis_url(),
            [i for _, i in load.items],
            [(a, i) for _, a, i in load.decisions],
        )
        assert not problems, problems
    finally:
        service.stop()


async def test_kill_9_of_app_and_redis_keeps_what_is_older_than_the_fsync_window(
    tmp_path: Path,
) -> None:
    service = Service(tmp_path)
    await service.start()
    try:
        async with httpx.AsyncClient(base_url=service.url, timeout=5) as client:
            load = Load(client, await _world(client))
            stop = asyncio.Event()
            running = asyncio.create_task(load.run_until(stop))
            await asyncio.sleep(2.5)
            killed_at = time.monotonic()
            service.kill_redis()  # Redis first, in the middle of writes
            service.kill()
            stop.set()
            await running
        settled = killed_at - 1.5  # everysec: fsync'd at most ~1 s after the write
        await service.start()
        problems = await _found(
            service.redis_url(),
            [i for t, i in load.items if t < settled],
            [(a, i) for t, a, i in load.decisions if t < settled],
        )
        assert not problems, problems
        assert sum(1 for t, *_ in load.decisions if t < settled) > 10
    finally:
        service.stop()
