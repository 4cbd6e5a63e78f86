"""Every failure as `application/problem+json` (RFC 9457), from one set of handlers.

Domain exceptions map to statuses here and nowhere else. The `detail` is written for a vendor's
engineer; internals (paths, stack traces, Redis errors) never leave the process.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from blur.errors import MediaRejected
from scheduler import errors as sched
from scheduler.items import rfc3339
from wellbeing.errors import OnBreak

MEDIA_TYPE = "application/problem+json"

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


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": _loc(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
    first = errors[0] if errors else {"loc": ["body"], "msg": "invalid"}
    where = ".".join(str(p) for p in first["loc"])
    detail = f"The request is invalid: {where}: {first['msg']}."
    if len(errors) > 1:
        detail += f" ({len(errors) - 1} more in `errors`.)"
    return problem(422, "Validation failed", detail, errors=errors)


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


async def _media(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MediaRejected)
    return problem(exc.status, exc.title, exc.detail)


async def _own(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    headers = {k: str(v) for k, v in exc.extra.pop("headers", {}).items()}
    return problem(exc.status, exc.title, exc.detail, headers=headers or None, **exc.extra)


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
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


def install(app: FastAPI) -> None:
    """Handlers for every expected failure. Unexpected ones are not handled here: Starlette
    re-raises after an `Exception` handler answers, which logged a second traceback and made
    uvicorn drop the keep-alive connection; api/middleware.py's Observe answers them instead."""
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(sched.SchedulerError, _domain)
    app.add_exception_handler(MediaRejected, _media)
    app.add_exception_handler(OnBreak, _break)
    app.add_exception_handler(Problem, _own)
    app.add_exception_handler(StarletteHTTPException, _http)
