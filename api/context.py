"""What every request handler needs, built once by the lifespan (the composition root)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from redis.asyncio import Redis

from api.settings import Settings
from blur.config import BlurConfig
from blur.limits import MediaLimits
from blur.store import MediaStore
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
    limits: MediaLimits = field(default_factory=MediaLimits)
    blur: BlurConfig = field(default_factory=BlurConfig)
