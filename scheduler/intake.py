"""The door for new items: validate, store the media, record the item, start its processing.

Everything that can refuse an item runs before anything is stored: field validation, the
callback URL, the media sniffing. A resend of a known external_id returns the stored item and
stores nothing, not even the media.
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import Redis

from blur import sniff as blur_sniff
from blur.limits import MediaLimits
from blur.store import MediaStore
from scheduler import items, webhooks
from scheduler.errors import InvalidInput
from scheduler.items import MediaRef
from scheduler.models import ItemIn, ItemStatus
from scheduler.scripts import Scripts


async def _existing(redis: Redis, vendor: str, body: ItemIn) -> dict[str, Any] | None:
    return await items.find_by_external_id(redis=redis, vendor=vendor, external_id=body.external_id)


async def submit_text(
    *, redis: Redis, scripts: Scripts, vendor: str, body: ItemIn, now: float, allow_private: bool
) -> tuple[dict[str, Any], bool]:
    if body.callback_url:
        webhooks.check_url(body.callback_url, allow_private=allow_private)
    if (found := await _existing(redis, vendor, body)) is not None:
        return found, False
    if body.text is None or not body.text.strip():
        raise InvalidInput(
            "A JSON item needs a non-empty 'text'; send media as "
            "multipart/form-data with parts 'item' and 'media'.",
            loc=["text"],
        )
    return await items.ingest(
        redis=redis, scripts=scripts, vendor=vendor, body=body, media=None, now=now
    )


async def submit_media(
    *,
    redis: Redis,
    scripts: Scripts,
    store: MediaStore,
    limits: MediaLimits,
    vendor: str,
    body: ItemIn,
    data: bytes,
    now: float,
    allow_private: bool,
) -> tuple[dict[str, Any], bool]:
    if body.callback_url:
        webhooks.check_url(body.callback_url, allow_private=allow_private)
    if (found := await _existing(redis, vendor, body)) is not None:
        return found, False
    info = await asyncio.to_thread(blur_sniff.inspect, data, limits=limits)
    digest = await asyncio.to_thread(store.put, data)
    media = MediaRef(kind=info.kind, digest=digest, mime=info.mime, format=info.format)
    return await items.ingest(
        redis=redis,
        scripts=scripts,
        vendor=vendor,
        body=body.model_copy(update={"text": None}),
        media=media,
        now=now,
        status=ItemStatus.processing,
    )
