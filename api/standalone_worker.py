"""`safeshift worker`: media workers in a process of their own (more CPU for derivatives)."""

from __future__ import annotations

import asyncio
import signal
import time

from api import workers
from api.context import Context
from api.main import connect_to, scripts_for, signing_secret
from api.settings import Settings
from blur.store import MediaStore
from scheduler import webhooks


async def run(settings: Settings, *, count: int) -> None:
    redis = await connect_to(settings)
    scripts = scripts_for(redis, settings)
    await scripts.load()
    ctx = Context(
        settings=settings,
        redis=redis,
        scripts=scripts,
        clock=time.time,
        store=MediaStore(settings.media_root),
        http=webhooks.delivery_client(),
        signing_secret=await signing_secret(redis),
    )
    running = workers.start(ctx, count=count)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await running.stop()
    await ctx.http.aclose()
    await redis.aclose()
