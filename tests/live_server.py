"""A real uvicorn serving an app on a free loopback port, from a thread of its own.

For tests whose client is synchronous (schemathesis' CLI, a kept-alive httpx.Client): the server
needs an event loop that the test does not block. Async tests serve in their own loop instead
(tests/pages/conftest.py).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


@contextmanager
def serving(app: Any, **config: Any) -> Iterator[str]:
    """Serve `app` until the block ends; yields its base URL. `config` goes to uvicorn.Config."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, **config))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    try:
        for _ in range(400):
            if server.started:
                break
            threading.Event().wait(0.025)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
