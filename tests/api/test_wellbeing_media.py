"""Doses and cool-downs that depend on media: the level revealed, video, sound."""

from __future__ import annotations

from typing import Any

from tests import synthetic
from tests.api.conftest import Api
from tests.api.media_helpers import upload, work_until_done
from tests.api.test_queue import claim
from tests.api.test_wellbeing import VIOLENT, exposure, put_policy


async def _media_item(api: Api, vendor: str, name: str, data: bytes, **fields: Any) -> str:
    status, item = await upload(api, vendor, name, data, labels=VIOLENT, **fields)
    assert status == 201, item
    await work_until_done(api, [item["id"]])
    return str(item["id"])


async def _seen(api: Api, key: str, *, reveal: str | None, seconds: float, **decision: Any) -> None:
    a = await claim(api, key)
    assert a is not None
    if reveal:
        r = await api.post(f"/v1/assignments/{a['id']}/reveal", key, json={"level": reveal})
        assert r.status_code == 200, r.text
    api.clock.advance(seconds)
    r = await api.post(
        f"/v1/assignments/{a['id']}/decision", key, json={"verdict": "remove", **decision}
    )
    assert r.status_code == 200, r.text


async def test_a_colour_reveal_raises_the_dose_and_cools_down(api: Api) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    await put_policy(api, cooldown_after_severe_seconds=30)
    picture = synthetic.jpeg(synthetic.scene(320, 240))
    await _media_item(api, keys["vendor"], "a", picture)
    await _media_item(api, keys["vendor"], "b", picture, match_policy="off")  # not a group
    await _seen(api, keys["r2"], reveal=None, seconds=60)
    await _seen(api, keys["r1"], reveal="color", seconds=60)
    blurred = (await exposure(api, keys["r2"]))["windows"]["hour"]["dose"]
    colour = (await exposure(api, keys["r1"]))["windows"]["hour"]["dose"]
    assert (blurred, colour) == (0.54, 0.9)  # 1 min x 0.9 x image 1.0 x blurred 0.6 / colour 1.0
    r = await api.post("/v1/assignments", keys["r1"])
    assert r.status_code == 423 and r.json()["reason"] == "cooldown"
    assert (await api.post("/v1/assignments", keys["r2"])).status_code == 204  # no cool-down
    log = (await api.client.get("/v1/audit?action=reveal", headers=api.admin)).json()["data"]
    assert [(e["actor"], '"level":"color"' in e["detail"]) for e in log] == [("reviewer:r1", True)]
    api.clock.advance(30)
    assert (await api.post("/v1/assignments", keys["r1"])).status_code == 204


async def test_a_severe_video_cools_down_and_sound_weighs_more(api: Api) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    await put_policy(api, cooldown_after_severe_seconds=20)
    clip = synthetic.video("webm", frames=24)
    await _media_item(api, keys["vendor"], "v1", clip)
    await _media_item(
        api, keys["vendor"], "v2", synthetic.video("mp4", frames=24), match_policy="off"
    )
    await _seen(api, keys["r1"], reveal=None, seconds=60, played_seconds=2.0)
    r = await api.post("/v1/assignments", keys["r1"])
    assert r.status_code == 423 and r.json()["reason"] == "cooldown"
    await _seen(api, keys["r2"], reveal=None, seconds=60, played_seconds=2.0, sound=True)
    muted = (await exposure(api, keys["r1"]))["windows"]["hour"]["dose"]
    loud = (await exposure(api, keys["r2"]))["windows"]["hour"]["dose"]
    assert (muted, loud) == (0.81, 1.08)  # video 1.5 or 2.0 with sound, x 0.9 x blurred 0.6
    events = await api.app.state.ctx.redis.xrange("safeshift:exposure:r2:events")
    (event,) = [fields for _, fields in events]
    assert event["played_seconds"] == "2.0" and event["sound"] == "1"
    assert event["media_type"] == "video" and event["level"] == "blurred"
