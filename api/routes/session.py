"""Sign-in for the browser pages: an API key traded for an HttpOnly session cookie, and back.

`POST /v1/session` is the one place a browser sends a key. From then on the pages call the v1
API like any other client, and api/deps.py resolves the cookie to the key it stands for. The
sign-in page posts JSON; a plain form post works too, so a page whose script failed to load still
never puts the key in a URL.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.context import Context
from api.deps import SESSION_COOKIE, ContextDep, PrincipalDep
from api.problems import Problem, parse_json
from scheduler import accounts, auth_limits, sessions
from scheduler.items import rfc3339
from scheduler.models import Principal
from wellbeing import policy

router = APIRouter(prefix="/v1/session", tags=["session"])

# Where each role's page is; other roles (admin, vendor) have none and keep to the API.
HOMES = {"reviewer": "/review", "lead": "/dashboard", "counsellor": "/support"}

_FORM = "application/x-www-form-urlencoded"
_OPENAPI: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["key"],
                    "additionalProperties": False,
                    "properties": {"key": {"type": "string", "minLength": 1, "maxLength": 512}},
                }
            }
        },
    },
    "responses": {
        "201": {"description": "Signed in: the cookie is set; `home` is the page to open"},
        "401": {"description": "Unknown or revoked key"},
        "403": {"description": "A role without a page (admin, vendor)"},
    },
}


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=512)


def _loopback(host: str) -> bool:
    """Whether a Host header (`127.0.0.1:8000`, `localhost`, `[::1]:8000`) names this machine."""
    if host.startswith("["):
        name = host[1:].split("]", 1)[0]
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def secure_cookie(request: Request) -> bool:
    """Secure, except for plain http on this machine (the demo, the tests).

    Behind a TLS proxy the app may see http, but the browser sees https and keeps a Secure
    cookie; only someone browsing a non-local host over plain http loses it, as they should.
    """
    return request.url.scheme == "https" or not _loopback(request.headers.get("host", ""))


async def _body(request: Request) -> tuple[SessionIn, bool]:
    """The key, and whether it came from a plain form (answered with a redirect)."""
    is_form = request.headers.get("content-type", "").startswith(_FORM)
    try:
        if is_form:
            async with request.form(max_files=0, max_fields=2) as form:
                raw: Any = {"key": form.get("key") or ""}
        else:
            raw = parse_json(await request.body())
        return SessionIn.model_validate(raw), is_form
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False)) from e


def _refused(is_form: bool, status: int, title: str, detail: str, code: str) -> Response:
    if is_form:
        return RedirectResponse(f"/?error={code}", status_code=303)
    raise Problem(status, title, detail)


@router.post("", status_code=201, openapi_extra=_OPENAPI)
async def sign_in(request: Request, ctx: ContextDep) -> Response:
    """Trade an API key for a session cookie (HttpOnly, SameSite=Strict, 12 hours)."""
    body, is_form = await _body(request)
    try:
        made = await sessions.create(
            redis=ctx.redis, secret=body.key, roles=tuple(HOMES), now=ctx.clock()
        )
    except sessions.NotForBrowser as e:
        return _refused(is_form, 403, "Forbidden", e.detail, "role")
    if made is None:  # the failed-key limit never refuses a valid key (docs/api.md, Auth)
        address = request.client.host if request.client else "unknown"
        limit = ctx.settings.auth_failures_per_minute
        if wait := await auth_limits.blocked_for(redis=ctx.redis, address=address, limit=limit):
            detail = f"Too many failed sign-ins from your address; try again in {wait} s."
            return _refused(is_form, 429, "Too many failed sign-ins", detail, "busy")
        await auth_limits.failed(redis=ctx.redis, address=address)
        detail = "This API key is not valid (unknown or revoked)."
        return _refused(is_form, 401, "Unauthorized", detail, "invalid")
    home = HOMES[made.principal.role]
    answer: Response = (
        RedirectResponse(home, status_code=303)
        if is_form
        else JSONResponse(
            {"role": made.principal.role, "home": home, "expires_at": rfc3339(made.expires_at)},
            status_code=201,
        )
    )
    answer.set_cookie(
        SESSION_COOKIE,
        made.token,
        max_age=sessions.TTL_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
    )
    answer.headers["Cache-Control"] = "no-store"
    return answer


async def describe(ctx: Context, who: Principal) -> dict[str, Any]:
    """Who the caller is, the page for them, and the server's clock (pages count down by it)."""
    body: dict[str, Any] = {
        "role": who.role,
        "key_id": who.key_id,
        "home": HOMES.get(who.role),
        "team": who.team,
        "reviewer": who.reviewer,
        "now": rfc3339(ctx.clock()),
    }
    if who.role == "reviewer" and who.reviewer:
        profile = await accounts.get_reviewer(redis=ctx.redis, reviewer_id=who.reviewer)
        found = await policy.get(
            redis=ctx.redis, team=profile["team"], lease_default=ctx.settings.lease_seconds
        )
        # The page marks severe items (and asks twice before colour) by the team's threshold.
        body |= {"team": profile["team"], "severe_threshold": found.severe_threshold}
    return body


@router.get("")
async def whoami(ctx: ContextDep, who: PrincipalDep) -> dict[str, Any]:
    """The caller (by key or by session cookie), and `now` on the server's clock."""
    return await describe(ctx, who)


@router.delete("", status_code=204, response_class=Response)
async def sign_out(request: Request, ctx: ContextDep) -> Response:
    """End the session on the server and clear the cookie. Without a session, nothing to do."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await sessions.delete(redis=ctx.redis, token=token)
    answer = Response(status_code=204)
    answer.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
    )
    return answer
