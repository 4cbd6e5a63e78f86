"""In-process media workers: they turn uploads into safe derivatives off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from dataclasses import dataclass, field

from api.context import Context
from blur import hashing
from blur.worker import BlurWorker, DerivedMedia
from scheduler import processing


@dataclass
class Workers:
    stop_event: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def stop(self) -> None:
        self.stop_event.set()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def build(ctx: Context, consumer: str) -> BlurWorker:
    async def done(item_id: str, result: DerivedMedia) -> None:
        await processing.media_ready(
            redis=ctx.redis,
            scripts=ctx.scripts,
            item_id=item_id,
            levels=result.levels,
            mime=result.mime,
            detected=result.labels,
            pdq=hashing.pack(result.pdq),
            now=ctx.clock(),
        )

    async def failed(item_id: str, reason: str) -> None:
        await processing.media_failed(
            redis=ctx.redis, scripts=ctx.scripts, item_id=item_id, reason=reason
        )

    return BlurWorker(
        redis=ctx.redis,
        store=ctx.store,
        config=ctx.blur,
        on_done=done,
        on_failed=failed,
        consumer=consumer,
    )


def start(ctx: Context, *, count: int) -> Workers:
    workers = Workers()
    for n in range(count):
        consumer = f"{socket.gethostname()}-{os.getpid()}-{n}"
        workers.tasks.append(asyncio.create_task(build(ctx, consumer).run(workers.stop_event)))
    return workers
