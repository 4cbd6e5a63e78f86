"""Signed media links: the only way a reviewer's browser gets pixels."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Path
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
}


@router.get("/{token}", responses={200: {"content": {"image/jpeg": {}, "video/webm": {}}}})
async def media(token: str = Path(max_length=400), *, ctx: ContextDep) -> Response:
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
    return Response(content=data, media_type=mime, headers=_HEADERS)
