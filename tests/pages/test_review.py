"""The reviewer's queue in headless Chromium: what a reviewer sees, reveals, decides and rests."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests import synthetic
from tests.api.media_helpers import upload, work_until_done
from tests.pages.conftest import Site
from tests.pages.helpers import (
    MILD,
    VIOLENT,
    image_item,
    is_gray,
    put_policy,
    rendered_channels,
    sharpness,
    shown_pixels,
)


async def item_status(site: Site, vendor: str, item_id: str) -> dict:
    r = await site.api.get(f"/v1/items/{item_id}", vendor)
    return dict(r.json())


async def test_a_reviewer_sees_a_blurred_grayscale_image_reveals_on_purpose_and_decides(
    site: Site,
) -> None:
    keys = await site.api.world()
    item_id = await image_item(site.api, keys["vendor"], "img", labels=VIOLENT, priority=9)
    page = await site.signed_in(keys["r1"], "/review")

    image = page.get_by_role("img", name="Blurred grayscale preview of the item (image)")
    await expect(image).to_be_visible()
    await expect(page.get_by_text("Severe", exact=True)).to_be_visible()
    blurred = await shown_pixels(page)
    assert is_gray(blurred), "the default view must be grayscale"
    assert all(r == g == b for r, g, b in await rendered_channels(page)), "as the browser drew it"

    await page.get_by_role("button", name="Reveal grayscale").click()
    await expect(page.get_by_role("img", name="Grayscale view of the item (image)")).to_be_visible()
    sharp = await shown_pixels(page)
    assert is_gray(sharp)
    assert sharpness(blurred) < 0.05 * sharpness(sharp), "the default view is blurred"

    # Colour of a severe item asks once more, in a dialog with its own buttons.
    await page.get_by_role("button", name="Reveal colour").click()
    dialog = page.get_by_role("dialog", name="Show this severe item in colour?")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Keep it grayscale").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_role("img", name="Grayscale view of the item (image)")).to_be_visible()
    await page.get_by_role("button", name="Reveal colour").click()
    await page.get_by_role("button", name="Show in colour").click()
    await expect(page.get_by_role("img", name="Colour view of the item (image)")).to_be_visible()
    assert not is_gray(await shown_pixels(page)), "colour only after a recorded reveal"

    site.clock.advance(60)
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_role("heading", name="A short pause")).to_be_visible()
    found = await item_status(site, keys["vendor"], item_id)
    assert found["status"] == "decided" and found["decision"]["verdict"] == "approve"
    # One minute of a 0.9 image in colour: 0.9 severe-minutes, and the meter says so.
    await expect(page.locator("#meter-day-text")).to_have_text("Today: 0.9 of 300")


async def test_text_with_a_graphic_label_is_shown_on_request(site: Site) -> None:
    keys = await site.api.world()
    item = await site.api.text_item(keys["vendor"], "t1", labels=VIOLENT, priority=9)
    await site.api.text_item(keys["vendor"], "t2", labels=MILD)
    page = await site.signed_in(keys["r1"], "/review")

    await expect(page.get_by_text("Labelled: violence.", exact=False)).to_be_visible()
    await expect(page.get_by_text("synthetic post t1")).to_have_count(0)
    await expect(page.get_by_role("button", name="Reveal grayscale")).to_be_disabled()
    await page.get_by_role("button", name="Show the text").click()
    await expect(page.get_by_text("synthetic post t1")).to_be_visible()

    await page.get_by_role("button", name="Remove").click()
    # The next item carries only a quiet label: its text shows at once.
    await expect(page.get_by_text("synthetic post t2")).to_be_visible()
    found = await item_status(site, keys["vendor"], item["id"])
    assert found["decision"]["verdict"] == "remove"


async def test_keyboard_only_with_shortcuts_shown_on_the_buttons(site: Site) -> None:
    keys = await site.api.world()
    first = await site.api.text_item(keys["vendor"], "k1", labels=MILD, priority=9)
    second = await site.api.text_item(keys["vendor"], "k2", labels=MILD, priority=8)
    page = await site.signed_in(keys["r1"], "/review")
    await expect(page.get_by_text("synthetic post k1")).to_be_visible()

    approve = page.get_by_role("button", name="Approve", exact=True)
    await expect(approve).to_have_attribute("aria-keyshortcuts", "A")
    await expect(approve).to_contain_text("A")
    # Tab reaches the buttons, and the focused one has a visible ring.
    for _ in range(30):
        await page.keyboard.press("Tab")
        if await approve.evaluate("b => b === document.activeElement"):
            break
    ring = await approve.evaluate(
        "b => getComputedStyle(b).outlineWidth + ' ' + getComputedStyle(b).outlineStyle"
    )
    assert ring == "3px solid", ring

    await page.keyboard.press("e")  # Escalate
    await expect(page.get_by_text("synthetic post k2")).to_be_visible()
    assert (await item_status(site, keys["vendor"], first["id"]))["decision"][
        "verdict"
    ] == "escalate"

    # Single-key shortcuts can be turned off (WCAG 2.1.4), and then keys do nothing.
    await page.get_by_label("Keyboard shortcuts").uncheck()
    await page.locator("body").press("a")
    await expect(page.get_by_text("synthetic post k2")).to_be_visible()
    assert (await item_status(site, keys["vendor"], second["id"]))["status"] == "assigned"
    await page.get_by_label("Keyboard shortcuts").check()
    await page.locator("body").press("s")  # Skip asks why, in a dialog
    await page.get_by_role("button", name="Skip item").click()
    await expect(page.get_by_role("heading", name="Nothing waiting for you")).to_be_visible()
    assert (await item_status(site, keys["vendor"], second["id"]))["status"] == "queued"


async def test_take_a_break_replaces_the_queue_until_break_until(site: Site) -> None:
    keys = await site.api.world()
    await put_policy(site.api, break_seconds=120)
    await image_item(site.api, keys["vendor"], "img", labels=VIOLENT)
    page = await site.signed_in(keys["r1"], "/review")
    await expect(page.locator("#media")).to_be_visible()

    await page.get_by_role("button", name="Take a break").click()
    await expect(page.get_by_role("heading", name="Time for a break")).to_be_visible()
    await expect(page.get_by_role("timer")).to_have_text(re.compile(r"0[12]:\d\d left"))
    await expect(page.get_by_text("Name five things you can see")).to_be_visible()
    # Nothing to review: the item is gone from the page, not just hidden.
    await expect(page.locator("img, video")).to_have_count(0)
    assert await page.locator("#work").is_hidden()
    me = (await site.api.get("/v1/me", keys["r1"])).json()
    assert me["state"] == "on_break"

    site.clock.advance(121)
    resume = page.get_by_role("button", name="Back to the queue")
    await expect(resume).to_be_visible()
    await expect(resume).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#media")).to_be_visible()  # the released item, blurred again
    await expect(
        page.get_by_role("img", name="Blurred grayscale preview of the item (image)")
    ).to_be_visible()


async def test_an_enforced_break_shows_on_load_and_a_checkin_is_asked_when_due(
    site: Site,
) -> None:
    keys = await site.api.world()
    # The clock jumps 100 s at once below, longer than the break: the item in hand keeps the
    # stretch going whether or not a heartbeat lands before the page's next state read.
    await put_policy(
        site.api, max_continuous_work_seconds=120, break_seconds=60, checkin_interval_seconds=90
    )
    for n in range(4):
        await site.api.text_item(keys["vendor"], f"t{n}", labels=MILD)
    page = await site.signed_in(keys["r1"], "/review")
    await expect(page.get_by_text("synthetic post t0")).to_be_visible()
    site.clock.advance(100)  # a check-in is due after 90 s of work
    checkin = page.get_by_role("region", name="How are you doing right now?")
    await expect(checkin).to_be_visible()
    await checkin.get_by_role("button", name="2 · Low").click()
    await expect(checkin).to_be_hidden()
    await expect(page.get_by_role("status")).to_contain_text("counsellor can see it")
    alerts = (await site.api.get("/v1/alerts?team=t1", keys["lead"])).json()["data"]
    assert [a["type"] for a in alerts] == ["low_mood"]

    site.clock.advance(30)
    await page.get_by_role("button", name="Approve").click()  # 130 s of work: a break is due
    await expect(page.get_by_role("heading", name="Time for a break")).to_be_visible()
    await expect(page.get_by_text("You have been working for a while")).to_be_visible()
    await page.reload()  # a reload still lands on the break, not on an item
    await expect(page.get_by_role("heading", name="Time for a break")).to_be_visible()
    await expect(page.locator("#viewer > *")).to_have_count(0)


async def test_the_lease_is_kept_alive_while_the_page_is_open(site: Site) -> None:
    keys = await site.api.world()
    await site.api.text_item(keys["vendor"], "t", labels=MILD)
    page = await site.signed_in(keys["r1"], "/review")
    await expect(page.get_by_text("synthetic post t")).to_be_visible()
    first = (await site.api.get("/v1/me", keys["r1"])).json()["assignment"]["lease_expires_at"]
    site.clock.advance(200)  # within the 300 s lease; heartbeats come every 0.5 s in tests
    for _ in range(50):
        now = (await site.api.get("/v1/me", keys["r1"])).json()["assignment"]["lease_expires_at"]
        if now != first:
            break
        await page.wait_for_timeout(100)
    assert now > first
    site.clock.advance(250)  # past the first lease's end: still ours, thanks to the heartbeat
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_role("heading", name="Nothing waiting for you")).to_be_visible()


async def test_video_shows_its_contact_sheet_first_then_plays_muted_on_request(site: Site) -> None:
    keys = await site.api.world()
    status, item = await upload(
        site.api, keys["vendor"], "vid", synthetic.video("webm", frames=24), labels=VIOLENT
    )
    assert status == 201, item
    await work_until_done(site.api, [item["id"]])
    page = await site.signed_in(keys["r1"], "/review")

    sheet = page.get_by_role("img", name="Blurred grayscale contact sheet of the video's keyframes")
    await expect(sheet).to_be_visible()
    assert is_gray(await shown_pixels(page, "#sheet"))
    await expect(page.locator("video")).to_have_count(0)
    await page.keyboard.press("v")
    video = page.locator("video#media")
    await expect(video).to_have_attribute(
        "aria-label", "Blurred grayscale preview of the item (video, muted)"
    )
    props = await video.evaluate(
        "v => [v.muted, v.autoplay, v.paused, v.controls, v.preload, v.hasAttribute('playsinline')]"
    )
    assert props == [True, False, True, True, "metadata", True]

    await page.get_by_role("button", name="Reveal grayscale").click()
    await expect(video).to_have_attribute("aria-label", "Grayscale view of the item (video, muted)")
    await expect(video).to_be_focused()  # the revealed player, not the page body
    assert ".grayscale." in await video.evaluate("v => v.currentSrc")
    await page.get_by_role("button", name="Approve").click()
    # After a severe video, the policy's cool-down: a short pause, not the next item.
    await expect(page.get_by_role("heading", name="A short pause")).to_be_visible()
    assert (await item_status(site, keys["vendor"], item["id"]))["status"] == "decided"


async def focused(page: Page) -> str:
    """What has focus, as a selector-ish name; "body" is what must never come back."""
    return str(
        await page.evaluate(
            "() => { const a = document.activeElement;"
            " return !a || a === document.body ? 'body' : a.tagName.toLowerCase() + '#' + a.id }"
        )
    )


async def test_focus_never_falls_to_the_body_after_a_reveal_or_a_check_in(site: Site) -> None:
    keys = await site.api.world()
    await put_policy(site.api, checkin_interval_seconds=90)
    await image_item(site.api, keys["vendor"], "img", labels=VIOLENT, priority=9)
    page = await site.signed_in(keys["r1"], "/review")
    await expect(page.locator("#media")).to_be_visible()

    # From the keyboard: the button that asked is disabled once the level is shown, so focus
    # goes to the revealed image, whose name says which level it is.
    await page.get_by_role("button", name="Reveal grayscale").focus()
    await page.keyboard.press("Enter")
    grayscale = page.get_by_role("img", name="Grayscale view of the item (image)")
    await expect(grayscale).to_be_focused()
    assert await focused(page) == "img#media"

    # Colour of a severe item goes through the dialog, which closes before the reveal.
    await page.get_by_role("button", name="Reveal colour").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Keep it grayscale")).to_be_focused()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")  # "Show in colour"
    await expect(page.get_by_role("img", name="Colour view of the item (image)")).to_be_focused()

    # A check-in sent: its card goes away, focus goes to the message that says it was recorded.
    site.clock.advance(100)
    checkin = page.get_by_role("region", name="How are you doing right now?")
    await expect(checkin).to_be_visible()
    await checkin.get_by_role("button", name="3 · Okay").focus()
    await page.keyboard.press("Enter")
    await expect(checkin).to_be_hidden()
    status = page.get_by_role("status")
    await expect(status).to_have_text("Thank you. Check-in recorded.")
    await expect(status).to_be_focused()

    # A severe item decided in colour: the pause is offered (issue 19), its first button
    # focused; Escape is "not now", and the queue goes on to the cool-down's heading, not the body.
    await page.get_by_role("button", name="Approve").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("button", name="Take a pause")).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("heading", name="A short pause", exact=True)).to_be_focused()
    assert await focused(page) != "body"
