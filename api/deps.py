"""Request dependencies: the context, and who is calling (as `Annotated` aliases).

401 when the key is missing or unknown, 403 when the role may not do this at all. Scope (which
vendor, team or reviewer) is checked by the handlers, which answer 404 outside it.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated, NoReturn

from fastapi import Depends, Request

from api.context import Context
from api.problems import Problem
from scheduler import accounts, auth_limits, sessions
from scheduler.models import Principal, Role

BOOTSTRAP_ADMIN = "bootstrap-admin"
SESSION_COOKIE = "safeshift_session"


async def get_context(request: Request) -> Context:
    """Async on purpose: FastAPI runs a plain `def` dependency in its thread pool, which cost
    a thread hand-off on every request (a fifth of the server's time under load)."""
    ctx: Context = request.app.state.ctx
    return ctx


ContextDep = Annotated[Context, Depends(get_context)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def _same_origin(request: Request) -> None:
    """A cookie rides along on any request, so a state change must come from our own pages.

    SameSite=Strict already keeps other sites' requests cookie-less; this also refuses the rest
    (an old browser, a sibling subdomain) whenever the browser says where a request came from.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("origin")
    ours = {request.headers.get("host"), request.headers.get("x-forwarded-host")}  # via a proxy
    if origin is not None and origin.split("://", 1)[-1] not in ours:
        raise Problem(403, "Forbidden", "A signed-in page may only be used from its own site.")


async def _from_cookie(request: Request, ctx: Context) -> Principal | None:
    """The browser pages' session (scheduler/sessions.py); None when there is no cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = await sessions.resolve(redis=ctx.redis, token=token)
    if found is None:
        raise Problem(
            401,
            "Unauthorized",
            "Your session has ended (signed out, expired, or its key was revoked); sign in again.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    _same_origin(request)
    request.state.principal = found[0]
    return found[0]


async def principal(request: Request, ctx: ContextDep) -> Principal:
    """The caller, by key or session cookie (401 without one that works).

    The failed-key limit is consulted only for a key that did not work: it slows down guessing
    without ever refusing a valid key, so one guessing client behind a shared NAT or proxy
    cannot lock out everyone else at that address.
    """
    token = _bearer(request)
    if token is None and (by_cookie := await _from_cookie(request, ctx)) is not None:
        return by_cookie
    if token is None:
        raise Problem(
            401,
            "Unauthorized",
            "Send your API key as 'Authorization: Bearer <key>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    admin = ctx.settings.admin_key
    if admin and hmac.compare_digest(token.encode(), admin.get_secret_value().encode()):
        return Principal(key_id=BOOTSTRAP_ADMIN, role="admin")
    found = await accounts.authenticate(redis=ctx.redis, secret=token)
    if found is None:
        address = request.client.host if request.client else "unknown"
        await unknown_key(ctx, address)
    request.state.principal = found
    return found


async def unknown_key(ctx: Context, address: str) -> NoReturn:
    """Refuse a key that is unknown or revoked: 429 past the address's limit, else 401."""
    limit = ctx.settings.auth_failures_per_minute
    if wait := await auth_limits.blocked_for(redis=ctx.redis, address=address, limit=limit):
        raise Problem(
            429,
            "Too many failed sign-ins",
            f"Too many requests with unknown keys from your address; try again in {wait} s "
            "with a valid key (valid keys are never refused by this limit).",
            headers={"Retry-After": wait},
        )
    await auth_limits.failed(redis=ctx.redis, address=address)
    raise Problem(
        401,
        "Unauthorized",
        "This API key is not valid (unknown or revoked).",
        headers={"WWW-Authenticate": "Bearer"},
    )


PrincipalDep = Annotated[Principal, Depends(principal)]


def require(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(who: PrincipalDep) -> Principal:
        if who.role not in roles:
            allowed = " or ".join(roles)
            raise Problem(
                403, "Forbidden", f"This needs a key with role {allowed}; yours is '{who.role}'."
            )
        return who

    return check


Admin = Annotated[Principal, Depends(require("admin"))]
Vendor = Annotated[Principal, Depends(require("vendor"))]
VendorOrAdmin = Annotated[Principal, Depends(require("vendor", "admin"))]
Reviewer = Annotated[Principal, Depends(require("reviewer"))]
Lead = Annotated[Principal, Depends(require("lead"))]
LeadOrAdmin = Annotated[Principal, Depends(require("lead", "admin"))]
