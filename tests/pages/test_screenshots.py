"""Screenshots of both pages on the demo's data, 1280×800, and the dashboard on a phone (375×740).

Every run takes them (so the pages are known to render the demo's real numbers); they are
written to docs/screenshots only when SAFESHIFT_SCREENSHOTS names that folder:

    SAFESHIFT_SCREENSHOTS=docs/screenshots .venv/bin/pytest tests/pages/test_screenshots.py
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import pytest
from playwright.async_api import expect

from api import demo
from tests.api.media_helpers import upload, work_until_done
from tests.pages.conftest import PHONE, Site
from tests.pages.helpers import put_policy


async def _demo_world(site: Site) -> dict[str, str]:
    """The demo's team, reviewers, history and low-mood check-in, with its images processed."""
    ctx = site.api.app.state.ctx
    keys = await demo.seed(redis=ctx.redis, settings=ctx.settings, now=site.clock())
    ids = []
    for n in range(0, 36, 3):  # the demo makes every third item an image
        r = await site.api.get(f"/v1/items?external_id=demo-{n}", keys["vendor"])
        ids.append(r.json()["data"][0]["id"])
    status, item = await upload(
        site.api,
        keys["vendor"],
        "shot-image",
        demo.synthetic_image(3),
        labels=[{"category": "violence", "severity": 0.9}],
        priority=9,
        sla_seconds=1800,
    )
    assert status == 201, item
    await work_until_done(site.api, [*ids, item["id"]])
    return keys


def _target(tmp_path: Path) -> Path:
    target = Path(os.environ.get("SAFESHIFT_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    return target


@pytest.mark.page_config(dashboard_refresh_seconds=10)  # as in production: it says so on screen
async def test_screenshots_of_both_pages(site: Site, tmp_path: Path) -> None:
    keys = await _demo_world(site)
    # Budgets far below the defaults, so that the demo's short morning shows on the bars and
    # ben's next items take him past his day budget (an alert, and his row moves up).
    await put_policy(site.api, "demo-team", budgets={"hour": 2, "day": 3.5, "week": 30})
    target = _target(tmp_path)

    ben = await site.signed_in(keys["ben"], "/review")  # works on, past his day budget
    await expect(ben.locator("#work")).to_be_visible()
    for _ in range(3):
        site.clock.advance(150)
        async with ben.expect_response(lambda r: r.url.endswith("/v1/assignments")):
            await ben.get_by_role("button", name="Approve").click()
        await expect(ben.locator("#work")).to_be_visible()
    site.clock.advance(20)

    ana = await site.signed_in(keys["ana"], "/review")
    await expect(
        ana.get_by_role("img", name="Blurred grayscale preview of the item (image)")
    ).to_be_visible()
    await ana.wait_for_function("document.getElementById('media').naturalWidth > 0")
    await ana.screenshot(path=target / "review.png")

    lead = await site.signed_in(keys["lead"], "/dashboard")
    await expect(lead.locator("#reviewers tbody tr")).to_have_count(5)
    await expect(lead.locator("#alerts li")).not_to_have_count(0)
    await expect(lead.locator('#heat svg[data-cells="168"]')).to_have_count(5)
    await lead.screenshot(path=target / "dashboard.png")
    # The same page on a phone: the cards stack, and the reviewers table scrolls in its box.
    await lead.set_viewport_size(PHONE)  # type: ignore[arg-type]
    await lead.screenshot(path=target / "dashboard-phone.png")

    sizes = {"review.png": (800, 1280), "dashboard.png": (800, 1280)}
    sizes["dashboard-phone.png"] = (PHONE["height"], PHONE["width"])
    for name, size in sizes.items():
        image = cv2.imread(str(target / name))
        assert image is not None and image.shape[:2] == size, name
