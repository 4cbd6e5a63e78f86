"""The pages in a real browser: uvicorn on a loopback port, headless Debian Chromium, Playwright.

The app runs in the test's own event loop (so the test can drive its media worker and its
clock), on the suite's real Redis, with polling intervals of half a second so that a refresh, a
heartbeat or an idle poll happens while the test waits. Playwright's own browser download cannot
work here, so it drives Debian's `chromium` (`.ci/run` installs it when it is missing).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from api.main import create_app
from api.pages import PageConfig
from api.pages.i18n import Catalogues
from api.settings import Settings
from tests.api.conftest import ADMIN_KEY, Api
from tests.conftest import FakeClock

CHROMIUM = os.environ.get("SAFESHIFT_CHROMIUM", "/usr/bin/chromium")
FAST = PageConfig(
    dashboard_refresh_seconds=0.5,
    heat_refresh_seconds=1,
    review_refresh_seconds=0.5,
    idle_poll_seconds=0.5,
    heartbeat_seconds=0.5,
)
CATALOGUES = Catalogues.read()
VIEWPORT = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}


@dataclass
class Site:
    """The live app (helpers of tests/api through real HTTP) and a browser to open it in."""

    api: Api
    base: str
    browser: Browser
    errors: list[str] = field(default_factory=list)  # uncaught script errors, on any page
    offsite: list[str] = field(default_factory=list)  # requests anywhere but the app itself

    @property
    def clock(self) -> FakeClock:
        return self.api.clock

    async def page(self, viewport: dict[str, int] = VIEWPORT, locale: str = "en-GB") -> Page:
        """A fresh browser context (its own cookies), on the sign-in page.

        `locale` is the browser's language (`Accept-Language`, `navigator.language`), from
        which the pages choose theirs.
        """
        context = await self.browser.new_context(  # type: ignore[arg-type]
            base_url=self.base, viewport=viewport, locale=locale
        )
        page = await context.new_page()
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((f"{self.base}/", "blob:", "data:"))
                else self.offsite.append(r.url)
            ),
        )
        page.on("pageerror", lambda e: self.errors.append(f"{page.url}: {e}"))
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"{page.url}: {m.text}")
                if _script_error(m.type, m.text)
                else None
            ),
        )
        await page.goto("/")
        return page

    async def signed_in(
        self, key: str, home: str, viewport: dict[str, int] = VIEWPORT, locale: str = "en-GB"
    ) -> Page:
        """Sign in through the form, as a person would, and land on `home`."""
        page = await self.page(viewport, locale)
        messages = CATALOGUES.messages[CATALOGUES.choose(None, locale)]
        await page.get_by_label(messages["signin.key"]).fill(key)
        await page.get_by_role("button", name=messages["signin.submit"]).click()
        await page.wait_for_url(f"**{home}")
        return page


def _script_error(kind: str, text: str) -> bool:
    """A console error from our scripts; a 4xx the page expects (423, 409) is not one."""
    return kind == "error" and not text.startswith("Failed to load resource")


def settings(redis_url: str, tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "admin_key": ADMIN_KEY,
        "data_dir": tmp,
        "allow_private_callbacks": True,
        "run_jobs": False,
        "blur_workers": 0,
        "log_json": False,
    }
    return Settings(**(values | overrides))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "page_config(**values): PageConfig fields for this test's app (default FAST)"
    )


@pytest.fixture
async def live(
    request: pytest.FixtureRequest, redis: Any, redis_url: str, tmp_path: Path, clock: FakeClock
) -> AsyncIterator[tuple[Api, str]]:
    """The app under uvicorn on a free loopback port, in this test's event loop."""
    marker = request.node.get_closest_marker("page_config")
    pages = FAST.model_copy(update=marker.kwargs) if marker else FAST
    app = create_app(settings(redis_url, tmp_path), clock=clock, page_config=pages)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(20):
            while not server.started:
                if serving.done():
                    serving.result()
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            yield Api(app, client, clock), base
    finally:
        server.should_exit = True
        await serving


def _chromium() -> str:
    """The browser binary, or a failure that says how to get it (never a silent skip)."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.fail(
            f"The page tests need Debian's Chromium at {CHROMIUM}: `apt-get install -y chromium`"
            " (.ci/run installs it when it is missing), or set SAFESHIFT_CHROMIUM to a Chromium"
            " binary. Playwright's own browser download cannot work on this machine.",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = _chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def site(live: tuple[Api, str], browser: Browser) -> AsyncIterator[Site]:
    """Every test that opens a page also checks that no script on it failed and that nothing
    was fetched from anywhere but the app (the pages, and axe-core when a test scans them)."""
    api, base = live
    opened = Site(api=api, base=base, browser=browser)
    yield opened
    assert not opened.errors, "script errors in the pages:\n" + "\n".join(opened.errors)
    assert not opened.offsite, "requests that left the app:\n" + "\n".join(opened.offsite)
