"""Schemathesis against the served OpenAPI document: no 5xx, no answer outside its schema.

The real app runs under uvicorn on a loopback port, on the suite's real Redis, with a fixed
seed and a bounded number of examples per operation, so the run is repeatable and takes seconds.
Every request carries the admin key: the fuzzer reaches the handlers, not just the 401.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    response_schema_conformance,
)

from api.main import create_app
from api.settings import Settings

ADMIN = "fuzz-admin-key-0123456789abcdef0123456789"


@pytest.fixture(scope="module")
def live_url(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings_ = Settings(
        redis_url=redis_url,
        admin_key=ADMIN,
        data_dir=Path(tmp_path_factory.mktemp("fuzz")),
        run_jobs=False,
        blur_workers=0,
        log_json=False,
        auth_failures_per_minute=1_000_000,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings_), host="127.0.0.1", port=0, log_level="error")
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        threading.Event().wait(0.025)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_no_server_errors_and_answers_match_the_schema(live_url: str) -> None:
    schema = schemathesis.openapi.from_url(f"{live_url}/openapi.json")
    headers = {"Authorization": f"Bearer {ADMIN}"}
    checks = [not_a_server_error, response_schema_conformance, negative_data_rejection]
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:

        @seed(20261123)
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        @given(operation.as_strategy())
        def exercise(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        try:
            exercise()
        except Exception as e:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {e}"[:600])
    assert not failures, "\n\n".join(failures)
