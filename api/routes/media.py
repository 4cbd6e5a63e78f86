"""Signed media links: the only way a reviewer's browser gets pixels."""

from __future__ import annotations

import asyncio
import re

from fastapi import APIRouter, Header, Path
from fastapi.responses import Response

from api.deps import ContextDep
from api.problems import Problem
from scheduler import media_links

router = APIRouter(prefix="/v1/media", tags=["reviewer"])

_HEADERS = {
    "Cache-Control": "no-store, private",
    "Content-Disposition": "inline",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Accept-Ranges": "bytes",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range asked for, as (first, last), or None to send the whole file.

    Browsers seek in a video only when the server takes ranges (Chromium treats a file served
    whole as not seekable). Several ranges, a malformed or an unsatisfiable one are ignored, as
    RFC 9110 allows: the whole file is never a wrong answer."""
    found = _RANGE.match(header.strip()) if header else None
    if not found or found.group(1) == found.group(2) == "":
        return None
    first, last = found.group(1), found.group(2)
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(size - 1, int(last)) if last else size - 1
    return (start, end) if start <= end < size else None


@router.get(
    "/{token}",
    responses={
        200: {"content": {"image/jpeg": {}, "video/webm": {}}},
        206: {"description": "The byte range asked for (`Range: bytes=...`), to seek in a video"},
    },
)
async def media(
    token: str = Path(max_length=400),
    *,
    ctx: ContextDep,
    range_: str | None = Header(default=None, alias="Range", include_in_schema=False),
) -> Response:
    """Serve one level of one assignment's media while the link and the assignment are valid."""
    try:
        assignment_id, level = media_links.verify(
            secret=ctx.signing_secret, token=token, now=ctx.clock()
        )
        digest, mime = await media_links.resolve(
            redis=ctx.redis, assignment_id=assignment_id, level=level
        )
    except media_links.BadLink as e:
        raise Problem(403, "Forbidden", e.detail) from e
    data = await asyncio.to_thread(ctx.store.read, digest)
    part = _byte_range(range_, len(data))
    if part is None:
        return Response(content=data, media_type=mime, headers=_HEADERS)
    start, end = part
    headers = {**_HEADERS, "Content-Range": f"bytes {start}-{end}/{len(data)}"}
    return Response(
        content=data[start : end + 1], status_code=206, media_type=mime, headers=headers
    )
