"""Short-lived signed media links, bound to one assignment and one level.

A link is `<assignment>.<level>.<expiry>.<HMAC>`: nothing secret in it, nothing to look up to
reject a forgery. Whether the level may be served at all (a colour level only after a recorded
reveal, only while the assignment is live) is checked when the link is used, not when it is made.
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

# The level a reviewer must have revealed before a link to this level may be served.
_NEEDS_REVEAL = {
    "blurred": None,
    "sheet": None,
    "grayscale": ("grayscale", "color"),
    "color": ("color",),
}


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
    if len(parts) != 4 or parts[1] not in _NEEDS_REVEAL or not parts[2].isdigit():
        raise BadLink("This media link is not valid.")
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3], _mac(secret, payload)) or int(parts[2]) < now:
        raise BadLink("This media link is not valid or has expired; ask for a fresh one.")
    return parts[0], parts[1]


def media_levels(item: dict[str, str]) -> dict[str, str]:
    levels: dict[str, str] = json.loads(item.get("media") or "{}")
    return levels


async def resolve(*, redis: Redis, assignment_id: str, level: str) -> tuple[str, str]:
    """(digest, content type) of what the link may show now, or BadLink / NoMedia."""
    assignment = await redis.hgetall(keys.assignment(assignment_id))
    if assignment.get("status") != "live":
        raise BadLink("This media link belongs to an assignment that has ended.")
    needed = _NEEDS_REVEAL[level]
    if needed and not any(assignment.get(f"revealed_{lvl}_at") for lvl in needed):
        raise BadLink(f"The {level} level is shown only after a recorded reveal.")
    item = await redis.hgetall(keys.item(assignment["item"]))
    levels, mimes = media_levels(item), json.loads(item.get("mime") or "{}")
    if level not in levels or level not in mimes:
        raise NoMedia("This item has no such media level.")
    return levels[level], mimes[level]


def view(
    *, secret: bytes, assignment_id: str, item: dict[str, str], now: float, ttl: int
) -> dict[str, Any]:
    """The default view of an item: blurred grayscale media, or the text with its labels."""
    levels = media_levels(item)
    link = None
    if "blurred" in levels:
        link = url(secret=secret, assignment_id=assignment_id, level="blurred", now=now, ttl=ttl)
    result: dict[str, Any] = {"level": "blurred", "url": link}
    if "sheet" in levels:
        result["sheet_url"] = url(
            secret=secret, assignment_id=assignment_id, level="sheet", now=now, ttl=ttl
        )
    return result
