"""The three pages: sign-in, the reviewer's queue, the lead's dashboard.

Each page is a small HTML shell; its script (api/static) fills it from the v1 API with the
session cookie, so the browser uses exactly the API every other client uses. The server only
decides which shell a session may see, and sends a strict Content-Security-Policy with it: no
inline script or style, nothing from anywhere but this origin.
"""

from __future__ import annotations

import html
from importlib import resources
from string import Template

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SESSION_COOKIE, ContextDep
from api.pages.config import PageConfig
from api.routes.session import HOMES
from scheduler import sessions
from scheduler.models import Principal

CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

# What the sign-in page says after a form post was refused (no script: the key stays out of URLs).
_SIGNIN_ERRORS = {
    "invalid": "This API key is not valid (unknown or revoked).",
    "role": "This key has no page here; admin and vendor keys work with the API only.",
    "busy": "Too many failed sign-ins from your address; wait a minute and try again.",
    "ended": "Your session has ended. Sign in again.",
}


def _template(name: str) -> Template:
    return Template(resources.files("api.pages").joinpath("templates", name).read_text("utf-8"))


def _page(template: Template, **values: object) -> HTMLResponse:
    safe = {k: html.escape(str(v), quote=True) for k, v in values.items()}
    return HTMLResponse(template.substitute(safe), headers=HEADERS)


async def _session(request: Request, ctx: ContextDep) -> Principal | None:
    token = request.cookies.get(SESSION_COOKIE)
    found = await sessions.resolve(redis=ctx.redis, token=token) if token else None
    return found[0] if found else None


def _to(path: str) -> Response:
    return RedirectResponse(path, status_code=303, headers=HEADERS)


def _elsewhere(request: Request, who: Principal | None) -> Response:
    """Not this page's role: to the caller's own page, or to sign-in (saying why, if it ended)."""
    if who is not None:
        return _to(HOMES.get(who.role, "/"))
    return _to("/?error=ended" if request.cookies.get(SESSION_COOKIE) else "/")


def build_router(config: PageConfig) -> APIRouter:
    """The page routes, with the polling intervals baked into each shell's data attributes."""
    router = APIRouter(include_in_schema=False)
    signin, review, dashboard = (
        _template(n) for n in ("signin.html", "review.html", "dashboard.html")
    )

    @router.get("/")
    async def signin_page(request: Request, ctx: ContextDep, error: str | None = None) -> Response:
        who = await _session(request, ctx)
        if who is not None and who.role in HOMES:
            return _to(HOMES[who.role])
        message = _SIGNIN_ERRORS.get(error or "", "")
        return _page(signin, error=message, error_hidden="" if message else "hidden")

    @router.get("/review")
    async def review_page(request: Request, ctx: ContextDep) -> Response:
        who = await _session(request, ctx)
        if who is None or who.role != "reviewer":
            return _elsewhere(request, who)
        return _page(
            review,
            reviewer=who.reviewer or "",
            refresh=config.review_refresh_seconds,
            idle_poll=config.idle_poll_seconds,
            heartbeat=config.heartbeat_seconds or "",
        )

    @router.get("/dashboard")
    async def dashboard_page(request: Request, ctx: ContextDep) -> Response:
        who = await _session(request, ctx)
        if who is None or who.role != "lead":
            return _elsewhere(request, who)
        return _page(
            dashboard,
            team=who.team or "",
            refresh=config.dashboard_refresh_seconds,
            heat_refresh=config.heat_refresh_seconds,
        )

    return router
