"""Every failure as `application/problem+json` (RFC 9457), from one set of handlers.

Domain exceptions map to statuses here and nowhere else. The `detail` is written for a vendor's
engineer; internals (paths, stack traces, Redis errors) never leave the process.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from blur.errors import MediaRejected
from scheduler import errors as sched
from scheduler.items import rfc3339
from scheduler.scripts import NotReplicated
from wellbeing.errors import OnBreak

MEDIA_TYPE = "application/problem+json"
_FASTAPI_UNREADABLE = "There was an error parsing the body"  # fastapi/routing.py

_STATUS: dict[type[sched.SchedulerError], tuple[int, str]] = {
    sched.NotFound: (404, "Not found"),
    sched.AlreadyExists: (409, "Already exists"),
    sched.Conflict: (409, "Conflicting decision"),
    sched.LeaseLost: (409, "Lease lost"),
    sched.NoMedia: (409, "No media"),
    sched.InvalidReference: (422, "Invalid reference"),
}


class Problem(Exception):
    """Raised by the API layer itself (auth, limits) with everything the answer needs."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


class BodyTooLarge(Exception):
    """Raised while receiving a body over the route's limit (api/middleware.py BodyLimit)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"body over {limit} bytes")
        self.limit = limit


def too_large(limit: int) -> Problem:
    return Problem(
        413,
        "Payload too large",
        f"The request body is larger than the {limit} bytes allowed here; send less (media "
        "goes as multipart to POST /v1/items, within the media limits).",
    )


def not_utf8(where: str, exc: UnicodeDecodeError) -> Problem:
    """Bytes that are not UTF-8 where JSON text was expected: which byte, and what to send."""
    byte = exc.object[exc.start : exc.start + 1].hex()
    return Problem(
        400,
        "Not UTF-8",
        f"{where} is not UTF-8 text: byte 0x{byte} at position {exc.start} is not valid "
        "UTF-8. JSON must be sent as UTF-8: re-encode the text (for example from Latin-1 or "
        "Windows-1252) to UTF-8, or escape other characters as \\uXXXX.",
    )


def malformed_json(where: str, msg: str, doc: str, pos: int) -> Problem:
    """Text that is not JSON: what the parser expected, and where (line, column)."""
    line = doc.count("\n", 0, pos) + 1
    column = pos - (doc.rfind("\n", 0, pos) + 1) + 1
    return Problem(
        400,
        "Malformed JSON",
        f"{where} is not valid JSON: {msg} at line {line} column {column} (character {pos}). "
        "Check quotes, commas and brackets there, or build the body with a JSON library.",
    )


def parse_json(raw: bytes, where: str = "The body") -> Any:
    """JSON text as sent (UTF-8 only), or the 400 that says what is wrong with it."""
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise not_utf8(where, e) from e
    except json.JSONDecodeError as e:
        raise malformed_json(where, e.msg, e.doc, e.pos) from e


def problem(
    status: int, title: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    slug = title.lower().replace(" ", "-")
    body = {
        "type": f"https://safeshift.dev/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _loc(loc: tuple[Any, ...]) -> list[Any]:
    return [part for part in loc if part != "body"] or ["body"]


def _msg(error: Any) -> str:
    if error.get("type") == "string_unicode":  # json.loads lets encoded surrogates through
        return (
            "Input is not valid Unicode text (a lone surrogate, sent as raw bytes or as a "
            "\\ud800-\\udfff escape); send the text as UTF-8"
        )
    return str(error["msg"])


Guards = Callable[[Request], Awaitable[None]]


async def _no_guards(_: Request) -> None:
    return None


async def _refusal(guards: Guards, request: Request) -> Response | None:
    """The answer of a guard that refuses the caller (401/403/429, or 404 out of scope).

    Answered here rather than raised: an exception raised inside an exception handler is
    only handled when another layer of handlers happens to sit outside this one.
    """
    try:
        await guards(request)
    except Problem as e:
        return await _own(request, e)
    except sched.SchedulerError as e:
        return await _domain(request, e)
    return None


def _validation(guards: Guards) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        raw = exc.errors()
        broken = next((e for e in raw if e.get("type") == "json_invalid"), None)
        if broken is not None:  # FastAPI decodes JSON before the checks of who may call
            if (refused := await _refusal(guards, request)) is not None:
                return refused
            pos = int(broken["loc"][-1]) if isinstance(broken["loc"][-1], int) else 0
            doc = exc.body if isinstance(exc.body, str) else ""
            msg = str(broken.get("ctx", {}).get("error", "invalid JSON"))
            return await _own(request, malformed_json("The body", msg, doc, pos))
        errors = [{"loc": _loc(e["loc"]), "msg": _msg(e)} for e in raw]
        first = errors[0] if errors else {"loc": ["body"], "msg": "invalid"}
        where = ".".join(str(p) for p in first["loc"])
        detail = f"The request is invalid: {where}: {first['msg']}."
        if len(errors) > 1:
            detail += f" ({len(errors) - 1} more in `errors`.)"
        return problem(422, "Validation failed", detail, errors=errors)

    return handle


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, sched.SchedulerError)
    if isinstance(exc, sched.InvalidInput):
        return problem(
            422, "Validation failed", exc.detail, errors=[{"loc": exc.loc, "msg": exc.detail}]
        )
    status, title = next(
        (v for cls, v in _STATUS.items() if isinstance(exc, cls)), (400, "Bad request")
    )
    return problem(status, title, exc.detail)


async def _break(request: Request, exc: Exception) -> JSONResponse:
    """423 while a break is enforced: when it ends and why, and Retry-After for clients."""
    assert isinstance(exc, OnBreak)
    wait = max(1, math.ceil(exc.until - request.app.state.ctx.clock()))
    return problem(
        423,
        "On a break",
        exc.detail,
        headers={"Retry-After": str(wait)},
        break_until=rfc3339(exc.until),
        reason=exc.reason,
    )


# Seconds a client should wait before retrying after a 503: a Sentinel failover takes a few.
RETRY_AFTER_UNAVAILABLE = 2


async def _not_replicated(_: Request, exc: Exception) -> JSONResponse:
    """The write ran on the primary, but too few replicas confirmed it in time (scripts.py)."""
    assert isinstance(exc, NotReplicated)
    return problem(
        503,
        "Not replicated",
        f"The change was not confirmed by {exc.required} Redis replica(s) within "
        f"{exc.timeout_ms} ms, so it is not acknowledged (it may be lost in a failover). Retry "
        f"the same request after {RETRY_AFTER_UNAVAILABLE} s: retrying is safe, it is "
        "idempotent or leased (see Retries after 503 in docs/api.md).",
        headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE)},
    )


async def _storage_unavailable(_: Request, exc: Exception) -> JSONResponse:
    """Redis did not answer: its primary died and Sentinel is promoting a replica, or it is
    restarting. Nothing is acknowledged, so the retry is safe; the Redis error stays in here."""
    return problem(
        503,
        "Storage unavailable",
        "The service's storage did not answer (a failover or restart in progress); nothing "
        f"was acknowledged. Retry the same request after {RETRY_AFTER_UNAVAILABLE} s: retrying "
        "is safe (see Retries after 503 in docs/api.md).",
        headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE)},
    )


async def _media(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MediaRejected)
    return problem(exc.status, exc.title, exc.detail)


async def _own(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    headers = {k: str(v) for k, v in exc.extra.pop("headers", {}).items()}
    return problem(exc.status, exc.title, exc.detail, headers=headers or None, **exc.extra)


def _http(guards: Guards) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        cause = exc.__cause__
        if exc.status_code == 400 and exc.detail == _FASTAPI_UNREADABLE:
            # FastAPI could not read or decode a declared body, before any dependency ran.
            if (refused := await _refusal(guards, request)) is not None:
                return refused
            if isinstance(cause, UnicodeDecodeError):
                return await _own(request, not_utf8("The body", cause))
            if isinstance(cause, BodyTooLarge):
                return await _own(request, too_large(cause.limit))
            return problem(
                400,
                "Unreadable body",
                "The body could not be read as JSON; send a JSON object encoded as UTF-8 "
                "with Content-Type: application/json.",
            )
        if exc.status_code == 405:
            return _not_allowed(request)
        titles = {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}
        detail = exc.detail if isinstance(exc.detail, str) else "The request could not be served."
        if exc.status_code == 404 and detail == "Not Found":
            detail = "There is no such resource. See /openapi.json for the API."
        return problem(
            exc.status_code,
            titles.get(exc.status_code, "HTTP error"),
            detail,
            headers=getattr(exc, "headers", None),
        )

    return handle


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this request's path, and OPTIONS.

    Starlette's 405 names only the methods of the first route that matched the path, while
    FastAPI makes one route per method (GET and PUT on a policy are two routes). Asking the
    router, method by method, which route would take the request covers them all, HEAD
    included where something serves it (the static files).
    """
    methods = {"OPTIONS"}
    # The app's own view of the path: a Mount (static files) moved root_path onto itself.
    top = {**request.scope, "root_path": request.scope.get("app_root_path", "")}
    for route in request.app.router.routes:
        if isinstance(route, Mount):  # the static files: any method matches, GET/HEAD serve
            if route.matches(dict(top))[0] == Match.FULL:
                methods |= {"GET", "HEAD"}
            continue
        for method in _METHODS:
            if route.matches({**top, "method": method})[0] == Match.FULL:
                methods.add(method)
    return sorted(methods)


