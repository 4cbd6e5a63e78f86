"""Multipart forms whose text parts must be UTF-8, as JSON parts are.

Starlette decodes a text part that is not valid UTF-8 as Latin-1 instead, so an `item` part
sent in another encoding became mojibake that then passed or failed validation for the wrong
reason. This parser keeps Starlette's limits and files but refuses such a part with a 400 that
names it (api/problems.py `not_utf8`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import Request
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException, MultiPartParser

from api.problems import not_utf8


class _NotUtf8(Exception):
    def __init__(self, name: str, error: UnicodeDecodeError) -> None:
        super().__init__(name)
        self.name, self.error = name, error


class _StrictTextParts(MultiPartParser):
    def on_part_end(self) -> None:
        part = self._current_part
        if part.file is None:
            try:
                bytes(part.data).decode("utf-8")
            except UnicodeDecodeError as e:
                raise _NotUtf8(part.field_name, e) from e
        super().on_part_end()


@contextlib.asynccontextmanager
async def form(
    request: Request, *, max_files: int, max_fields: int, max_part_size: int
) -> AsyncIterator[FormData]:
    """The multipart form of `request`, its files closed on the way out."""
    parser = _StrictTextParts(
        request.headers,
        request.stream(),
        max_files=max_files,
        max_fields=max_fields,
        max_part_size=max_part_size,
    )
    try:
        parsed = await parser.parse()
    except _NotUtf8 as e:
        raise not_utf8(f"The '{e.name}' part", e.error) from e
    except MultiPartException as e:
        raise HTTPException(400, f"The multipart body is malformed: {e.message}") from e
    try:
        yield parsed
    finally:
        await parsed.close()
