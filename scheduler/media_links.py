"""Short-lived signed media links, bound to one assignment and one level.

A link is `<assignment>.<level>.<expiry>.<HMAC>`: nothing secret in it, nothing to look up to
reject a forgery. Whether the level may be served at all (only a level the assignment was served
at first or revealed since, colour with faces only after a reveal of faces, and only while the
assignment is live) is checked when the link is used, not when it is made.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from redis.asyncio import Redis

from scheduler import keys
from scheduler.errors import NoMedia, SchedulerError
from scheduler.models import LEVELS

# The level an assignment must be at (served first, or revealed) before a link to this stored
# media level may be served: each level, and a video's contact sheets with the level they show.
# `color_faces` also needs a reveal of faces (`revealed_faces_at`), checked in resolve.
_NEEDS_LEVEL = {
    "blurred": "blurred",
    "sheet": "blurred",
    "stylized": "stylized",
    "stylized_sheet": "stylized",
    "grayscale": "grayscale",
    "color": "color",
    "color_faces": "color",
}
# The contact sheet (JPEG) shown before a video at that level plays.
_SHEETS = {"blurred": "sheet", "stylized": "stylized_sheet"}
RANK = {level: rank for rank, level in enumerate(LEVELS)}


class BadLink(SchedulerError):
    """Forged, malformed, or expired: answered 403 without saying which."""


def _mac(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(*, secret: bytes, assignment_id: str, level: str, expires: int) -> str:
    payload = f"{assignment_id}.{level}.{expires}"
    return f"{payload}.{_mac(secret, payload)}"


def url(*, secret: bytes, assignment_id: str, level: str, now: float, ttl: int) -> str:
    token = sign(secret=secret, assignment_id=assignment_id, level=level, expires=int(now) + ttl)
    return f"/v1/media/{token}"


def verify(*, secret: bytes, token: str, now: float) -> tuple[str, str]:
    parts = token.split(".")
    if len(parts) != 4 or parts[1] not in _NEEDS_LEVEL or not parts[2].isdigit():
        raise BadLink("This media link is not valid.")
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _mac(secret, payload)) or int(parts[2]) < now:
        raise BadLink("This media link is not valid or has expired; ask for a fresh one.")
    return parts[0], parts[1]


def media_levels(item: dict[str, str]) -> dict[str, str]:
    levels: dict[str, str] = json.loads(item.get("media") or "{}")
    return levels


async def stored_levels(*, redis: Redis, item_id: str) -> dict[str, str]:
    """The item's derived levels (level -> digest) and nothing else of it: a reveal checks only
    that the level exists, and an item's text can be 100 kB."""
    return media_levels({"media": await redis.hget(keys.item(item_id), "media") or ""})


async def resolve(*, redis: Redis, assignment_id: str, level: str) -> tuple[str, str]:
    """(digest, content type) of what the link may show now, or BadLink / NoMedia."""
    assignment = await redis.hgetall(keys.assignment(assignment_id))
    if assignment.get("status") != "live":
        raise BadLink("This media link belongs to an assignment that has ended.")
    needed = _NEEDS_LEVEL[level]
    if RANK.get(assignment.get("level", ""), 0) < RANK[needed]:
        raise BadLink(f"The {needed} level is shown only after a recorded reveal.")
    if level == "color_faces" and not assignment.get("revealed_faces_at"):
        raise BadLink("Faces are shown only after a recorded reveal of faces.")
    item = await redis.hgetall(keys.item(assignment["item"]))
    levels, mimes = media_levels(item), json.loads(item.get("mime") or "{}")
    if level not in levels or level not in mimes:
        raise NoMedia("This item has no such media level.")
    return levels[level], mimes[level]


def media_level(level: str, *, faces: bool = False) -> str:
    """The stored media a level is served from: colour with faces is its own (`color_faces`)."""
    return "color_faces" if faces and level == "color" else level


def view(
    *,
    secret: bytes,
    assignment_id: str,
    item: dict[str, str],
    now: float,
    ttl: int,
    level: str = "blurred",
) -> dict[str, Any]:
    """The view of an item served first: its media at `level` (a video also gets the contact
    sheet of that level, when it has one), or, for text, no media link at all."""
    levels = media_levels(item)
    link = None
    if level in levels:
        link = url(secret=secret, assignment_id=assignment_id, level=level, now=now, ttl=ttl)
    result: dict[str, Any] = {"level": level, "url": link}
    sheet = _SHEETS.get(level, "")
    if sheet in levels:
        result["sheet_url"] = url(
            secret=secret, assignment_id=assignment_id, level=sheet, now=now, ttl=ttl
        )
    return result
