"""`{data, next_cursor}` pages, and the one cursor codec every list endpoint uses.

A cursor is opaque to clients: a position (an offset, a stream id) the service encodes together
with a tag, an HMAC over the position and the list it belongs to (the path and the query without
`cursor` and `limit`), keyed from the service's signing secret. Only a cursor this service issued
for this very list decodes; anything else (forged, garbled, from another list or filter, or from
before the secret changed) is a 422 that says to start again, and never reaches Redis.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from api.deps import ContextDep
from api.problems import Problem

Limit = Annotated[int, Query(ge=1, le=5000)]

_TAG_BYTES = 12
_MAX_CHARS = 512  # longer than any cursor issued; the rest is refused before decoding
_REFUSED = (
    "This cursor was not issued by this service or has expired; start again without a "
    "cursor, then pass next_cursor as given."
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tag(secret: bytes, scope: str, position: str) -> bytes:
    key = hmac.new(secret, b"safeshift cursor v1", hashlib.sha256).digest()
    message = scope.encode("utf-8", "surrogatepass") + b"\0" + position.encode()
    return hmac.new(key, message, hashlib.sha256).digest()[:_TAG_BYTES]


def encode(secret: bytes, scope: str, position: str) -> str:
    """The cursor for `position` in the list named by `scope`."""
    return f"{_b64(position.encode())}.{_b64(_tag(secret, scope, position))}"


def decode(secret: bytes, scope: str, cursor: str) -> str:
    """The position in a cursor this service issued for `scope`; else a 422 problem."""
    try:
        if len(cursor) > _MAX_CHARS or not cursor.isascii():
            raise ValueError
        body, _, tag = cursor.partition(".")
        position = _unb64(body).decode()
        if hmac.compare_digest(_unb64(tag), _tag(secret, scope, position)):
            return position
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise _refused()


def _refused() -> Problem:
    return Problem(
        422, "Invalid cursor", _REFUSED, errors=[{"loc": ["query", "cursor"], "msg": _REFUSED}]
    )


@dataclass(frozen=True)
class Page:
    """A list request's cursor, decoded only when the handler asks (after its scope checks)."""

    raw: str | None
    secret: bytes
    scope: str

    @property
    def position(self) -> str | None:
        """Where the previous page ended, as this list encoded it (None: the first page)."""
        return decode(self.secret, self.scope, self.raw) if self.raw is not None else None

    @property
    def offset(self) -> int:
        """For lists paged by offset: where this page starts."""
        position = self.position
        if position is None:
            return 0
        if not position.isdigit():  # cannot happen for a cursor this list issued
            raise _refused()
        return int(position)

    def single_page(self) -> None:
        """For a list that always fits one page: it never issues a cursor, so refuse any."""
        if self.raw is not None:
            raise _refused()

    def next(self, position: str | None) -> str | None:
        """The `next_cursor` for the page after this one (None: this is the last page)."""
        return None if position is None else encode(self.secret, self.scope, position)


def _scope(request: Request) -> str:
    query = sorted(
        (k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "limit")
    )
    return request.url.path + "?" + "&".join(f"{k}={v}" for k, v in query)


async def _page(
    request: Request,
    ctx: ContextDep,
    cursor: Annotated[
        str | None,
        Query(description="`next_cursor` of the previous page, exactly as given (opaque)"),
    ] = None,
) -> Page:
    return Page(raw=cursor, secret=ctx.signing_secret, scope=_scope(request))


Cursor = Annotated[Page, Depends(_page)]


def bounds(total: int, *, limit: int, cursor: Page) -> tuple[int, int, str | None]:
    """The slice [start, end) this page covers, and the cursor of the next page (None: last)."""
    start = cursor.offset
    end = start + limit
    return start, end, cursor.next(str(end) if end < total else None)


def page(rows: Sequence[Any], *, limit: int, cursor: Page) -> dict[str, Any]:
    start, end, following = bounds(len(rows), limit=limit, cursor=cursor)
    return {"data": list(rows[start:end]), "next_cursor": following}
