"""`{data, next_cursor}` pages by offset: over a list of ids before the work (team exposure), or
over a short list computed in full (alerts, queues)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query

from api.problems import Problem

Limit = Annotated[int, Query(ge=1, le=5000)]
Cursor = Annotated[str | None, Query(max_length=64)]


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("o:"))
    except ValueError:
        raise Problem(
            422, "Validation failed", "The cursor is not one this API gave; start without it."
        ) from None


def bounds(total: int, *, limit: int, cursor: str | None) -> tuple[int, int, str | None]:
    """The slice [start, end) this page covers, and the cursor of the next page (None: last)."""
    start = _offset(cursor)
    end = start + limit
    following = base64.urlsafe_b64encode(f"o:{end}".encode()).decode() if end < total else None
    return start, end, following


def page(rows: Sequence[Any], *, limit: int, cursor: str | None) -> dict[str, Any]:
    start, end, following = bounds(len(rows), limit=limit, cursor=cursor)
    return {"data": list(rows[start:end]), "next_cursor": following}
