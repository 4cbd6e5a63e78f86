"""What the page tests share: synthetic media items, policies, and reading served pixels."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

from tests import synthetic
from tests.api.conftest import Api
from tests.api.media_helpers import upload, work_until_done

VIOLENT = [{"category": "violence", "severity": 0.9}]  # effective 0.9: severe at 0.7
MILD = [{"category": "spam", "severity": 0.9}]  # effective 0: never severe
AXE = Axe()  # axe-core as bundled in the wheel: injected into the page, nothing downloaded


def scene() -> np.ndarray:
    """Coloured shapes and text, nothing graphic: plenty of detail for the blur to remove."""
    return synthetic.scene(640, 400, seed=5)


async def image_item(api: Api, vendor_key: str, external_id: str, **fields: Any) -> str:
    """Upload the scene as an image item and let a real media worker make its levels. The same
    picture twice would be near-duplicates (grouped, or matched once decided: issue 17), so
    matching is off unless a test asks for it: the page tests here are about one item each."""
    fields.setdefault("match_policy", "off")
    status, item = await upload(api, vendor_key, external_id, synthetic.jpeg(scene()), **fields)
    assert status == 201, item
    await work_until_done(api, [item["id"]])
    return str(item["id"])


async def put_policy(api: Api, team: str = "t1", **policy: Any) -> None:
    r = await api.client.put(f"/v1/teams/{team}/policy", headers=api.admin, json=policy)
    assert r.status_code == 200, r.text


async def shown_pixels(page: Page, selector: str = "#media") -> np.ndarray:
    """The bytes the page's <img> was served, fetched again at its exact URL, decoded as BGR."""
    img = page.locator(selector)
    await img.wait_for()
    loaded = (
        "s => { const i = document.querySelector(s); return i?.complete && i.naturalWidth > 0 }"
    )
    await page.wait_for_function(loaded, arg=selector)
    url = await img.evaluate("i => i.currentSrc")
    response = await page.request.get(url)
    assert response.status == 200, await response.text()
    return synthetic.decode(await response.body(), cv2.IMREAD_COLOR)


async def rendered_channels(page: Page, selector: str = "#media") -> list[list[int]]:
    """Pixels as the browser decoded them: a grid of samples read back through a canvas."""
    samples: list[list[int]] = await page.locator(selector).evaluate(
        """img => {
            const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            const g = c.getContext('2d');
            g.drawImage(img, 0, 0);
            const out = [];
            for (let y = 5; y < c.height; y += Math.floor(c.height / 9))
              for (let x = 5; x < c.width; x += Math.floor(c.width / 9))
                out.push(Array.from(g.getImageData(x, y, 1, 1).data.slice(0, 3)));
            return out;
        }"""
    )
    return samples


def is_gray(image: np.ndarray) -> bool:
    b, g, r = (image[..., i].astype(int) for i in range(3))
    return bool(max(np.abs(b - g).max(), np.abs(g - r).max()) <= 2)


def sharpness(image: np.ndarray) -> float:
    return synthetic.sharpness(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))


async def axe_violations(page: Page) -> list[str]:
    """Every axe-core violation on the page as it stands, of any impact, with its targets.

    All rules run (WCAG 2.x A/AA and axe's best practices); the package injects its own copy of
    axe-core through the DevTools protocol, so the page's strict CSP does not stand in its way.
    """
    results = await AXE.run(page)
    return [
        f"{v['id']} ({v['impact']}): {' | '.join(', '.join(n['target']) for n in v['nodes'])}"
        for v in results.response["violations"]
    ]


async def sideways_overflow(page: Page) -> int:
    """How many CSS pixels the page scrolls sideways (0 when everything fits the viewport)."""
    return int(await page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth"))
