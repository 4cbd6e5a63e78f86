"""Media jobs survive their workers: a killed worker's item is taken over, failures end `failed`."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from redis.asyncio import Redis

from blur import keys as blur_keys
from blur.worker import ensure_group
from tests import synthetic
from tests.api.conftest import Api
from tests.api.media_helpers import upload, work_until_done


async def _status(api: Api, item_id: str) -> dict:
    return dict((await api.get(f"/v1/items/{item_id}")).json())


async def test_a_worker_killed_mid_item_does_not_lose_it(
    api: Api, redis: Redis, redis_url: str, tmp_path: Path
) -> None:
    keys = await api.world()
    status, item = await upload(api, keys["vendor"], "long", synthetic.video("mp4", frames=120))
    assert status == 201
    await ensure_group(redis)
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "SAFESHIFT_DATA_DIR": str(tmp_path),
        "SAFESHIFT_LOG_JSON": "false",
    }
    worker = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "safeshift"),
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        async with asyncio.timeout(60):  # until the process holds the job, mid-item
            while True:
                if (await redis.xpending(blur_keys.JOBS, blur_keys.GROUP))["pending"]:
                    break
                await asyncio.sleep(0.02)
    finally:
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
    assert worker.returncode == -signal.SIGKILL
    assert (await _status(api, item["id"]))["status"] == "processing"
    ctx = api.app.state.ctx
    ctx.blur = ctx.blur.model_copy(update={"claim_idle_ms": 50})
    # A bound, not a wait (it returns when done): a noise video's three VP8 encodes, detection and
    # hashing, on a 2-core machine that may be running other jobs.
    await work_until_done(api, [item["id"]], limit=240)
    assert (await _status(api, item["id"]))["status"] == "queued"
    assert (await redis.xpending(blur_keys.JOBS, blur_keys.GROUP))["pending"] == 0
    assert await redis.xlen(blur_keys.JOBS) == 0


async def test_a_job_that_keeps_failing_ends_failed_with_the_last_error(
    api: Api, redis: Redis
) -> None:
    keys = await api.world()
    _, item = await upload(api, keys["vendor"], "gone", synthetic.jpeg(synthetic.scene(64, 64)))
    store = api.app.state.ctx.store
    for path in store.root.rglob("*"):
        if path.is_file():
            path.unlink()  # the disk lost the original: an error no retry can fix
    ctx = api.app.state.ctx
    ctx.blur = ctx.blur.model_copy(update={"claim_idle_ms": 20, "max_attempts": 3})
    await work_until_done(api, [item["id"]])
    failed = await _status(api, item["id"])
    assert failed["status"] == "failed"
    assert "failed 3 times" in failed["failure"] and "FileNotFoundError" in failed["failure"]
    assert await redis.xlen(blur_keys.JOBS) == 0


async def test_jobs_are_written_with_their_items(api: Api, redis: Redis) -> None:
    """No item is `processing` without a job: both come from one Lua step at ingest."""
    keys = await api.world()
    for n in range(3):
        await upload(api, keys["vendor"], f"i{n}", synthetic.jpeg(synthetic.scene(64, 64, seed=n)))
    await ensure_group(redis)
    assert await redis.xlen(blur_keys.JOBS) == 3
