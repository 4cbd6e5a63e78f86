"""What every request handler needs, built once by the lifespan (the composition root)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
from blur.store import MediaStore
from redis.asyncio import Redis

from api.settings import Settings
from scheduler.scripts import Scripts


@dataclass
class Context:
    settings: Settings
    redis: Redis
    scripts: Scripts
    clock: Callable[[], float]
    store: MediaStore
    http: httpx.AsyncClient
    signing_secret: bytes
