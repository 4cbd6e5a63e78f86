"""The embedded Redis keeps data across restarts and cleans up after a killed app."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis as sync_redis

from embedded_redis import EmbeddedRedis


def _redis_pids(directory: Path) -> list[int]:
    """redis-server processes working in `directory` (Redis rewrites its own command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "redis-server" and (
                Path(os.readlink(entry / "cwd")) == directory.resolve()
            ):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def test_restart_finds_data(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    client = sync_redis.Redis.from_url(server.start())
    client.set("k", "v")
    client.close()
    server.stop()
    again = EmbeddedRedis(tmp_path / "redis")
    client = sync_redis.Redis.from_url(again.start())
    assert client.get("k") == b"v"
    client.close()
    again.stop()


def test_kill_9_of_the_app_loses_nothing_and_leaves_one_server(tmp_path: Path) -> None:
    directory = tmp_path / "redis"
    code = (
        "import sys, time, redis; from pathlib import Path;"
        "from embedded_redis import EmbeddedRedis;"
        f"s = EmbeddedRedis(Path({str(directory)!r})); url = s.start();"
        "redis.Redis.from_url(url).set('acked', '1'); print(url, flush=True); time.sleep(60)"
    )
    app = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
    )
    assert app.stdout is not None
    app.stdout.readline()
    os.kill(app.pid, signal.SIGKILL)
    app.wait()
    app.stdout.close()
    server = EmbeddedRedis(directory)
    client = sync_redis.Redis.from_url(server.start())
    try:
        assert client.get("acked") == b"1"
        time.sleep(0.2)
        assert len(_redis_pids(directory)) == 1
    finally:
        client.close()
        server.stop()
    assert _redis_pids(directory) == []


def test_orphaned_server_is_shut_down_not_duplicated(tmp_path: Path) -> None:
    """A server whose owner vanished without a trace (no parent-death signal) is replaced once."""
    directory = tmp_path / "redis"
    orphan = EmbeddedRedis(directory)
    client = sync_redis.Redis.from_url(orphan.start())
    client.set("acked", "1")
    client.close()
    successor = EmbeddedRedis(directory)
    client = sync_redis.Redis.from_url(successor.start())
    try:
        assert client.get("acked") == b"1"
        assert orphan.process is not None and orphan.process.wait(timeout=10) == 0
        assert _redis_pids(directory) == [successor.process.pid]  # type: ignore[union-attr]
    finally:
        client.close()
        successor.stop()
