"""Periodic work, registered in one place, each tick guarded by a short Redis lock.

APScheduler 3 does not coordinate processes, so several API processes would each run every job.
The lock (SET NX PX, shorter than the interval) lets one of them run a tick; the jobs are also
idempotent, so a lock lost to a pause does no harm.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from redis.exceptions import RedisError

from api.context import Context
from scheduler import assignments, keys, webhooks
from wellbeing import jobs as wellbeing_jobs

log = logging.getLogger(__name__)


async def _locked(
    ctx: Context, name: str, ttl_ms: int, job: Callable[[], Awaitable[object]]
) -> None:
    try:
        if not await ctx.redis.set(keys.lock(name), "1", nx=True, px=ttl_ms):
            return
        await job()
    except RedisError:
        log.warning("periodic job %s skipped: Redis unavailable", name)


async def sweep_leases(ctx: Context) -> None:
    await _locked(
        ctx,
        "sweep-leases",
        800,
        lambda: assignments.expire_leases(scripts=ctx.scripts, now=ctx.clock()),
    )


async def deliver_webhooks(ctx: Context) -> None:
    await _locked(
        ctx,
        "webhooks",
        800,
        lambda: webhooks.deliver_due(
            redis=ctx.redis,
            scripts=ctx.scripts,
            client=ctx.http,
            now=ctx.clock(),
            allow_private=ctx.settings.allow_private_callbacks,
        ),
    )


async def wellbeing_pass(ctx: Context) -> None:
    """Break ends, overdue breaks, budget and mood alerts resolved once their cause is over."""
    await _locked(
        ctx,
        "wellbeing",
        4000,
        lambda: wellbeing_jobs.team_pass(redis=ctx.redis, scripts=ctx.scripts, now=ctx.clock()),
    )


async def sla_risk(ctx: Context) -> None:
    await _locked(
        ctx,
        "sla-risk",
        20_000,
        lambda: wellbeing_jobs.sla_risk(
            redis=ctx.redis,
            scripts=ctx.scripts,
            now=ctx.clock(),
            lease_default=ctx.settings.lease_seconds,
        ),
    )


async def retention(ctx: Context) -> None:
    """Exposure events, check-ins and work older than SAFESHIFT_EXPOSURE_RETENTION_DAYS go."""
    await _locked(
        ctx,
        "retention",
        600_000,
        lambda: wellbeing_jobs.retention_pass(
            redis=ctx.redis,
            now=ctx.clock(),
            keep_seconds=ctx.settings.exposure_retention_days * 86400,
        ),
    )


JOBS: dict[str, tuple[Callable[[Context], Awaitable[None]], float]] = {
    "sweep_leases": (sweep_leases, 1.0),  # leases are also expired lazily at every claim
    "deliver_webhooks": (deliver_webhooks, 1.0),  # the first retry must come within 5 s
    "wellbeing_pass": (wellbeing_pass, 5.0),
    "sla_risk": (sla_risk, 30.0),
    "retention": (retention, 3600.0),  # deletes by the day: an hour late is nothing
}


def start(ctx: Context) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 5}
    )
    for name, (job, seconds) in JOBS.items():
        scheduler.add_job(job, "interval", seconds=seconds, args=[ctx], id=name, name=name)
    scheduler.start()
    return scheduler
