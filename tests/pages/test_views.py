"""Issue 18 on the review page, in headless Chromium: the ladder of reveals, faces shown only on
purpose, the reviewer's view settings, and video speed and seeking with buttons and keys."""

from __future__ import annotations

import json

from playwright.async_api import expect

from tests import synthetic
from tests.api.media_helpers import upload, work_until_done
from tests.pages.conftest import Site
from tests.pages.helpers import MILD, VIOLENT, image_item, is_gray, put_policy, shown_pixels


async def _reveals(site: Site) -> list[dict[str, object]]:
    entries = await site.api.app.state.ctx.redis.xrange("safeshift:audit")
    return [json.loads(f["detail"]) for _, f in entries if f["action"] == "reveal"]


async def test_the_ladder_of_reveals_then_faces_on_purpose(site: Site) -> None:
    keys = await site.api.world()
    await image_item(site.api, keys["vendor"], "img", labels=VIOLENT, priority=9)
    page = await site.signed_in(keys["r1"], "/review")

    await expect(page.get_by_role("img", name="Blurred grayscale preview")).to_be_visible()
    faces = page.get_by_role("button", name="Show faces")
    await expect(faces).to_be_hidden()
    await page.get_by_role("button", name="Reveal drawing").click()
    drawing = page.get_by_role("img", name="Drawing of the item, faces hidden (image)")
    await expect(drawing).to_be_visible()
    assert is_gray(await shown_pixels(page))
    await expect(page.get_by_role("button", name="Reveal drawing")).to_be_disabled()
    await page.keyboard.press("g")
    await expect(page.get_by_role("img", name="Grayscale view of the item (image)")).to_be_visible()
    await expect(faces).to_be_hidden()
    await page.get_by_role("button", name="Reveal colour").click()
    await page.get_by_role("button", name="Show in colour").click()
    await expect(page.get_by_role("img", name="Colour view of the item (image)")).to_be_visible()
    await expect(page.get_by_text("Showing: colour, faces hidden.")).to_be_visible()
    assert [r.get("faces", False) for r in await _reveals(site)] == [False, False, False]

    await expect(faces).to_be_enabled()
    await faces.click()
    named = "Colour view of the item with faces (image)"
    await expect(page.get_by_role("img", name=named)).to_be_visible()
    await expect(faces).to_be_disabled()
    assert ".color_faces." in await page.locator("#media").evaluate("i => i.currentSrc")
    last = (await _reveals(site))[-1]
    assert last["level"] == "color" and last["faces"] is True


async def test_an_item_served_at_the_teams_level_offers_only_the_levels_above(site: Site) -> None:
    keys = await site.api.world()
    await put_policy(site.api, view_defaults={"spam": "grayscale"})
    await image_item(site.api, keys["vendor"], "img", labels=MILD, priority=9)
    page = await site.signed_in(keys["r1"], "/review")

    await expect(page.get_by_role("img", name="Grayscale view of the item (image)")).to_be_visible()
    await expect(page.get_by_role("button", name="Reveal drawing")).to_be_hidden()
    await expect(page.get_by_role("button", name="Reveal grayscale")).to_be_hidden()
    await expect(page.get_by_role("button", name="Reveal colour")).to_be_enabled()
    assert await _reveals(site) == []  # served by policy, not revealed


async def test_the_settings_panel_offers_only_levels_at_least_as_protective(site: Site) -> None:
    keys = await site.api.world()
    await put_policy(site.api, view_defaults={"spam": "grayscale"})
    page = await site.signed_in(keys["r1"], "/review")
    await expect(page.get_by_role("heading", name="Nothing waiting for you")).to_be_visible()

    await page.get_by_text("My view settings").click()
    spam = page.get_by_label("Spam")
    await expect(spam).to_be_visible()
    options = await spam.locator("option").all_text_contents()
    assert options == ["Team's choice (Grayscale)", "Blurred", "Drawing", "Grayscale"]
    violence = await page.get_by_label("Violence").locator("option").all_text_contents()
    assert violence == ["Team's choice (Blurred)", "Blurred"]
    await spam.select_option(label="Drawing")
    await page.get_by_role("button", name="Save settings").click()
    await expect(page.get_by_text("Settings saved.")).to_be_visible()
    r = await site.api.get("/v1/me/preferences", keys["r1"])
    assert r.json()["view_defaults"] == {"spam": "stylized"}

    # The next spam item comes as a drawing: the reviewer's choice protects more than the team's.
    await image_item(site.api, keys["vendor"], "img", labels=MILD, priority=9)
    await page.reload()  # (the idle page also polls, which may have claimed it already)
    drawing = page.get_by_role("img", name="Drawing of the item, faces hidden (image)")
    await expect(drawing).to_be_visible()
    await expect(page.get_by_role("button", name="Reveal drawing")).to_be_hidden()


