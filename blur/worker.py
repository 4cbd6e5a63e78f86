"""Media jobs on a Redis Stream, worked by a consumer group.

A job is acked (and deleted) only after its derivatives are recorded, so a worker that dies
mid-item leaves the job pending; another worker takes it over with XAUTOCLAIM once it has been
idle for `claim_idle_ms`. Each delivery counts as an attempt: media that cannot be made safe
(`DerivationFailed`) fails at once, anything else is retried until `max_attempts`, then the item
ends `failed` with the last error. OpenCV and NudeNet run in a thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from blur import derive, detect, keys
from blur.config import BlurConfig
from blur.derive import DerivedMedia
from blur.errors import DerivationFailed
from blur.store import MediaStore

log = logging.getLogger(__name__)

__all__ = ["BlurWorker", "DerivedMedia", "enqueue", "job_payload"]

OnDone = Callable[[str, DerivedMedia], Awaitable[Any]]
OnFailed = Callable[[str, str], Awaitable[Any]]


def job_payload(*, item_id: str, digest: str, kind: str, fmt: str) -> str:
    """The stream entry's one field; the scheduler adds it in the same step as the item."""
    return json.dumps({"item": item_id, "digest": digest, "kind": kind, "format": fmt})


async def enqueue(*, redis: Redis, item_id: str, digest: str, kind: str, fmt: str) -> None:
    await redis.xadd(
        keys.JOBS, {"job": job_payload(item_id=item_id, digest=digest, kind=kind, fmt=fmt)}
    )


async def ensure_group(redis: Redis) -> None:
    try:
        await redis.xgroup_create(keys.JOBS, keys.GROUP, id="0", mkstream=True)
    except ResponseError as e:
        if "BUSYGROUP" not in str(e):
            raise


class BlurWorker:
    def __init__(
        self,
        *,
        redis: Redis,
        store: MediaStore,
        config: BlurConfig,
        on_done: OnDone,
        on_failed: OnFailed,
        consumer: str,
        block_ms: int = 1000,
    ) -> None:
        self.redis, self.store, self.config = redis, store, config
        self.on_done, self.on_failed = on_done, on_failed
        self.consumer, self.block_ms = consumer, block_ms

    async def run(self, stop: asyncio.Event) -> None:
        await ensure_group(self.redis)
        detector = None
        if self.config.detect:
            detector = await asyncio.to_thread(detect.shared, threads=self.config.detector_threads)
        while not stop.is_set():
            try:
                for entry_id, fields in await self._next():
                    await self._handle(entry_id, fields, detector)
            except RedisConnectionError as e:  # Redis restarting: the job stays pending
                log.warning("media worker lost Redis (%s); retrying in 1 s", e)
                await asyncio.sleep(1)

    async def _next(self) -> list[tuple[str, dict[str, str]]]:
        claimed = await self.redis.xautoclaim(
            keys.JOBS, keys.GROUP, self.consumer, self.config.claim_idle_ms, "0-0", count=1
        )
        if claimed[1]:
            return list(claimed[1])
        read = await self.redis.xreadgroup(
            keys.GROUP, self.consumer, {keys.JOBS: ">"}, count=1, block=self.block_ms
        )
        return list(read[0][1]) if read else []

    async def _attempts(self, entry_id: str) -> int:
        pending = await self.redis.xpending_range(
            keys.JOBS, keys.GROUP, min=entry_id, max=entry_id, count=1
        )
        return int(pending[0]["times_delivered"]) if pending else 1

    async def _finish(self, entry_id: str, item_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(keys.JOBS, keys.GROUP, entry_id)
            pipe.xdel(keys.JOBS, entry_id)
            pipe.delete(keys.last_error(item_id))
            await pipe.execute()

    async def _handle(self, entry_id: str, fields: dict[str, str] | None, detector: Any) -> None:
        if not fields:  # deleted while pending: nothing to do
            await self.redis.xack(keys.JOBS, keys.GROUP, entry_id)
            return
        job = json.loads(fields["job"])
        item_id = job["item"]
        try:
            result = await asyncio.to_thread(
                derive.run,
                store=self.store,
                digest=job["digest"],
                kind=job["kind"],
                fmt=job.get("format", ""),
                config=self.config,
                detector=detector,
            )
        except DerivationFailed as e:
            await self.on_failed(item_id, f"The media could not be made safe: {e}.")
        # A job must never kill its worker: any other error is recorded and retried.
        except Exception as e:
            await self._retry_or_fail(entry_id, item_id, e)
            return
        else:
            await self.on_done(item_id, result)
        await self._finish(entry_id, item_id)

    async def _retry_or_fail(self, entry_id: str, item_id: str, error: Exception) -> None:
        reason = f"{type(error).__name__}: {error}"[:300]
        attempts = await self._attempts(entry_id)
        log.warning("media job for %s failed (attempt %d): %s", item_id, attempts, reason)
        if attempts < self.config.max_attempts:
            await self.redis.set(keys.last_error(item_id), reason, ex=86400)
            return
        await self.on_failed(
            item_id, f"Media processing failed {attempts} times; last error: {reason}."
        )
        await self._finish(entry_id, item_id)
