"""Reviewers and a vendor against the real HTTP API, with a bare FastAPI endpoint as the ceiling.

    python bench/load.py [--seconds 20] [--json PATH]

Starts `safeshift serve` (embedded Redis, one uvicorn process, no media workers) and, as the
ceiling, a bare FastAPI app with one JSON endpoint, both as child processes; the load comes from
this process. Phases, each after a warm-up:

  ceiling   50 connections in a closed loop on the bare endpoint: requests/s
  50        50 reviewers in a closed loop (claim, heartbeat, decide; no think time) while a
            vendor ingests text items: cycles/s and the latency of every call. Requests/s
            (three per cycle plus the vendor's) against the ceiling is the overhead figure.
  500       500 reviewers working like people: each looks at an item for 8-16 s (heartbeat
            half-way; real reviewers take 25-100 s, see docs/simulation.md) before deciding,
            while the vendor keeps ingesting: cycles/s and latency.

Targets: p99 under 50 ms at 500 reviewers; request throughput at 50 at least 40% of the ceiling.

    python bench/load.py --wait [--seconds 20] [--json PATH]

The cost of "acknowledged means replicated": the 50-reviewer closed loop on a Sentinel deployment
(primary, one replica, three sentinels on loopback, AOF on both; embedded_redis/sentinel.py),
once with SAFESHIFT_REDIS_MIN_REPLICAS=0 (no WAIT) and once with 1 (every told write waits for
the replica): p50/p99 of every call, of claims and of decisions, and cycles/s. The HTTP figures
move with the machine's load; so the same deployment also times one write on its own,
alternately without and with `WAIT 1` on the same connection (2,000 each): that difference is
WAIT's own cost, a round trip to the replica.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import quantiles

import httpx

ROOT = Path(__file__).resolve().parents[1]
ADMIN = "bench-load-admin-key-0123456789abcdef0123"
BARE_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/ping")
async def ping() -> dict:
    return {"ok": True, "service": "bare"}
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write(path: Path, text: str) -> None:
    path.write_text(text)


def _spawn(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


async def _ready(url: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(1200):
            try:
                if (await client.get(path)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


@dataclass
class Record:
    claim: list[float] = field(default_factory=list)
    heartbeat: list[float] = field(default_factory=list)
    decide: list[float] = field(default_factory=list)
    ingest: list[float] = field(default_factory=list)
    cycles: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # what went wrong, by call and status

    def all(self) -> list[float]:
        return self.claim + self.heartbeat + self.decide + self.ingest


def _ms(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return float("nan")
    return round(quantiles(samples, n=100, method="inclusive")[q - 1] * 1000, 2)


async def _timed(record: list[float], call: object) -> httpx.Response:
    start = time.perf_counter()
    response: httpx.Response = await call  # type: ignore[misc]
    record.append(time.perf_counter() - start)
    return response


async def reviewer(
    client: httpx.AsyncClient, key: str, rec: Record, until: float, think: tuple[float, float]
) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    rng = random.Random(key)
    await asyncio.sleep(rng.uniform(0, think[1]))  # people do not all sit down in the same ms
    while time.monotonic() < until:
        r = await _timed(rec.claim, client.post("/v1/assignments", headers=headers))
        if r.status_code == 204:
            await asyncio.sleep(0.05)
            continue
        if r.status_code not in (200, 201):
            rec.errors[f"claim {r.status_code}"] += 1
            await asyncio.sleep(0.1)
            continue
        aid = r.json()["id"]
        pause = rng.uniform(*think)
        await asyncio.sleep(pause / 2)
        await _timed(
            rec.heartbeat, client.post(f"/v1/assignments/{aid}/heartbeat", headers=headers)
        )
        await asyncio.sleep(pause / 2)
        d = await _timed(
            rec.decide,
            client.post(
                f"/v1/assignments/{aid}/decision", headers=headers, json={"verdict": "approve"}
            ),
        )
        if d.status_code == 200:
            rec.cycles += 1
        else:
            rec.errors[f"decide {d.status_code}"] += 1


async def vendor(
    client: httpx.AsyncClient, key: str, rec: Record, until: float, per_s: float, start: int
) -> int:
    headers = {"Authorization": f"Bearer {key}"}
    n = start
    rng = random.Random(start)
    categories = ["violence", "gore", "sexual", "hate", "harassment", "spam", "other"]
    while time.monotonic() < until:
        body = {
            "external_id": f"load-{n}",
            "text": f"synthetic load item {n}",  # distinct: duplicates would group
            "priority": rng.randint(0, 9),
            "labels": [{"category": rng.choice(categories), "severity": round(rng.random(), 1)}],
        }
        r = await _timed(rec.ingest, client.post("/v1/items", headers=headers, json=body))
        if r.status_code not in (200, 201):
            rec.errors[f"ingest {r.status_code}"] += 1
        n += 1
        if per_s:
            await asyncio.sleep(1 / per_s)
    return n


async def setup(client: httpx.AsyncClient, reviewers: int) -> dict[str, str]:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    await client.post("/v1/vendors", headers=admin, json={"id": "v", "name": "V"})
    await client.post("/v1/teams", headers=admin, json={"id": "t", "name": "T"})
    # Budgets and breaks out of the way: this measures the machinery, not the rules' effect.
    policy = {
        "budgets": {"hour": 1e6, "day": 1e6, "week": 1e6},
        "max_continuous_work_seconds": 86400,
        "max_consecutive_severe": 1000,
        "cooldown_after_severe_seconds": 0,
    }
    await client.put("/v1/teams/t/policy", headers=admin, json=policy)
    keys: dict[str, str] = {}

    async def make(n: int) -> None:
        rid = f"r{n}"
        await client.post("/v1/reviewers", headers=admin, json={"id": rid, "team": "t"})
        r = await client.post("/v1/keys", headers=admin, json={"role": "reviewer", "reviewer": rid})
        keys[rid] = r.json()["key"]

    for base in range(0, reviewers, 50):
        await asyncio.gather(*(make(n) for n in range(base, min(base + 50, reviewers))))
    r = await client.post("/v1/keys", headers=admin, json={"role": "vendor", "vendor": "v"})
    keys["vendor"] = r.json()["key"]
    return keys


async def ceiling(url: str, seconds: float, connections: int = 50) -> float:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, limits=limits) as client:
        done = 0
        until = time.monotonic() + seconds

        async def loop() -> None:
            nonlocal done
            while time.monotonic() < until:
                await client.get("/ping")
                done += 1

        await asyncio.gather(*(loop() for _ in range(connections)))  # warm-up
        done, until = 0, time.monotonic() + seconds
        start = time.monotonic()
        await asyncio.gather(*(loop() for _ in range(connections)))
        return done / (time.monotonic() - start)


async def phase(
    url: str,
    keys: dict[str, str],
    reviewers: int,
    seconds: float,
    think: tuple[float, float],
    ingest_per_s: float,
    start_id: int,
) -> tuple[Record, float, int]:
    # With think time, a reviewer's calls are 4-8 s apart, about uvicorn's 5 s keep-alive
    # timeout: reusing an idle connection raced the server closing it (httpx.ReadError, seen
    # once on a loaded machine). Such a reviewer gets a new connection per call instead.
    keepalive = 0 if think[0] else reviewers + 5
    limits = httpx.Limits(max_connections=reviewers + 5, max_keepalive_connections=keepalive)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        rec = Record()
        begin = time.monotonic()
        until = begin + seconds
        names = [f"r{n}" for n in range(reviewers)]
        tasks = [reviewer(client, keys[name], rec, until, think) for name in names]
        results = await asyncio.gather(
            vendor(client, keys["vendor"], rec, until, ingest_per_s, start_id), *tasks
        )
        return rec, time.monotonic() - begin, int(results[0])


async def run(seconds: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "SAFESHIFT_ADMIN_KEY": ADMIN,
            "SAFESHIFT_BLUR_WORKERS": "0",
            "SAFESHIFT_LOG_JSON": "true",
        }
        env.pop("REDIS_URL", None)
        service_port, bare_port = _port(), _port()
        # This checkout's code, run from its root: the `safeshift` script next to the
        # interpreter may belong to another checkout's install, or be missing.
        cli = [sys.executable, "-c", "from api.cli import main; main()"]
        service = _spawn([*cli, "serve", "--port", str(service_port), "--data-dir", tmp], env, ROOT)
        _write(Path(tmp, "bare.py"), BARE_APP)
        bare = _spawn(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bare:app",
                "--port",
                str(bare_port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env,
            Path(tmp),
        )
        try:
            service_url, bare_url = (
                f"http://127.0.0.1:{service_port}",
                f"http://127.0.0.1:{bare_port}",
            )
            await _ready(service_url, "/readyz")
            await _ready(bare_url, "/ping")
            ceiling_rps = await ceiling(bare_url, seconds)
            async with httpx.AsyncClient(base_url=service_url, timeout=60) as client:
                keys = await setup(client, 500)
            # A queue that does not run dry: the vendor fills ahead of the reviewers.
            _, _, next_id = await phase(service_url, keys, 0, 20, (0, 0), 0, 0)
            await phase(service_url, keys, 50, 5, (0, 0), 50, next_id)  # warm-up
            rec50, took50, next_id = await phase(
                service_url, keys, 50, seconds, (0, 0), 50, next_id + 10_000
            )
            rec500, took500, _ = await phase(
                service_url, keys, 500, max(seconds, 40), (8.0, 16.0), 50, next_id + 10_000
            )
        finally:
            for child in (service, bare):
                child.terminate()
                child.wait(timeout=30)
    requests50 = len(rec50.all()) / took50
    return {
        "ceiling_rps": round(ceiling_rps),
        "request_rps_50": round(requests50),
        "ratio_to_ceiling_50": round(requests50 / ceiling_rps, 3),
        "cycle_rps_50": round(rec50.cycles / took50, 1),
        "p50_ms_50": _ms(rec50.all(), 50),
        "p99_ms_50": _ms(rec50.all(), 99),
        "claim_p50_ms_50": _ms(rec50.claim, 50),
        "claim_p99_ms_50": _ms(rec50.claim, 99),
        "decide_p50_ms_50": _ms(rec50.decide, 50),
        "decide_p99_ms_50": _ms(rec50.decide, 99),
        "cycle_rps_500": round(rec500.cycles / took500, 1),
        "request_rps_500": round(len(rec500.all()) / took500),
        "p50_ms_500": _ms(rec500.all(), 50),
        "p99_ms_500": _ms(rec500.all(), 99),
        "claim_p50_ms_500": _ms(rec500.claim, 50),
        "claim_p99_ms_500": _ms(rec500.claim, 99),
        "decide_p50_ms_500": _ms(rec500.decide, 50),
        "decide_p99_ms_500": _ms(rec500.decide, 99),
        "errors": dict(rec50.errors + rec500.errors),
    }


def _summary(rec: Record, took: float) -> dict[str, float]:
    return {
        "cycle_rps": round(rec.cycles / took, 1),
        "p50_ms": _ms(rec.all(), 50),
        "p99_ms": _ms(rec.all(), 99),
        "claim_p50_ms": _ms(rec.claim, 50),
        "claim_p99_ms": _ms(rec.claim, 99),
        "decide_p50_ms": _ms(rec.decide, 50),
        "decide_p99_ms": _ms(rec.decide, 99),
        "ingest_p50_ms": _ms(rec.ingest, 50),
        "ingest_p99_ms": _ms(rec.ingest, 99),
        "errors": sum(rec.errors.values()),
    }


async def run_wait(seconds: float) -> dict[str, dict[str, float]]:
    """The 50-reviewer loop on one Sentinel deployment, without and with WAIT for a replica."""
    import redis as sync_redis

    sys.path.insert(0, str(ROOT))
    from embedded_redis.sentinel import MASTER_NAME, SentinelDeployment

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        deployment = SentinelDeployment(Path(tmp, "redis")).start()
        try:
            for replicas in (0, 1):
                env = {
                    **os.environ,
                    "SAFESHIFT_ADMIN_KEY": ADMIN,
                    "SAFESHIFT_BLUR_WORKERS": "0",
                    "SAFESHIFT_LOG_JSON": "true",
                    "REDIS_SENTINELS": deployment.sentinel_addresses,
                    "REDIS_SENTINEL_MASTER": MASTER_NAME,
                    "SAFESHIFT_REDIS_MIN_REPLICAS": str(replicas),
                }
                env.pop("REDIS_URL", None)
                port = _port()
                cli = [sys.executable, "-c", "from api.cli import main; main()"]
                data = Path(tmp, f"api{replicas}")
                service = _spawn(
                    [*cli, "serve", "--port", str(port), "--data-dir", str(data)], env, ROOT
                )
                try:
                    url = f"http://127.0.0.1:{port}"
                    await _ready(url, "/readyz")
                    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                        keys = await setup(client, 50)
                    _, _, next_id = await phase(url, keys, 0, 10, (0, 0), 0, 0)
                    await phase(url, keys, 50, 3, (0, 0), 50, next_id)  # warm-up
                    rec, took, _ = await phase(url, keys, 50, seconds, (0, 0), 50, next_id + 10_000)
                    results[f"replicas_{replicas}"] = _summary(rec, took)
                finally:
                    service.terminate()
                    service.wait(timeout=30)
                primary = sync_redis.Redis(port=deployment.primary_port() or 0)
                primary.flushall()  # the next run starts from the same empty state
                primary.close()
            results["alone"] = _wait_alone(deployment.primary_port() or 0)
        finally:
            deployment.stop()
    return results


def _wait_alone(port: int, rounds: int = 2000) -> dict[str, float]:
    """One write without and with WAIT 1, alternating so the machine's load hits both alike."""
    import redis as sync_redis

    client = sync_redis.Redis(port=port)
    plain: list[float] = []
    waited: list[float] = []
    try:
        for n in range(rounds):
            start = time.perf_counter()
            client.set(f"bench:wait:{n}", n)
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            pipe = client.pipeline(transaction=False)
            pipe.set(f"bench:wait:{n}", n + 1)
            pipe.execute_command("WAIT", 1, 1000)
            _, acknowledged = pipe.execute()
            waited.append(time.perf_counter() - start)
            assert acknowledged >= 1, "the replica did not acknowledge"
    finally:
        client.close()
    return {
        "write_p50_ms": _ms(plain, 50),
        "write_p99_ms": _ms(plain, 99),
        "write_wait_p50_ms": _ms(waited, 50),
        "write_wait_p99_ms": _ms(waited, 99),
    }


