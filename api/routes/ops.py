"""Operations: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from redis.exceptions import RedisError

from api import metrics, problems
from api.deps import ContextDep
from api.problems import problem

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up (says nothing about Redis)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(ctx: ContextDep) -> dict[str, str] | Response:
    """Ready to serve: Redis answers."""
    try:
        await ctx.redis.ping()
    except (RedisError, OSError):
        return problem(
            503,
            "Not ready",
            "Redis is not reachable.",
            headers={"Retry-After": str(problems.RETRY_AFTER_UNAVAILABLE)},
        )
    return {"status": "ready"}


@router.get("/metrics", response_class=Response)
async def prometheus(ctx: ContextDep) -> Response:
    await metrics.refresh_queue_depths(ctx)
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)
