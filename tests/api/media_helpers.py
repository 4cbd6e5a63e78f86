"""Upload media through the API and let a real media worker make its levels."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from api import workers
from api.context import Context
from tests.api.conftest import Api


async def upload(
    api: Api, vendor_key: str, external_id: str, data: bytes, **fields: Any
) -> tuple[int, dict[str, Any]]:
    item = {"external_id": external_id, **fields}
    r = await api.post(
        "/v1/items",
        vendor_key,
        files={"media": ("upload.bin", data, "application/octet-stream")},
        data={"item": json.dumps(item)},
    )
    return r.status_code, r.json()


async def work_until_done(api: Api, item_ids: list[str], *, limit: float = 60.0) -> None:
    """Run one in-process media worker until none of the items is `processing`."""
    ctx: Context = api.app.state.ctx
    stop = asyncio.Event()
    worker = workers.build(ctx, "test-worker")
    worker.block_ms = 50
    task = asyncio.create_task(worker.run(stop))
    try:
        async with asyncio.timeout(limit):
            while True:
                statuses = [(await api.get(f"/v1/items/{i}")).json()["status"] for i in item_ids]
                if "processing" not in statuses:
                    return
                if task.done():
                    task.result()
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task
