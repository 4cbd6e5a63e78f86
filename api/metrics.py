"""Prometheus metrics: requests, assignment latency, queue depths.

One registry for the process; queue depths are read from Redis at scrape time, so they are
right whichever process served the scrape.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from scheduler import queues

if TYPE_CHECKING:
    from api.context import Context

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "safeshift_http_requests_total",
    "HTTP requests",
    ["method", "route", "status"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "safeshift_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
ASSIGN = Histogram(
    "safeshift_assignment_seconds",
    "Time to claim an assignment",
    registry=REGISTRY,
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1),
)
DEPTH = Gauge("safeshift_queue_depth", "Items waiting", ["queue"], registry=REGISTRY)
SEVERE_DEPTH = Gauge(
    "safeshift_queue_severe_depth", "Severe items waiting", ["queue"], registry=REGISTRY
)


async def refresh_queue_depths(ctx: Context) -> None:
    for stat in await queues.stats(redis=ctx.redis, now=ctx.clock()):
        DEPTH.labels(stat["name"]).set(stat["depth"])
        SEVERE_DEPTH.labels(stat["name"]).set(stat["severe_depth"])