async def test_video_plays_at_the_policys_speed_and_keys_change_speed_and_seek(site: Site) -> None:
    keys = await site.api.world()
    await put_policy(site.api, playback_rate={"default": 1.25, "severe": 2.0})
    clip = synthetic.video("webm", frames=144, fps=12.0, size=(320, 180))  # 12 s
    status, item = await upload(site.api, keys["vendor"], "vid", clip, labels=VIOLENT)
    assert status == 201, item
    await work_until_done(site.api, [item["id"]], limit=240)
    page = await site.signed_in(keys["r1"], "/review")

    await expect(page.get_by_text("J back 5 s, L forward 5 s", exact=False)).to_be_visible()
    await page.keyboard.press("v")
    video = page.locator("video#media")
    await expect(video).to_be_attached()
    await expect(page.locator("#playback-rate")).to_have_text("Speed: 2×")
    assert await video.evaluate("v => [v.muted, v.playbackRate]") == [True, 2]

    await page.get_by_role("button", name="Faster").click()
    await expect(page.locator("#playback-rate")).to_have_text("Speed: 2.5×")
    await page.keyboard.press("[")
    await page.keyboard.press("[")
    await expect(page.locator("#playback-rate")).to_have_text("Speed: 1.75×")
    assert await video.evaluate("v => v.playbackRate") == 1.75

    await video.evaluate(
        "v => new Promise(r => { v.onloadeddata = r; if (v.readyState >= 2) r(); })"
    )
    await page.keyboard.press("l")
    await page.wait_for_function("() => document.querySelector('#media').currentTime > 4.9")
    await page.keyboard.press("j")
    await page.wait_for_function("() => document.querySelector('#media').currentTime < 0.1")
    await video.focus()
    await page.keyboard.press("ArrowRight")
    await page.wait_for_function("() => document.querySelector('#media').currentTime > 4.9")
    await page.keyboard.press("ArrowLeft")
    await page.wait_for_function("() => document.querySelector('#media').currentTime < 0.1")

    # Play a little at 1.75: the decision reports the seconds played and their speed.
    await video.evaluate("v => v.play()")
    await page.wait_for_function("() => document.querySelector('#media').currentTime > 2")
    await video.evaluate("v => v.pause()")
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_role("heading", name="A short pause")).to_be_visible()
    events = await site.api.app.state.ctx.redis.xrange("safeshift:exposure:r1:events")
    event = events[-1][1]
    assert float(event["video_seconds"]) > 1
    assert float(event["playback_rate"]) == 1.75


async def test_saving_the_dashboard_policy_keeps_the_view_fields(site: Site) -> None:
    keys = await site.api.world()
    await put_policy(
        site.api, view_defaults={"spam": "color"}, playback_rate={"default": 1.0, "severe": 3.0}
    )
    lead = await site.signed_in(keys["lead"], "/dashboard")
    day = lead.get_by_label("Day budget (severe-minutes)")
    await expect(day).to_have_value("300")
    await day.fill("240")
    await lead.get_by_role("button", name="Save policy").click()
    await expect(lead.get_by_text("Saved.")).to_be_visible()
    stored = (await site.api.get("/v1/teams/t1/policy", keys["lead"])).json()
    assert stored["budgets"]["day"] == 240
    assert stored["view_defaults"] == {"spam": "color"}
    assert stored["playback_rate"] == {"default": 1.0, "severe": 3.0}