def _not_allowed(request: Request) -> Response:
    """OPTIONS: 204 and the methods served here. Any other method not served here: 405."""
    allow = ", ".join(allowed_methods(request))
    if request.method == "OPTIONS":
        return Response(status_code=204, headers={"Allow": allow})
    return problem(
        405,
        "Method not allowed",
        f"{request.method} is not served at this path; it serves {allow}.",
        headers={"Allow": allow},
    )


async def _too_large(request: Request, exc: Exception) -> JSONResponse:
    """A body over the limit met while a handler read it (after the checks of who may call)."""
    assert isinstance(exc, BodyTooLarge)
    return await _own(request, too_large(exc.limit))


def internal_error(request_id: str) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The one 500 answer, as raw ASGI body and headers (api/middleware.py sends it).

    It names the request id, which is also in the log record holding the traceback.
    """
    body = {
        "type": "https://safeshift.dev/problems/internal-error",
        "title": "Internal error",
        "status": 500,
        "detail": "Something went wrong on our side; it was logged. Retry later; if it "
        f"persists, contact support with the request id {request_id}.",
        "request_id": request_id,
    }
    raw = json.dumps(body).encode()
    return raw, [
        (b"content-type", MEDIA_TYPE.encode()),
        (b"content-length", str(len(raw)).encode()),
    ]


def install(app: FastAPI, *, guards: Guards = _no_guards) -> None:
    """Handlers for every expected failure.

    `guards` (api/deps.py run_guards) runs the route's checks of who may call and scope before
    a body error FastAPI raised ahead of them is answered: those come first on every route.
    Unexpected errors are not handled here: Starlette re-raises after an `Exception` handler
    answers, which logged a second traceback and made uvicorn drop the keep-alive connection;
    api/middleware.py's Observe answers them instead.
    """
    app.add_exception_handler(RequestValidationError, _validation(guards))
    app.add_exception_handler(sched.SchedulerError, _domain)
    app.add_exception_handler(MediaRejected, _media)
    app.add_exception_handler(OnBreak, _break)
    app.add_exception_handler(Problem, _own)
    app.add_exception_handler(StarletteHTTPException, _http(guards))
    app.add_exception_handler(BodyTooLarge, _too_large)
    app.add_exception_handler(NotReplicated, _not_replicated)
    app.add_exception_handler(RedisConnectionError, _storage_unavailable)
    app.add_exception_handler(RedisTimeoutError, _storage_unavailable)
