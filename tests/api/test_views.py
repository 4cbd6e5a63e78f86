"""Issue 18, the least harmful view, through HTTP: levels and the ladder of reveals, faces
revealed on purpose, the team's view defaults and the reviewer's own, playback rates, and what
the exposure event records of a video.

The served-pixel check uses scikit-image's public-domain `astronaut` (NudeNet finds her face):
every level a reviewer is served before a reveal of faces has no face pixels left in the box.
"""

from __future__ import annotations

import json
from typing import Any

import cv2
import numpy as np
import pytest

from blur import detect, image
from blur.config import BlurConfig
from tests import synthetic
from tests.api.conftest import Api
from tests.api.media_helpers import upload, work_until_done

LADDER = ["stylized", "grayscale", "color"]


async def _put_policy(api: Api, **policy: Any) -> None:
    r = await api.client.put("/v1/teams/t1/policy", headers=api.admin, json=policy)
    assert r.status_code == 200, r.text


async def _claim(api: Api, key: str) -> dict[str, Any]:
    r = await api.post("/v1/assignments", key)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _photo(api: Api, keys: dict[str, str], external_id: str, **fields: Any) -> str:
    # A scene of its own per item: the same picture twice would be matched as seen before.
    photo = synthetic.jpeg(synthetic.scene(640, 360, seed=sum(map(ord, external_id))))
    status, item = await upload(api, keys["vendor"], external_id, photo, **fields)
    assert status == 201, item
    await work_until_done(api, [item["id"]])
    return str(item["id"])


async def _reveal(api: Api, key: str, aid: str, **body: Any) -> Any:
    return await api.post(f"/v1/assignments/{aid}/reveal", key, json=body)


async def _audit(api: Api) -> list[dict[str, str]]:
    return [f for _, f in await api.app.state.ctx.redis.xrange("safeshift:audit")]


async def test_levels_ladder_and_faces_reveal_recorded(api: Api) -> None:
    keys = await api.world()
    await _photo(api, keys, "p1", labels=[{"category": "gore", "severity": 0.9}])
    a = await _claim(api, keys["r1"])
    view = a["item"]["view"]
    assert view["level"] == "blurred" and a["item"]["reveal_levels"] == LADDER
    assert (await api.client.get(view["url"])).status_code == 200
    # Nothing less protective before its reveal, faces least of all.
    for level in ("stylized", "grayscale", "color", "color_faces"):
        guessed = view["url"].replace(".blurred.", f".{level}.")
        assert (await api.client.get(guessed)).status_code == 403, level

    for level in LADDER:
        r = await _reveal(api, keys["r1"], a["id"], level=level)
        assert r.status_code == 200, r.text
        assert r.json()["level"] == level and r.json()["faces"] is False
        assert (await api.client.get(r.json()["url"])).status_code == 200
    assignment = await api.app.state.ctx.redis.hgetall(f"safeshift:assignment:{a['id']}")
    assert assignment["level"] == "color" and "revealed_faces_at" not in assignment
    faces_link = r.json()["url"].replace(".color.", ".color_faces.")
    assert (await api.client.get(faces_link)).status_code == 403  # colour is not faces

    r = await _reveal(api, keys["r1"], a["id"], level="color", faces=True)
    assert r.status_code == 200 and r.json()["faces"] is True and ".color_faces." in r.json()["url"]
    assert (await api.client.get(r.json()["url"])).status_code == 200
    assignment = await api.app.state.ctx.redis.hgetall(f"safeshift:assignment:{a['id']}")
    assert assignment["revealed_faces_at"] and assignment["reveals"] == "4"
    reveals = [json.loads(e["detail"]) for e in await _audit(api) if e["action"] == "reveal"]
    assert [x["level"] for x in reveals] == [*LADDER, "color"]
    assert [x.get("faces", False) for x in reveals] == [False, False, False, True]

    # The dose reads the level in force: a faces reveal counts as colour.
    api.clock.advance(60)
    r = await api.post(
        f"/v1/assignments/{a['id']}/decision", keys["r1"], json={"verdict": "remove"}
    )
    assert r.status_code == 200
    events = await api.app.state.ctx.redis.xrange("safeshift:exposure:r1:events")
    assert events[-1][1]["level"] == "color"