def _print_wait(result: dict[str, dict[str, float]]) -> None:
    print("50 reviewers, closed loop, on primary + replica + 3 sentinels (loopback):")
    print(
        f"{'WAIT for':>10} {'cycles/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'claim p50/p99':>14}"
        f" {'decide p50/p99':>15} {'ingest p50/p99':>15} {'errors':>6}"
    )
    for n in (0, 1):
        r = result[f"replicas_{n}"]
        print(
            f"{n:>8} r {r['cycle_rps']:>9} {r['p50_ms']:>7} {r['p99_ms']:>7}"
            f" {r['claim_p50_ms']:>6}/{r['claim_p99_ms']:<7}"
            f" {r['decide_p50_ms']:>6}/{r['decide_p99_ms']:<8}"
            f" {r['ingest_p50_ms']:>6}/{r['ingest_p99_ms']:<8} {r['errors']:>6}"
        )
    a = result["alone"]
    print(
        f"one write alone, p50/p99 ms: {a['write_p50_ms']}/{a['write_p99_ms']} without WAIT,"
        f" {a['write_wait_p50_ms']}/{a['write_wait_p99_ms']} with WAIT 1"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--wait", action="store_true", help="measure WAIT on a Sentinel setup")
    args = parser.parse_args()
    if args.wait:
        waited = asyncio.run(run_wait(args.seconds))
        _print_wait(waited)
        if args.json:
            args.json.write_text(json.dumps(waited, indent=2))
        return
    result = asyncio.run(run(args.seconds))
    print(f"bare FastAPI JSON endpoint, 50 connections: {result['ceiling_rps']:,} requests/s")
    print(
        f"{'reviewers':>10} {'cycles/s':>9} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'claim p50/p99':>14} {'decide p50/p99':>15}"
    )
    for n in (50, 500):
        print(
            f"{n:>10} {result[f'cycle_rps_{n}']:>9} {result[f'request_rps_{n}']:>7}"
            f" {result[f'p50_ms_{n}']:>7} {result[f'p99_ms_{n}']:>7}"
            f" {result[f'claim_p50_ms_{n}']:>6}/{result[f'claim_p99_ms_{n}']:<7}"
            f" {result[f'decide_p50_ms_{n}']:>6}/{result[f'decide_p99_ms_{n}']:<8}"
        )
    ratio, p99 = result["ratio_to_ceiling_50"], result["p99_ms_500"]
    print(
        f"requests at 50 reviewers: {ratio:.2f} x ceiling (target >= 0.40);"
        f" p99 at 500 reviewers: {p99} ms (target < 50); errors: {result['errors']}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
