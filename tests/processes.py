"""`safeshift` commands as real child processes, for the crash, failover and scale-out tests.

They run this checkout's code (`python -c "from api.cli import main; main()"` from the
repository root), not whatever the venv's `safeshift` script was installed from.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[1]


def spawn(*args: str, env: dict[str, str], log: IO[bytes] | None = None) -> subprocess.Popen[bytes]:
    """`safeshift ARGS` from this checkout; output to `log`, or nowhere."""
    out = log if log is not None else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", *args],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT if log is not None else subprocess.DEVNULL,
    )


async def until_ready(url: str, alive: Callable[[], None], *, tries: int = 600) -> None:
    """Poll `/readyz` every 50 ms until it answers 200; `alive` raises when a child died."""
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(tries):
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/readyz")).status_code == 200:
                    return
            alive()
            await asyncio.sleep(0.05)
    raise AssertionError(f"safeshift serve at {url} did not become ready")