async def test_faces_only_in_colour_and_unknown_levels_are_422(api: Api) -> None:
    keys = await api.world()
    await _photo(api, keys, "p1")
    a = await _claim(api, keys["r1"])
    for body in (
        {"level": "grayscale", "faces": True},
        {"level": "stylized", "faces": True},
        {"level": "blurred"},
        {"level": "sepia"},
        {"level": "color", "faces": "yes"},
    ):
        r = await _reveal(api, keys["r1"], a["id"], **body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await _reveal(api, keys["r1"], a["id"], level="grayscale", faces=True)
    assert "colour" in r.json()["detail"] and '"faces": true' in r.json()["detail"]


async def test_policy_view_defaults_and_playback_rate_are_validated(api: Api) -> None:
    await api.world()
    r = await api.client.get("/v1/teams/t1/policy", headers=api.admin)
    body = r.json()
    assert body["view_defaults"] == {} and body["playback_rate"] == {"default": 1.5, "severe": 2.0}
    for bad in (
        {"view_defaults": {"gore": "sepia"}},
        {"view_defaults": {"cats": "color"}},
        {"view_defaults": {"gore": 1}},
        {"playback_rate": {"default": 0.2}},
        {"playback_rate": {"severe": 4.5}},
        {"playback_rate": {"default": "fast"}},
        {"playback_rate": {"fast": 2}},
    ):
        r = await api.client.put("/v1/teams/t1/policy", headers=api.admin, json=bad)
        assert r.status_code == 422, (bad, r.text)
    await _put_policy(
        api, view_defaults={"spam": "color", "gore": "stylized"}, playback_rate={"default": 1.0}
    )
    body = (await api.client.get("/v1/teams/t1/policy", headers=api.admin)).json()
    assert body["view_defaults"] == {"spam": "color", "gore": "stylized"}
    assert body["playback_rate"] == {"default": 1.0, "severe": 2.0}


async def test_preferences_rules(api: Api) -> None:
    keys = await api.world()
    await _put_policy(api, view_defaults={"spam": "color", "sexual": "grayscale"})
    r = await api.get("/v1/me/preferences", keys["r1"])
    assert r.status_code == 200
    body = r.json()
    assert body["view_defaults"] == {}
    assert body["team_view_defaults"]["spam"] == "color"
    assert body["team_view_defaults"]["gore"] == "blurred"
    assert body["allowed"]["sexual"] == ["blurred", "stylized", "grayscale"]

    ok = {"view_defaults": {"spam": "stylized", "sexual": "grayscale"}}
    r = await api.client.put("/v1/me/preferences", headers=_bearer(keys["r1"]), json=ok)
    assert r.status_code == 200, r.text
    assert r.json()["view_defaults"] == ok["view_defaults"]
    assert r.json()["effective"]["spam"] == "stylized"

    too_much = {"view_defaults": {"sexual": "color"}}
    r = await api.client.put("/v1/me/preferences", headers=_bearer(keys["r1"]), json=too_much)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "sexual" in detail and "'grayscale'" in detail and "'stylized'" in detail
    assert r.json()["errors"][0]["loc"] == ["body", "view_defaults", "sexual"]
    assert r.json()["type"].endswith("/less-protective-than-team")
    for bad in (
        {"view_defaults": {"gore": "sepia"}},
        {"view_defaults": {"x": "blurred"}},
        {"x": 1},
    ):
        r = await api.client.put("/v1/me/preferences", headers=_bearer(keys["r1"]), json=bad)
        assert r.status_code == 422, bad
    # Unchanged by the refusals.
    assert (await api.get("/v1/me/preferences", keys["r1"])).json()["view_defaults"] == ok[
        "view_defaults"
    ]
    # Reviewers only.
    for key in (keys["vendor"], keys["lead"]):
        assert (await api.get("/v1/me/preferences", key)).status_code == 403

    # The team becomes more protective later: the team's level wins.
    await _put_policy(api, view_defaults={"spam": "color", "sexual": "stylized"})
    body = (await api.get("/v1/me/preferences", keys["r1"])).json()
    assert body["view_defaults"]["sexual"] == "grayscale"  # kept as the reviewer set it
    assert body["effective"]["sexual"] == "stylized"  # but never served above the team's


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_claim_serves_the_most_protective_for_the_most_severe_category(api: Api) -> None:
    keys = await api.world()
    await _put_policy(api, view_defaults={"spam": "color", "sexual": "grayscale"})
    # Most severe label: sexual (0.9 x 0.6) over spam (0.95 x 0): served at the sexual level.
    await _photo(
        api,
        keys,
        "p1",
        labels=[{"category": "spam", "severity": 0.95}, {"category": "sexual", "severity": 0.9}],
    )
    a = await _claim(api, keys["r1"])
    assert a["item"]["view"]["level"] == "grayscale"
    assert a["item"]["reveal_levels"] == ["color"]
    assert (await api.client.get(a["item"]["view"]["url"])).status_code == 200
    # The same assignment claimed again shows the same first level.
    again = await api.post("/v1/assignments", keys["r1"])
    assert again.status_code == 200 and again.json()["item"]["view"]["level"] == "grayscale"
    await api.post(f"/v1/assignments/{a['id']}/decision", keys["r1"], json={"verdict": "approve"})

    # The reviewer prefers more protection for sexual: the preference wins.
    prefs = {"view_defaults": {"sexual": "stylized"}}
    r = await api.client.put("/v1/me/preferences", headers=_bearer(keys["r1"]), json=prefs)
    assert r.status_code == 200
    await _photo(api, keys, "p2", labels=[{"category": "sexual", "severity": 0.5}])
    a = await _claim(api, keys["r1"])
    assert a["item"]["view"]["level"] == "stylized"
    assert a["item"]["reveal_levels"] == ["grayscale", "color"]
    await api.post(f"/v1/assignments/{a['id']}/decision", keys["r1"], json={"verdict": "approve"})

    # A category the team does not name is blurred; text is not filtered at all.
    await _photo(api, keys, "p3", labels=[{"category": "violence", "severity": 0.5}])
    a = await _claim(api, keys["r1"])
    assert a["item"]["view"]["level"] == "blurred" and a["item"]["reveal_levels"] == LADDER
    await api.post(f"/v1/assignments/{a['id']}/decision", keys["r1"], json={"verdict": "approve"})
    await api.text_item(keys["vendor"], "t1", labels=[{"category": "spam", "severity": 0.5}])
    a = await _claim(api, keys["r1"])
    assert a["item"]["view"]["url"] is None and a["item"]["reveal_levels"] == []


async def test_video_playback_rate_and_the_exposure_event(api: Api) -> None:
    keys = await api.world()
    await _put_policy(api, playback_rate={"default": 1.25, "severe": 3.0}, severe_threshold=0.7)
    clip = synthetic.video("mp4", frames=24)
    ids = []
    for n, severity in enumerate((0.3, 0.9)):
        status, item = await upload(
            api,
            keys["vendor"],
            f"v{n}",
            clip,
            labels=[{"category": "violence", "severity": severity}],
            priority=9 - n,
        )
        assert status == 201
        ids.append(item["id"])
    await work_until_done(api, ids)

    a = await _claim(api, keys["r1"])
    view = a["item"]["view"]
    assert view["playback_rate"] == 1.25 and view["muted"] is True and "sheet_url" in view
    # Byte ranges, so a browser can seek; a range it cannot serve gets the whole file.
    whole = await api.client.get(view["url"])
    assert whole.headers["accept-ranges"] == "bytes"
    part = await api.client.get(view["url"], headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == whole.content[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(whole.content)}"
    tail = await api.client.get(view["url"], headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == whole.content[-5:]
    for odd in ("bytes=99999999-", "bytes=5-2", "items=0-1", "bytes=0-1,4-5"):
        r = await api.client.get(view["url"], headers={"Range": odd})
        assert r.status_code == 200 and r.content == whole.content, odd
    api.clock.advance(20)
    body = {"verdict": "approve", "played_seconds": 12.5, "playback_rate": 1.5}
    r = await api.post(f"/v1/assignments/{a['id']}/decision", keys["r1"], json=body)
    assert r.status_code == 200, r.text
    event = (await api.app.state.ctx.redis.xrange("safeshift:exposure:r1:events"))[-1][1]
    assert float(event["video_seconds"]) == 12.5 and float(event["playback_rate"]) == 1.5

    a = await _claim(api, keys["r1"])
    assert a["item"]["view"]["playback_rate"] == 3.0
    for bad in (0.1, 5, "fast"):
        body = {"verdict": "approve", "played_seconds": 1, "playback_rate": bad}
        r = await api.post(f"/v1/assignments/{a['id']}/decision", keys["r1"], json=body)
        assert r.status_code == 422, bad
    r = await api.post(
        f"/v1/assignments/{a['id']}/decision", keys["r1"], json={"verdict": "approve"}
    )
    event = (await api.app.state.ctx.redis.xrange("safeshift:exposure:r1:events"))[-1][1]
    assert float(event["video_seconds"]) == 0 and event["playback_rate"] == ""


@pytest.fixture(scope="module")
def astronaut_jpeg() -> bytes:
    skimage_data = pytest.importorskip("skimage.data")
    return synthetic.jpeg(cv2.cvtColor(skimage_data.astronaut(), cv2.COLOR_RGB2BGR))


async def test_served_levels_have_no_face_pixels_until_faces_are_revealed(
    api: Api, astronaut_jpeg: bytes
) -> None:
    config = BlurConfig()
    found = image.derive(astronaut_jpeg, config=config, detector=detect.shared(threads=1))
    faces = [d for d in found.detections if d.label in config.face_classes]
    assert faces, "NudeNet should find the astronaut's face"
    x, y, w, h = max(faces, key=lambda d: d.score).box
    width = synthetic.decode(astronaut_jpeg).shape[1]

    def face_region(data: bytes) -> np.ndarray:
        pixels = synthetic.decode(data)
        s = width / pixels.shape[1]
        top, left = int(y / s), int(x / s)
        return pixels[top : int(np.ceil((y + h) / s)), left : int(np.ceil((x + w) / s))]

    keys = await api.world()
    status, item = await upload(api, keys["vendor"], "astro", astronaut_jpeg)
    assert status == 201
    await work_until_done(api, [item["id"]])
    a = await _claim(api, keys["r1"])
    served = {"blurred": a["item"]["view"]["url"]}
    for level in LADDER:
        served[level] = (await _reveal(api, keys["r1"], a["id"], level=level)).json()["url"]
    for level, link in served.items():
        r = await api.client.get(link)
        assert r.status_code == 200, level
        region = face_region(r.content).astype(float)
        assert region.size, level
        # One flat tone (the mask), up to JPEG ringing: no face pixels left.
        assert float(region.std()) < 4, level
    r = await _reveal(api, keys["r1"], a["id"], level="color", faces=True)
    shown = await api.client.get(r.json()["url"])
    assert float(face_region(shown.content).std()) > 20  # the face, revealed on purpose


async def test_a_seen_before_item_is_served_blurred_whatever_the_view_defaults(api: Api) -> None:
    keys = await api.world()
    await _put_policy(api, view_defaults={"spam": "grayscale"})
    photo = synthetic.jpeg(synthetic.scene(640, 360, seed=7))
    ids = []
    for external_id in ("first", "again"):
        status, item = await upload(
            api, keys["vendor"], external_id, photo, labels=[{"category": "spam", "severity": 1}]
        )
        assert status == 201
        ids.append(item["id"])
        await work_until_done(api, [item["id"]])
        if external_id == "first":
            a = await _claim(api, keys["r1"])
            assert a["item"]["view"]["level"] == "grayscale"
            body = {"verdict": "remove"}
            await api.post(f"/v1/assignments/{a['id']}/decision", keys["r1"], json=body)
    a = await _claim(api, keys["r1"])
    assert a["item"]["id"] == ids[1] and "seen_before" in a["item"]
    assert a["item"]["view"]["level"] == "blurred" and a["item"]["reveal_levels"] == LADDER
    stored = await api.app.state.ctx.redis.hget(f"safeshift:assignment:{a['id']}", "level")
    assert stored == "blurred"  # the dose and the media links follow what was served
