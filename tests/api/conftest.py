"""An app per test on the suite's real Redis, driven through HTTP (ASGI) with a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from api.settings import Settings
from tests.conftest import FakeClock

ADMIN_KEY = "test-admin-key-0123456789abcdef-0123456789"


@dataclass
class Api:
    app: FastAPI
    client: httpx.AsyncClient
    clock: FakeClock

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_KEY}"}

    async def post(self, path: str, key: str | None = None, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else self.admin
        return await self.client.post(path, headers={**headers, **kw.pop("headers", {})}, **kw)

    async def get(self, path: str, key: str | None = None, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else self.admin
        return await self.client.get(path, headers=headers, **kw)

    async def key(self, role: str, **binding: str) -> str:
        r = await self.post("/v1/keys", json={"role": role, **binding})
        assert r.status_code == 201, r.text
        return str(r.json()["key"])

    async def world(self, reviewers: dict[str, dict[str, Any]] | None = None) -> dict[str, str]:
        """A vendor `v1`, a team `t1`, reviewers (default one, `r1`), and a key for each."""
        assert (await self.post("/v1/vendors", json={"id": "v1", "name": "V"})).status_code == 201
        assert (await self.post("/v1/teams", json={"id": "t1", "name": "T"})).status_code == 201
        keys = {
            "vendor": await self.key("vendor", vendor="v1"),
            "lead": await self.key("lead", team="t1"),
        }
        for rid, extra in (reviewers or {"r1": {}}).items():
            r = await self.post("/v1/reviewers", json={"id": rid, "team": "t1", **extra})
            assert r.status_code == 201, r.text
            keys[rid] = await self.key("reviewer", reviewer=rid)
        return keys

    async def text_item(self, vendor_key: str, external_id: str, **fields: Any) -> dict[str, Any]:
        body = {"external_id": external_id, "text": f"synthetic post {external_id}", **fields}
        r = await self.post("/v1/items", vendor_key, json=body)
        assert r.status_code in (200, 201), r.text
        return dict(r.json())


def make_app(redis_url: str, tmp: Path, clock: FakeClock, **overrides: Any) -> FastAPI:
    settings = Settings(
        redis_url=redis_url,
        admin_key=ADMIN_KEY,
        data_dir=tmp,
        allow_private_callbacks=True,
        run_jobs=False,
        blur_workers=0,
        log_json=False,
        **overrides,
    )
    return create_app(settings, clock=clock)


@pytest.fixture
async def api(redis: Any, redis_url: str, tmp_path: Path, clock: FakeClock) -> AsyncIterator[Api]:
    app = make_app(redis_url, tmp_path, clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield Api(app, client, clock)
