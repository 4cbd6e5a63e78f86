"""The pages: sign-in, the reviewer's queue, the lead's dashboard, the counsellor's support page.

Each page is a small HTML shell; its script (api/static) fills it from the v1 API with the
session cookie, so the browser uses exactly the API every other client uses. The server only
decides which shell a session may see, and sends a strict Content-Security-Policy with it: no
inline script or style, nothing from anywhere but this origin.
"""

from __future__ import annotations

import html
from importlib import resources
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SESSION_COOKIE, ContextDep
from api.pages import i18n
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
_SIGNIN_ERRORS = {"invalid", "role", "busy", "ended"}


def _template(name: str) -> i18n.PageTemplate:
    text = resources.files("api.pages").joinpath("templates", name).read_text("utf-8")
    return i18n.PageTemplate(text)


def _page(
    template: i18n.PageTemplate,
    request: Request,
    catalogues: i18n.Catalogues,
    markup: dict[str, str] | None = None,
    keyed: dict[str, str] | None = None,
    **values: object,
) -> HTMLResponse:
    """The shell in the reader's language: its messages, the page's values, the catalogue.

    `values` are text (escaped here); `markup` is HTML the server wrote itself, for
    placeholders that carry an element (`Signed in as {reviewer}` with the name in bold);
    `keyed` names a message for a plain `$name` of the shell (the sign-in's refusal).
    """
    lang = catalogues.choose(
        request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
    )
    safe = {k: html.escape(str(v), quote=True) for k, v in values.items()}
    messages = catalogues.shell_values(lang, safe | (markup or {}))
    fields = messages | safe | {name: messages[key] for name, key in (keyed or {}).items()}
    fields["lang"] = lang
    fields["i18n"] = catalogues.data_block(lang)
    fields["lang_switch"] = catalogues.switch(lang, request.url.path)
    return HTMLResponse(template.substitute(fields), headers=HEADERS)


def _language_chosen(request: Request, catalogues: i18n.Catalogues) -> Response | None:
    """`?lang=xx` from the switch: keep the choice in a cookie, come back without it."""
    lang = request.query_params.get("lang")
    if lang is None:
        return None
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
    response = _to(target)
    if lang in catalogues.messages:
        response.set_cookie(
            i18n.COOKIE,
            lang,
            max_age=i18n.COOKIE_SECONDS,
            path="/",
            samesite="strict",
            httponly=True,
            secure=request.url.scheme == "https",
        )
    return response


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
    catalogues = i18n.Catalogues.read()  # checked against English: a gap stops the start
    signin, review, dashboard, counsel = (
        _template(n) for n in ("signin.html", "review.html", "dashboard.html", "support.html")
    )

    @router.get("/")
    async def signin_page(request: Request, ctx: ContextDep, error: str | None = None) -> Response:
        if (chosen := _language_chosen(request, catalogues)) is not None:
            return chosen
        who = await _session(request, ctx)
        if who is not None and who.role in HOMES:
            return _to(HOMES[who.role])
        known = error if error in _SIGNIN_ERRORS else None
        return _page(
            signin,
            request,
            catalogues,
            markup={
                "reviewer_prefix": "<code>ss_reviewer_</code>",
                "lead_prefix": "<code>ss_lead_</code>",
            },
            keyed={"error": f"signin.error.{known}"} if known else None,
            **({} if known else {"error": ""}),
            error_hidden="" if known else "hidden",
        )

    @router.get("/review")
    async def review_page(request: Request, ctx: ContextDep) -> Response:
        if (chosen := _language_chosen(request, catalogues)) is not None:
            return chosen
        who = await _session(request, ctx)
        if who is None or who.role != "reviewer":
            return _elsewhere(request, who)
        return _page(
            review,
            request,
            catalogues,
            markup={"reviewer": f"<strong>{html.escape(who.reviewer or '')}</strong>"},
            reviewer=who.reviewer or "",
            refresh=config.review_refresh_seconds,
            idle_poll=config.idle_poll_seconds,
            heartbeat=config.heartbeat_seconds or "",
        )

    @router.get("/dashboard")
    async def dashboard_page(request: Request, ctx: ContextDep) -> Response:
        if (chosen := _language_chosen(request, catalogues)) is not None:
            return chosen
        who = await _session(request, ctx)
        if who is None or who.role != "lead":
            return _elsewhere(request, who)
        return _page(
            dashboard,
            request,
            catalogues,
            markup={"team_strong": f"<strong>{html.escape(who.team or '')}</strong>"},
            team=who.team or "",
            refresh=config.dashboard_refresh_seconds,
            heat_refresh=config.heat_refresh_seconds,
        )

    @router.get("/support")
    async def support_page(request: Request, ctx: ContextDep) -> Response:
        """The counsellor's page: the team's support requests and check-ins (issue 19)."""
        if (chosen := _language_chosen(request, catalogues)) is not None:
            return chosen
        who = await _session(request, ctx)
        if who is None or who.role != "counsellor":
            return _elsewhere(request, who)
        return _page(
            counsel,
            request,
            catalogues,
            markup={"team_strong": f"<strong>{html.escape(who.team or '')}</strong>"},
            team=who.team or "",
            refresh=config.dashboard_refresh_seconds,
        )

    return router
