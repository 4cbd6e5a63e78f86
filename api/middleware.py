"""ASGI middleware: body size limits (before the body is read), request ids, metrics, access
logs, and the one answer to unexpected errors."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import metrics, problems
from api.problems import BodyTooLarge

log = logging.getLogger("safeshift.access")
errors = logging.getLogger("safeshift.errors")


class BodyLimit:
    """Refuse bodies over the route's limit without reading them: by Content-Length before the
    first byte, else while streaming.

    The refusal is raised when the body is read (BodyTooLarge, answered 413 by api/problems.py),
    not when the request arrives: who may call (401/403) and scope (404) answer first.
    """

    def __init__(self, app: ASGIApp, *, default: int, uploads: int) -> None:
        self.app, self.default, self.uploads = app, default, uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").startswith(b"multipart/form-data")
        limit = self.uploads if multipart and scope["path"] == "/v1/items" else self.default
        length = headers.get(b"content-length")
        declared = int(length) if length is not None and length.isdigit() else 0
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            if declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,64}$")


def request_id(scope: Scope) -> str:
    """The request's id: the caller's `X-Request-ID` when it is a sane token, else a new one."""
    given = dict(scope["headers"]).get(b"x-request-id", b"")
    return given.decode() if _REQUEST_ID.match(given) else uuid.uuid4().hex


class Observe:
    """Count, time and log every request by route template (not raw path: ids would explode
    labels), give it a request id, and answer any unexpected error.

    An unexpected error gets exactly one problem+json 500 and one log record (traceback and
    request id), and the exception stops here. Starlette's `Exception` handler re-raises after
    answering, so uvicorn logged it a second time and closed the client's keep-alive connection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start, status, started = time.perf_counter(), 500, False
        rid = request_id(scope)
        scope.setdefault("state", {})["request_id"] = rid

        async def capture(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status, started = message["status"], True
                message = {
                    **message,
                    "headers": [*message["headers"], (b"x-request-id", rid.encode())],
                }
            await send(message)

        try:
            await self.app(scope, receive, capture)
        except Exception:
            status = 500
            errors.exception(
                "unhandled error on %s %s (request %s)",
                scope["method"],
                scope["path"],
                rid,
                extra={"request_id": rid},
            )
            if not started:  # else the answer is cut short: the server closes that connection
                body, headers = problems.internal_error(rid)
                await capture({"type": "http.response.start", "status": 500, "headers": headers})
                await send({"type": "http.response.body", "body": body})
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - start
            metrics.REQUESTS.labels(scope["method"], route, str(status)).inc()
            metrics.LATENCY.labels(scope["method"], route).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                    "request_id": rid,
                },
            )
