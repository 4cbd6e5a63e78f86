"""An unexpected error: one problem+json 500, one log record, and the connection lives on.

The app is the real one from create_app with two routes added for the test: one that fails on
purpose and one that says which client port it is talking to. It runs under a real uvicorn on a
loopback port, and one httpx.Client keeps its connection alive across the 500: the same client
port before and after proves it is the same connection.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import Request

from tests.api.conftest import make_app
from tests.conftest import FakeClock
from tests.live_server import serving


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def served(redis_url: str, tmp_path: Path) -> Iterator[tuple[str, _Records]]:
    app = make_app(redis_url, tmp_path, FakeClock())

    @app.get("/test/boom")
    async def boom() -> None:
        raise RuntimeError("failing on purpose")

    @app.get("/test/peer")
    async def peer(request: Request) -> dict[str, int]:
        return {"port": request.client.port if request.client else 0}

    records = _Records()
    root = logging.getLogger()
    root.addHandler(records)
    # log_config=None: uvicorn's own records reach the root logger, so they are counted too.
    try:
        with serving(app, log_config=None, log_level="info") as url:
            yield url, records
    finally:
        root.removeHandler(records)


def test_a_500_is_one_problem_one_record_and_the_connection_stays_usable(
    served: tuple[str, _Records],
) -> None:
    url, records = served
    with httpx.Client(base_url=url, timeout=10) as client:
        before = client.get("/test/peer")
        assert before.status_code == 200
        r = client.get("/test/boom", headers={"X-Request-ID": "req-boom-1"})
        after = client.get("/test/peer")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["x-request-id"] == "req-boom-1"
    body = r.json()
    assert body["status"] == 500 and body["request_id"] == "req-boom-1"
    assert "req-boom-1" in body["detail"] and "failing on purpose" not in r.text
    assert after.status_code == 200
    assert after.json()["port"] == before.json()["port"], "the 500 closed the connection"
    with_traceback = [rec for rec in records.records if rec.exc_info]
    assert len(with_traceback) == 1, [rec.getMessage() for rec in with_traceback]
    (record,) = with_traceback
    assert getattr(record, "request_id", None) == "req-boom-1"
    assert "req-boom-1" in record.getMessage()
    assert not [rec for rec in records.records if "Exception in ASGI" in rec.getMessage()]


def test_a_request_without_an_id_gets_one(served: tuple[str, _Records]) -> None:
    url, _records = served
    with httpx.Client(base_url=url, timeout=10) as client:
        r = client.get("/test/boom", headers={"X-Request-ID": "bad id with spaces"})
        ok = client.get("/healthz")
    assert r.status_code == 500 and len(r.json()["request_id"]) == 32
    assert ok.status_code == 200 and len(ok.headers["x-request-id"]) == 32
