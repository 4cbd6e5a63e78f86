"""Request dependencies: the context, who is calling, and what they may reach.

Checks run in one order on every route: who may call (401 missing or unknown key, 403 a role
that may not do this at all), then scope (404 outside the caller's team, reviewer or vendor,
the same answer as for an id that does not exist), then what was sent (400/413/415/422).
FastAPI validates a declared body after dependencies, so scope checks that must come first are
dependencies here (`TeamInScope`, `OwnAssignment`, `KnownReviewer`); the few body errors FastAPI
raises before any dependency (undecodable or oversized bodies) run `run_guards` first.
"""

from __future__ import annotations

import hmac
import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, NoReturn

from fastapi import Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant

from api.context import Context
from api.problems import Problem
from scheduler import accounts, assignments, auth_limits, sessions
from scheduler.errors import NotFound
from scheduler.models import Ident, Principal, Role

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
    request.state.guarded = True  # run_guards: the checks ran (or raised) before the body's
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

# The dependencies run_guards may call: who is calling, the role checks, the scope checks.
_GUARDS: set[Callable[..., Any]] = {get_context, principal}


def require(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(who: PrincipalDep) -> Principal:
        if who.role not in roles:
            allowed = " or ".join(roles)
            raise Problem(
                403, "Forbidden", f"This needs a key with role {allowed}; yours is '{who.role}'."
            )
        return who

    _GUARDS.add(check)
    return check


Admin = Annotated[Principal, Depends(require("admin"))]
Vendor = Annotated[Principal, Depends(require("vendor"))]
VendorOrAdmin = Annotated[Principal, Depends(require("vendor", "admin"))]
Reviewer = Annotated[Principal, Depends(require("reviewer"))]
Lead = Annotated[Principal, Depends(require("lead"))]
LeadOrAdmin = Annotated[Principal, Depends(require("lead", "admin"))]
# Check-ins and support requests are health data: only the team's counsellor reads them.
Counsellor = Annotated[Principal, Depends(require("counsellor"))]


async def team_in_scope(team: Annotated[Ident, Path()], ctx: ContextDep, who: LeadOrAdmin) -> str:
    """A team the calling lead leads (any team, for an admin); 404 for the rest."""
    if (who.role == "lead" and who.team != team) or not await accounts.team_exists(
        redis=ctx.redis, team=team
    ):
        raise NotFound(f"No team '{team}'.")
    return team


async def own_assignment(
    assignment_id: Annotated[Ident, Path()], ctx: ContextDep, who: Reviewer
) -> assignments.Held:
    """An assignment of the calling reviewer, with its item; 404 for another reviewer's."""
    return await assignments.held(
        redis=ctx.redis, assignment_id=assignment_id, reviewer=who.reviewer or ""
    )


async def known_reviewer(reviewer_id: Annotated[Ident, Path()], ctx: ContextDep, _: Admin) -> str:
    """A reviewer that exists (admins only); 404 before the body is looked at."""
    await accounts.get_reviewer(redis=ctx.redis, reviewer_id=reviewer_id)
    return reviewer_id


async def visible_reviewer(
    reviewer_id: Annotated[Ident, Path()],
    ctx: ContextDep,
    who: Annotated[Principal, Depends(require("admin", "lead", "reviewer"))],
) -> str:
    """A reviewer the caller may see: any (admin), their team's (lead), themselves (reviewer)."""
    try:
        profile = await accounts.get_reviewer(redis=ctx.redis, reviewer_id=reviewer_id)
    except NotFound:
        profile = None
    allowed = profile is not None and (
        who.role == "admin"
        or (who.role == "lead" and who.team == profile["team"])
        or (who.role == "reviewer" and who.reviewer == reviewer_id)
    )
    if not allowed:
        raise NotFound(f"No reviewer '{reviewer_id}'.")
    return reviewer_id


async def counselled_team(
    ctx: ContextDep,
    who: Counsellor,
    team: Annotated[
        Ident | None, Query(description="Your team (the default); any other team is 404")
    ] = None,
) -> str:
    """The team the calling counsellor's key is bound to; another team is 404, as if absent."""
    wanted = team or who.team or ""
    if wanted != who.team or not await accounts.team_exists(redis=ctx.redis, team=wanted):
        raise NotFound(f"No team '{wanted}'.")
    return wanted


async def admin_team(team: Annotated[Ident, Path()], ctx: ContextDep, _: Admin) -> str:
    """A team that exists (admins only); 404 before the body is looked at."""
    if not await accounts.team_exists(redis=ctx.redis, team=team):
        raise NotFound(f"No team '{team}'; create it with POST /v1/teams.")
    return team


_GUARDS.update({counselled_team, admin_team})
_GUARDS.update({team_in_scope, own_assignment, known_reviewer, visible_reviewer})
TeamInScope = Annotated[str, Depends(team_in_scope)]
OwnAssignment = Annotated[assignments.Held, Depends(own_assignment)]
KnownReviewer = Annotated[str, Depends(known_reviewer)]
VisibleReviewer = Annotated[str, Depends(visible_reviewer)]
CounselledTeam = Annotated[str, Depends(counselled_team)]
AdminTeam = Annotated[str, Depends(admin_team)]


async def run_guards(request: Request) -> None:
    """Who may call, then scope, for a request whose body failed before they could run.

    FastAPI reads and decodes a declared body before it solves any dependency, so an
    undecodable or oversized body would otherwise answer before a 401/403/404. This calls the
    matched route's guard dependencies (and only those) in FastAPI's order, with the raw path
    parameters; a refusal raises its Problem, which then answers instead of the body error.
    """
    if getattr(request.state, "guarded", False):  # they ran already, and let the caller in
        return
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return
    values: dict[str, Any] = {"request": request, **request.path_params}
    solved: dict[Callable[..., Any], Any] = {}  # once per request, as FastAPI caches them

    async def solve(node: Dependant) -> None:
        for sub in node.dependencies:
            await solve(sub)
            if sub.call not in _GUARDS or not sub.name:
                continue
            if sub.call not in solved:
                params = inspect.signature(sub.call).parameters
                if not all(name in values for name in params):
                    continue
                solved[sub.call] = await sub.call(**{name: values[name] for name in params})
            values[sub.name] = solved[sub.call]

    await solve(dependant)
