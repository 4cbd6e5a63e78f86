"""Every page, in each of its states, scanned by axe-core at phone and desktop widths.

A scan fails on any violation of any impact (axe's WCAG 2.x A/AA rules and its best practices)
and names the rule and the elements. At the phone width the page must not scroll sideways
either: a lead checking the team from a phone reads every card without panning.

The pages poll slowly here (once a minute) so that a scan never reads a list while a refresh
redraws it; each state is reached by what the test does, not by waiting for a poll.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests import synthetic
from tests.api.conftest import Api
from tests.api.media_helpers import upload, work_until_done
from tests.pages.conftest import PHONE, VIEWPORT, Site
from tests.pages.helpers import (
    MILD,
    VIOLENT,
    axe_violations,
    image_item,
    put_policy,
    sideways_overflow,
)

SLOW = {
    "dashboard_refresh_seconds": 60,
    "heat_refresh_seconds": 60,
    "review_refresh_seconds": 60,
    "idle_poll_seconds": 60,
}
WIDTHS = {"phone 375x740": PHONE, "desktop 1280x800": VIEWPORT}


@dataclass
class Audit:
    """What every scan found, so that one run reports all pages and states at once."""

    found: list[str] = field(default_factory=list)
    scanned: list[str] = field(default_factory=list)

    async def check(self, page: Page, state: str) -> None:
        for width, size in WIDTHS.items():
            await page.set_viewport_size(size)  # type: ignore[arg-type]
            where = f"{state} at {width}"
            self.scanned.append(where)
            if size is PHONE and (extra := await sideways_overflow(page)) > 0:
                self.found.append(f"{where}: the page scrolls sideways by {extra} px")
            self.found.extend(f"{where}: {v}" for v in await axe_violations(page))

    def assert_clean(self) -> None:
        assert not self.found, "accessibility problems:\n" + "\n".join(self.found)


@pytest.fixture
def audit() -> Audit:
    return Audit()


@pytest.mark.page_config(**SLOW)
async def test_sign_in_page(site: Site, audit: Audit) -> None:
    page = await site.page(PHONE)
    await expect(page.get_by_label("API key")).to_be_focused()
    await audit.check(page, "sign-in")
    await page.get_by_role("button", name="Sign in").click()  # empty: the field says why
    await expect(page.get_by_text("Enter your API key.")).to_be_visible()
    await audit.check(page, "sign-in, an empty key refused")
    await page.goto("/?error=ended")
    await expect(page.get_by_text("Your session has ended.")).to_be_visible()
    await audit.check(page, "sign-in after the session ended (no script needed)")
    audit.assert_clean()


# The break countdown reads the server's clock on each refresh: this one keeps the test's pace.
@pytest.mark.page_config(**(SLOW | {"review_refresh_seconds": 0.5}))
async def test_review_page_in_each_state(site: Site, audit: Audit) -> None:
    keys = await site.api.world()
    await put_policy(site.api, checkin_interval_seconds=90, break_seconds=120)
    await image_item(site.api, keys["vendor"], "img", labels=VIOLENT, priority=9)
    await site.api.text_item(keys["vendor"], "warned", labels=VIOLENT, priority=8)
    page = await site.signed_in(keys["r1"], "/review", PHONE)

    await expect(page.get_by_role("img", name=re.compile("^Blurred grayscale"))).to_be_visible()
    await audit.check(page, "review: an image, blurred")
    await page.get_by_role("button", name="Reveal grayscale").click()
    await expect(page.get_by_role("img", name=re.compile("^Grayscale view"))).to_be_visible()
    await audit.check(page, "review: an image, grayscale")
    await page.get_by_role("button", name="Reveal colour").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    await audit.check(page, "review: the colour dialog")
    await page.get_by_role("button", name="Keep it grayscale").click()
    await page.get_by_role("button", name="Skip").click()
    await expect(page.get_by_role("dialog")).to_be_visible()
    await audit.check(page, "review: the skip dialog")
    await page.get_by_role("button", name="Cancel").click()

    site.clock.advance(100)  # a check-in is due after 90 s of work; a reload asks at once
    await page.reload()
    checkin = page.get_by_role("region", name="How are you doing right now?")
    await expect(checkin).to_be_visible()
    await audit.check(page, "review: an item and the check-in card")
    await checkin.get_by_role("button", name="4 · Good").click()
    await expect(checkin).to_be_hidden()
    await page.get_by_role("button", name="Approve").click()

    await expect(page.get_by_text("Labelled: violence.", exact=False)).to_be_visible()
    await audit.check(page, "review: a text behind its warning")
    await page.get_by_role("button", name="Show the text").click()
    await expect(page.get_by_text("synthetic post warned")).to_be_visible()
    await audit.check(page, "review: a text shown")
    await page.get_by_role("button", name="Approve").click()

    await expect(page.get_by_role("heading", name="Nothing waiting for you")).to_be_visible()
    await audit.check(page, "review: no item")
    await page.get_by_role("button", name="Take a break").click()
    await expect(page.get_by_role("heading", name="Time for a break")).to_be_visible()
    await audit.check(page, "review: the break screen")
    site.clock.advance(121)
    await expect(page.get_by_role("button", name="Back to the queue")).to_be_visible()
    await audit.check(page, "review: the break is over")
    audit.assert_clean()


@pytest.mark.page_config(**SLOW)
async def test_review_page_with_a_video(site: Site, audit: Audit) -> None:
    keys = await site.api.world()
    status, item = await upload(
        site.api, keys["vendor"], "vid", synthetic.video("webm", frames=24), labels=VIOLENT
    )
    assert status == 201, item
    await work_until_done(site.api, [item["id"]])
    page = await site.signed_in(keys["r1"], "/review", PHONE)
    await expect(page.get_by_role("img", name=re.compile("contact sheet"))).to_be_visible()
    await audit.check(page, "review: a video's contact sheet")
    await page.get_by_role("button", name="Show the video (muted)").click()
    await expect(page.locator("video#media")).to_be_visible()
    await audit.check(page, "review: a video's player")
    audit.assert_clean()


@pytest.mark.page_config(**SLOW)
async def test_dashboard(site: Site, audit: Audit) -> None:
    keys = await site.api.world({"r1": {}, "r2": {}, "r3": {}})
    await put_policy(site.api, budgets={"hour": 0.5, "day": 0.5, "week": 5})
    await image_item(site.api, keys["vendor"], "img", labels=VIOLENT)
    for n in range(3):
        await site.api.text_item(keys["vendor"], f"q{n}", labels=VIOLENT, queue="gore-review")
    await site.api.text_item(keys["vendor"], "m", labels=MILD, queue="spam")
    r = await site.api.post("/v1/assignments", keys["r2"])
    site.clock.advance(60)
    await site.api.post(
        f"/v1/assignments/{r.json()['id']}/decision", keys["r2"], json={"verdict": "remove"}
    )
    await site.api.post("/v1/me/checkins", keys["r3"], json={"mood": 1})

    lead = await site.signed_in(keys["lead"], "/dashboard", PHONE)
    await expect(lead.locator("#reviewers tbody tr")).to_have_count(3)
    await expect(lead.locator("#alerts li")).not_to_have_count(0)
    await expect(lead.locator('#heat svg[data-cells="168"]')).to_have_count(3)
    await audit.check(lead, "dashboard: reviewers, alerts, queues, policy")

    await lead.get_by_label("Day budget (severe-minutes)").fill("0")
    await lead.get_by_role("button", name="Save policy").click()
    await expect(lead.locator("#e-budgets-day")).to_be_visible()
    await audit.check(lead, "dashboard: the policy refused, messages by the fields")
    audit.assert_clean()


@pytest.mark.page_config(**SLOW)
async def test_support_page_and_the_decompression_pause(site: Site, audit: Audit) -> None:
    keys = await site.api.world()
    counsellor = await site.api.key("counsellor", team="t1")
    await site.api.post("/v1/me/checkins", keys["r1"], json={"mood": 1, "note": "rough"})
    await site.api.post("/v1/me/support", keys["r1"], json={"note": "can we talk"})
    page = await site.signed_in(counsellor, "/support", PHONE)
    await expect(page.get_by_text("can we talk")).to_be_visible()
    await expect(page.get_by_role("cell", name="rough")).to_be_visible()
    await audit.check(page, "support: a request and a check-in")

    await put_policy(site.api, cooldown_after_severe_seconds=0)
    await image_item(site.api, keys["vendor"], "img", labels=VIOLENT)
    review = await site.signed_in(keys["r1"], "/review", PHONE)
    await review.get_by_role("button", name="Reveal colour").click()
    await review.get_by_role("button", name="Show in colour").click()
    await expect(review.get_by_role("img", name=re.compile("^Colour view"))).to_be_visible()
    await review.get_by_role("button", name="Remove").click()
    await expect(review.get_by_role("dialog")).to_be_visible()
    await audit.check(review, "review: the pause offered")
    await review.get_by_role("button", name="Take a pause").click()
    await review.get_by_role("button", name="Play falling blocks").click()
    await expect(review.get_by_role("img", name="Falling blocks game board")).to_be_visible()
    await audit.check(review, "review: the pause, the game")
    await review.get_by_role("button", name="Breathe slowly").click()
    await expect(review.locator("#breathing-step")).not_to_be_empty()
    await audit.check(review, "review: the pause, breathing")
    audit.assert_clean()


@pytest.mark.page_config(**SLOW)
async def test_the_reviewers_table_reflows_on_a_phone_and_scrolls_by_keyboard_in_between(
    site: Site,
) -> None:
    keys = await site.api.world({"r1": {}, "r2": {}})
    await site.api.post("/v1/me/checkins", keys["r2"], json={"mood": 1})
    lead = await site.signed_in(keys["lead"], "/dashboard", PHONE)
    rows = lead.locator("#reviewers tbody tr")
    await expect(rows).to_have_count(2)
    box = lead.get_by_role("region", name="Reviewers table")

    # A phone: one block per reviewer, each value under its column's name, nothing to pan.
    fits = "r => r.scrollWidth <= r.clientWidth"
    assert await box.evaluate(fits), "the table reflows to the phone's width"
    await expect(box).not_to_have_attribute("tabindex", "0")
    r2 = lead.locator('#reviewers tr[data-reviewer="r2"]')
    await expect(r2.get_by_role("rowheader")).to_contain_text("Needs attention")
    mood = r2.get_by_role("cell", name="just now")  # when, never the mood (issue 19)
    await expect(mood).to_have_attribute("data-label", "Last check-in")
    shown = await mood.evaluate("c => getComputedStyle(c, '::before').content")
    assert "Last check-in" in shown, shown
    assert await sideways_overflow(lead) == 0

    # A small tablet: nine columns, wider than the card. The table scrolls in its box, which a
    # keyboard reaches (Tab) and scrolls (arrow keys); the page itself does not move.
    await lead.set_viewport_size({"width": 700, "height": 800})
    await expect(box).to_have_attribute("tabindex", "0")
    assert not await box.evaluate(fits)
    await box.focus()
    await lead.keyboard.press("ArrowRight")
    await lead.wait_for_function("() => document.querySelector('.table-wrap').scrollLeft > 0")
    assert await sideways_overflow(lead) == 0

    # A desktop: it all fits, and the box is no extra Tab stop.
    await lead.set_viewport_size(VIEWPORT)  # type: ignore[arg-type]
    await expect(box).not_to_have_attribute("tabindex", "0")


# FastAPI's own API explorers: Swagger UI and ReDoc, loaded from a CDN at run time, so they
# cannot render offline and are third-party code. They are developer tools, not the product's
# pages; the scans above do not cover them (see docs/pages.md, "Accessibility").
API_EXPLORERS = {"/docs", "/docs/oauth2-redirect", "/redoc"}
SCANNED = {"/", "/review", "/dashboard", "/support"}


def _get_paths(routes: list[Any]) -> Iterator[str]:
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _get_paths(inner.routes)
        elif "GET" in (getattr(route, "methods", None) or ()):
            yield route.path


async def test_every_html_page_the_app_serves_is_scanned(live: tuple[Api, str]) -> None:
    """A page added later fails here until the scans above cover it."""
    api, _ = live
    pages = set()
    for path in _get_paths(api.app.routes):
        if path.startswith("/v1/") or "{" in path:
            continue
        r = await api.client.get(path)
        if r.status_code == 303 or r.headers.get("content-type", "").startswith("text/html"):
            pages.add(path)
    assert pages == SCANNED | API_EXPLORERS
