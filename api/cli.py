"""`safeshift`: serve the API (with an embedded Redis unless REDIS_URL is set), run workers."""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from pathlib import Path

import uvicorn

from api import demo, logs
from api.main import connect_to, create_app
from api.settings import Settings
from embedded_redis import EmbeddedRedis
from wellbeing.simulation import cli as simulation_cli

log = logging.getLogger("safeshift")


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"data_dir": Path(args.data_dir)} if args.data_dir else {}
    return Settings(**overrides)  # type: ignore[arg-type]


def _print_demo(keys: dict[str, str], base: str) -> None:
    print("\nSafeshift demo is running.", flush=True)
    print(f"  Sign in:    {base}/            API docs: {base}/docs")
    print(f"  Reviewer:   {base}/review      Lead dashboard: {base}/dashboard")
    print(f"  Counsellor: {base}/support")
    for name, key in keys.items():
        print(f"  {name:<8} key: {key}")
    print(
        "  Try: curl -X POST -H 'Authorization: Bearer <ana key>' " + base + "/v1/assignments\n",
        flush=True,
    )


async def _seed(settings: Settings) -> dict[str, str]:
    redis = await connect_to(settings)
    try:
        return await demo.seed(redis=redis, settings=settings, now=time.time())
    finally:
        await redis.aclose()


def serve(args: argparse.Namespace) -> None:
    settings = _settings(args)
    logs.configure(as_json=settings.log_json)
    embedded = None
    if not settings.has_redis:
        embedded = EmbeddedRedis(settings.data_dir / "redis")
        settings = settings.model_copy(update={"redis_url": embedded.start()})
        log.info("embedded redis started", extra={"url": settings.redis_url})
    try:
        keys = asyncio.run(_seed(settings)) if args.demo else None
        if keys:
            _print_demo(keys, f"http://{args.host}:{args.port}")
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host=args.host, port=args.port, log_config=None)
        )
        server.run()
    finally:
        if embedded:
            embedded.stop()


def worker(args: argparse.Namespace) -> None:
    """Extra media workers in their own process, against the same Redis as the API."""
    from api import standalone_worker

    settings = _settings(args)
    logs.configure(as_json=settings.log_json)
    if not settings.has_redis:
        raise SystemExit("safeshift worker needs REDIS_URL or REDIS_SENTINELS (the API's Redis).")
    asyncio.run(standalone_worker.run(settings, count=args.count))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="safeshift")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("serve", help="run the API, workers and periodic jobs")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", default=None, help="where Redis and media live (default ./var)")
    p.add_argument("--demo", action="store_true", help="seed demo accounts and items")
    p.set_defaults(run=serve)
    w = commands.add_parser("worker", help="run media workers against REDIS_URL")
    w.add_argument("--data-dir", default=None)
    w.add_argument("--count", type=int, default=1)
    w.set_defaults(run=worker)
    s = commands.add_parser("simulate", help="compare team policies on a simulated shift")
    simulation_cli.add_arguments(s)
    s.set_defaults(run=simulation_cli.run)
    args = parser.parse_args(argv)
    args.run(args)
