"""Media items end to end: the door, the worker, the blurred default, reveals, signed links."""

from __future__ import annotations

import os
from pathlib import Path

from tests import synthetic
from tests.api.conftest import Api
from tests.api.media_helpers import upload, work_until_done


async def _claim(api: Api, key: str) -> dict:
    r = await api.post("/v1/assignments", key)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


async def test_image_item_from_upload_to_reveal(api: Api) -> None:
    keys = await api.world()
    photo = synthetic.with_metadata(synthetic.jpeg(synthetic.scene(1280, 720)))
    status, item = await upload(api, keys["vendor"], "img-1", photo)
    assert status == 201 and item["status"] == "processing" and item["media_type"] == "image"
    await work_until_done(api, [item["id"]])
    assert (await api.get(f"/v1/items/{item['id']}")).json()["status"] == "queued"

    a = await _claim(api, keys["r1"])
    view = a["item"]["view"]
    assert view["level"] == "blurred"
    assert a["item"]["reveal_levels"] == ["stylized", "grayscale", "color"]
    r = await api.client.get(view["url"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.headers["cache-control"] == "no-store, private"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-disposition"] == "inline"
    assert r.headers["cache-control"].startswith("no-store")
    assert synthetic.decode(r.content).ndim == 2 and b"GPSCAM" not in r.content

    # The colour level is not reachable by guessing: the link is per level and needs a reveal.
    color_link = view["url"].replace(".blurred.", ".color.")
    assert (await api.client.get(color_link)).status_code == 403

    r = await api.post(f"/v1/assignments/{a['id']}/reveal", keys["r1"], json={"level": "color"})
    assert r.status_code == 200 and r.json()["level"] == "color"
    shown = await api.client.get(r.json()["url"])
    assert shown.status_code == 200
    color = synthetic.decode(shown.content)
    assert color.ndim == 3 and b"Exif" not in shown.content

    # Tampered and expired links are refused.
    token = r.json()["url"].rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert (await api.client.get(f"/v1/media/{forged}")).status_code == 403
    api.clock.advance(api.app.state.ctx.settings.media_url_seconds + 1)
    assert (await api.client.get(r.json()["url"])).status_code == 403


async def test_video_item_gets_silent_webms_and_a_sheet(api: Api) -> None:
    keys = await api.world()
    status, item = await upload(api, keys["vendor"], "vid-1", synthetic.video("mp4", frames=24))
    assert status == 201 and item["media_type"] == "video"
    await work_until_done(api, [item["id"]])
    a = await _claim(api, keys["r1"])
    view = a["item"]["view"]
    r = await api.client.get(view["url"])
    assert r.headers["content-type"] == "video/webm" and r.content[:4] == b"\x1a\x45\xdf\xa3"
    sheet = await api.client.get(view["sheet_url"])
    assert (
        sheet.headers["content-type"] == "image/jpeg" and synthetic.decode(sheet.content).ndim == 2
    )
    r = await api.post(f"/v1/assignments/{a['id']}/reveal", keys["r1"], json={"level": "color"})
    original = await api.client.get(r.json()["url"])
    assert original.headers["content-type"] == "video/mp4" and b"Lavf" not in original.content


async def test_hostile_uploads_are_refused_and_nothing_is_stored(api: Api) -> None:
    keys = await api.world()
    media_root = api.app.state.ctx.store.root
    cases = {
        "bomb": (synthetic.png_bomb(60_000), 422),
        "html": (b"<html><script>alert(1)</script></html>", 415),
        "truncated": (synthetic.jpeg(synthetic.scene(640, 480))[:5000], 422),
    }
    for name, (data, expected) in cases.items():
        status, body = await upload(api, keys["vendor"], name, data)
        assert status == expected, (name, body)
        assert body["status"] == expected and body["detail"]
        found = await api.get("/v1/items", keys["vendor"], params={"external_id": name})
        assert found.json()["data"] == []
    assert _files(media_root) == []
    assert (await api.client.get("/healthz")).status_code == 200


async def test_identical_uploads_are_stored_once(api: Api) -> None:
    keys = await api.world()
    photo = synthetic.jpeg(synthetic.scene(320, 240))
    for n in range(3):
        status, _ = await upload(api, keys["vendor"], f"same-{n}", photo)
        assert status == 201
    assert len(_files(api.app.state.ctx.store.root)) == 1
    status, _ = await upload(api, keys["vendor"], "same-0", photo)
    assert status == 200


async def test_media_that_cannot_be_made_safe_ends_failed_with_a_reason(api: Api) -> None:
    keys = await api.world()
    status, item = await upload(
        api, keys["vendor"], "doomed", synthetic.jpeg(synthetic.scene(64, 64))
    )
    assert status == 201
    store = api.app.state.ctx.store
    (original,) = _files(store.root)
    os.chmod(original, 0o644)
    original.write_bytes(b"\xff\xd8\xff" + bytes(100))  # the disk copy went bad after the door
    await work_until_done(api, [item["id"]])
    failed = (await api.get(f"/v1/items/{item['id']}")).json()
    assert failed["status"] == "failed" and "could not be made safe" in failed["failure"]
    assert (await api.post("/v1/assignments", keys["r1"])).status_code == 204
