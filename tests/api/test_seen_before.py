"""Seen before (issue 17): hashes on items, decisions in the bank, matches at ingest."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from blur import hashing
from scheduler import keys as skeys
from tests import synthetic
from tests.api.conftest import Api
from tests.api.media_helpers import upload, work_until_done


async def _raw(redis: Redis, item_id: str) -> dict[str, Any]:
    return dict(await redis.hgetall(skeys.item(item_id)))


async def test_an_image_item_stores_its_pdq_hash_and_a_text_item_its_key(
    api: Api, redis: Redis
) -> None:
    keys = await api.world()
    _, item = await upload(api, keys["vendor"], "img", synthetic.jpeg(synthetic.scene(640, 480)))
    await work_until_done(api, [item["id"]])
    hashes = hashing.unpack((await _raw(redis, item["id"]))["pdq"])
    assert len(hashes) == 1 and len(hashes[0].hash) == 64 and hashes[0].quality >= 50
    text = await api.text_item(keys["vendor"], "t1", text="Hello  WORLD")
    assert (await _raw(redis, text["id"]))["text_key"] == hashing.text_key("hello world")


async def test_a_video_item_stores_one_hash_per_second(api: Api, redis: Redis) -> None:
    keys = await api.world()
    _, item = await upload(api, keys["vendor"], "vid", synthetic.video("mp4", frames=36, fps=12))
    await work_until_done(api, [item["id"]])
    hashes = hashing.unpack((await _raw(redis, item["id"]))["pdq"])
    assert [h.at for h in hashes] == [0.0, 1.0, 2.0]


async def test_a_failed_item_has_no_hashes(api: Api, redis: Redis) -> None:
    keys = await api.world()
    _, item = await upload(api, keys["vendor"], "gone", synthetic.jpeg(synthetic.scene(64, 64)))
    for path in api.app.state.ctx.store.root.rglob("*"):
        if path.is_file():
            path.unlink()  # the original is lost: the worker cannot decode anything
    ctx = api.app.state.ctx
    ctx.blur = ctx.blur.model_copy(update={"claim_idle_ms": 20, "max_attempts": 1})
    await work_until_done(api, [item["id"]])
    raw = await _raw(redis, item["id"])
    assert raw["status"] == "failed" and not raw.get("pdq")
