"""Confidential support in Chromium (issue 19): the counsellor's page, and the decompression
pause the review page offers after a severe item decided in colour."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.pages.conftest import Site
from tests.pages.helpers import VIOLENT, image_item, put_policy


async def test_the_counsellors_page_lists_a_new_request_at_once(site: Site) -> None:
    keys = await site.api.world()
    counsellor = await site.api.key("counsellor", team="t1")
    await site.api.post("/v1/me/checkins", keys["r1"], json={"mood": 2, "note": "long day"})
    page = await site.signed_in(counsellor, "/support")
    await expect(page.get_by_role("heading", name="Confidential support")).to_be_visible()
    await expect(page.get_by_text("No open requests.")).to_be_visible()
    checkins = page.get_by_role("table")
    await expect(checkins.get_by_role("row", name=re.compile("r1"))).to_contain_text("long day")

    r = await site.api.post("/v1/me/support", keys["r1"], json={"note": "can we talk today"})
    assert r.status_code == 201
    await expect(page.get_by_text("can we talk today")).to_be_visible()  # polled, no reload
    await expect(page.get_by_role("status")).to_have_text("New request to talk from r1.")
    await page.get_by_role("button", name="Mark the request of r1 handled").click()
    await expect(page.get_by_text("No open requests.")).to_be_visible()

    # A lead who opens the page is sent to their own.
    lead = await site.signed_in(keys["lead"], "/dashboard")
    await lead.goto("/support")
    await lead.wait_for_url("**/dashboard")


async def test_the_pause_is_offered_after_a_severe_colour_decision(site: Site) -> None:
    keys = await site.api.world()
    await put_policy(site.api, cooldown_after_severe_seconds=0)
    await image_item(site.api, keys["vendor"], "img", labels=VIOLENT)
    page = await site.signed_in(keys["r1"], "/review")

    await page.get_by_role("button", name="Reveal colour").click()
    await page.get_by_role("button", name="Show in colour").click()
    await expect(page.get_by_role("img", name="Colour view of the item (image)")).to_be_visible()
    await page.get_by_role("button", name="Remove").click()

    offer = page.get_by_role("dialog", name="Time for a short pause?")
    await expect(offer).to_be_visible()
    await expect(offer).to_contain_text("severe item you saw in colour")
    await offer.get_by_role("button", name="Take a pause").click()
    await expect(page.get_by_role("heading", name="A decompression pause")).to_be_visible()
    me = (await site.api.get("/v1/me", keys["r1"])).json()
    assert (me["state"], me["break_reason"]) == ("on_break", "decompression")
    assert me["offer_pause"] is False  # the pause is a break: the offer is met

    await page.get_by_role("button", name="Play falling blocks").click()
    board = page.get_by_role("img", name="Falling blocks game board")
    await expect(board).to_be_focused()
    for key in ("ArrowLeft", "ArrowUp", "ArrowRight", "ArrowDown"):
        await page.keyboard.press(key)
    await expect(board).to_have_attribute("data-moves", "4")
    await page.get_by_role("button", name="Move left").click()
    await expect(board).to_have_attribute("data-moves", "5")
    await expect(page.get_by_text("Lines cleared: 0")).to_be_visible()

    await page.get_by_role("button", name="Breathe slowly").click()
    step = page.locator("#breathing-step")
    await expect(step).to_have_text("Breathe in… 4")
    await expect(step).to_have_text("Breathe in… 3", timeout=3000)  # the timer runs
    await expect(page.get_by_text("Breath 1 of 10")).to_be_visible()
    await expect(board).to_be_hidden()

    await page.get_by_role("button", name="Talk to someone").click()
    await expect(page.get_by_role("status")).to_contain_text("counsellor has been told")
    counsellor = await site.api.key("counsellor", team="t1")
    requests = (await site.api.get("/v1/support", counsellor)).json()["data"]
    assert [r["reviewer"] for r in requests] == ["r1"]


async def test_not_now_goes_on_with_the_queue_and_does_not_ask_again(site: Site) -> None:
    keys = await site.api.world()
    await put_policy(site.api, cooldown_after_severe_seconds=0)
    await image_item(site.api, keys["vendor"], "a", labels=VIOLENT)
    await image_item(site.api, keys["vendor"], "b", labels=VIOLENT)
    page = await site.signed_in(keys["r1"], "/review")
    await page.get_by_role("button", name="Reveal colour").click()
    await page.get_by_role("button", name="Show in colour").click()
    await page.get_by_role("button", name="Remove").click()
    offer = page.get_by_role("dialog", name="Time for a short pause?")
    await offer.get_by_role("button", name="Not now").click()
    await expect(page.get_by_role("img", name=re.compile("Blurred"))).to_be_visible()
    await page.wait_for_timeout(1200)  # two refreshes: the same offer is not made again
    await expect(offer).to_be_hidden()
