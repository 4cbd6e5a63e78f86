"""The composition root: settings, Redis, scripts, jobs and workers, wired into one FastAPI app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable

from fastapi import FastAPI
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from api import deps, openapi, pages, periodic, problems, workers
from api.context import Context
from api.middleware import BodyLimit, Observe
from api.routes import admin, assignments, audit, exports, items, lead, me, media, ops, session
from api.routes import queues as queue_routes
from api.routes import record as record_routes
from api.routes import support as support_routes
from api.settings import Settings
from blur.config import BlurConfig
from blur.limits import MediaLimits
from blur.store import MediaStore
from scheduler import keys, webhooks
from scheduler.scripts import Scripts

log = logging.getLogger(__name__)


class _BlockingSentinelPool(SentinelConnectionPool, BlockingConnectionPool):
    """Sentinel's pool (asks the sentinels where the primary is on every new connection, drops
    connections to a demoted primary) that waits for a free connection, as `connect` does."""


class _SentinelRedis(Redis):
    """The primary's client, which also closes its connections to the sentinels."""

    sentinels: Sentinel | None = None  # not `sentinel`: Redis has a SENTINEL command method

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        await super().aclose(close_connection_pool)
        if self.sentinels is not None:
            await self.sentinels.aclose()


def _sentinel_client(sentinels: list[tuple[str, int]], master: str, max_connections: int) -> Redis:
    """The primary behind `master`, found through the sentinels, followed across failovers.

    redis-py's Sentinel support asks the sentinels for the primary when a connection is made;
    after a failover the old connections fail (refused, or READONLY from the demoted primary,
    which redis-py turns into a disconnect), and the next ones go to the new primary. Short
    socket timeouts let a request notice a dead primary in seconds, not minutes.
    """
    sentinel = Sentinel(
        sentinels,
        sentinel_kwargs={"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        socket_timeout=5,
        socket_connect_timeout=1,
        socket_keepalive=True,
        decode_responses=True,
        health_check_interval=30,
    )
    client = sentinel.master_for(
        master,
        redis_class=_SentinelRedis,
        connection_pool_class=_BlockingSentinelPool,
        max_connections=max_connections,
        timeout=10,
    )
    assert isinstance(client, _SentinelRedis)
    client.sentinels = sentinel
    return client


async def _answering(client: Redis, attempts: int) -> Redis:
    for attempt in range(attempts):
        try:
            await client.ping()
            return client
        except (RedisConnectionError, RedisTimeoutError, OSError):
            if attempt == attempts - 1:
                await client.aclose()
                raise
            await asyncio.sleep(0.1)
    return client  # pragma: no cover


async def connect(url: str, attempts: int = 50, max_connections: int = 128) -> Redis:
    """A client that has answered PING: Redis may still be loading its AOF after a restart.

    The pool blocks for a free connection when all are busy: redis-py's default pool raises
    "Too many connections" instead, which 500 reviewers claiming at once turned into 500s.
    """
    pool = BlockingConnectionPool.from_url(
        url,
        decode_responses=True,
        health_check_interval=30,
        max_connections=max_connections,
        timeout=10,
    )
    client: Redis = Redis.from_pool(pool)  # closing the client closes its pool
    return await _answering(client, attempts)


async def connect_to(settings: Settings, attempts: int = 50) -> Redis:
    """The Redis every process of the service uses: the sentinels' primary when REDIS_SENTINELS
    is set, else REDIS_URL. The API, `safeshift worker` and the periodic jobs all come here, so
    all of them follow a failover."""
    if settings.sentinels:
        client = _sentinel_client(
            settings.sentinels,
            settings.redis_sentinel_master or "",
            settings.redis_max_connections,
        )
        return await _answering(client, attempts)
    if not settings.redis_url:
        raise RuntimeError("no Redis: run `safeshift serve`, or set REDIS_URL or REDIS_SENTINELS")
    return await connect(settings.redis_url, attempts, settings.redis_max_connections)


def scripts_for(redis: Redis, settings: Settings) -> Scripts:
    """The scripts, with the rule that a write the client is told about waits for replicas."""
    return Scripts(
        redis,
        min_replicas=settings.min_replicas,
        wait_timeout_ms=settings.redis_wait_timeout_ms,
    )


async def signing_secret(redis: Redis) -> bytes:
    """Shared by every process on this Redis, made by whichever starts first."""
    await redis.set(keys.SIGNING_SECRET, secrets.token_hex(32), nx=True)
    return bytes.fromhex(await redis.get(keys.SIGNING_SECRET) or "")


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], float] = time.time,
    limits: MediaLimits | None = None,
    blur: BlurConfig | None = None,
    page_config: pages.PageConfig | None = None,
) -> FastAPI:
    settings = settings or Settings()
    limits = limits or MediaLimits()
    blur = blur or BlurConfig()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis = await connect_to(settings)
        scripts = scripts_for(redis, settings)
        await scripts.load()  # a script Redis cannot compile stops start-up here
        ctx = Context(
            settings=settings,
            redis=redis,
            scripts=scripts,
            clock=clock,
            store=MediaStore(settings.media_root),
            http=webhooks.delivery_client(),
            signing_secret=await signing_secret(redis),
            limits=limits,
            blur=blur,
        )
        app.state.ctx = ctx
        jobs = periodic.start(ctx) if settings.run_jobs else None
        media_workers = workers.start(ctx, count=settings.blur_workers)
        try:
            yield
        finally:
            if jobs:
                jobs.shutdown(wait=False)
            await media_workers.stop()
            await ctx.http.aclose()
            await redis.aclose()

    app = FastAPI(
        title="Safeshift",
        version="1.0.0",
        lifespan=lifespan,
        description="Moderation work for humans, with their exposure counted and capped.",
    )
    problems.install(app, guards=deps.run_guards)
    for module in (admin, items, assignments, me, lead, exports, audit, media, ops, session):
        app.include_router(module.router)
    app.include_router(record_routes.router)
    app.include_router(queue_routes.router)
    app.include_router(support_routes.router)
    pages.install(app, page_config or pages.PageConfig())
    app.add_middleware(
        BodyLimit,
        default=settings.max_json_bytes,
        uploads=limits.max_bytes + (2 << 20),
    )
    app.add_middleware(Observe)
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
    return app
