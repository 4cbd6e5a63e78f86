"""The audit log: who revealed what, who decided what, who changed a policy or a key.

One Redis Stream, append-only and never trimmed (an audit log that forgets is not one; plan its
size: ~200 bytes an entry). Reveals and decisions are appended by their own Lua scripts, in the
same atomic step as the change; account and policy changes go in the same MULTI as theirs.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from scheduler import keys
from scheduler.models import Principal

FIELDS = ("event_id", "at", "action", "actor", "subject", "detail")


def actor(who: Principal) -> str:
    """`role:binding/key-id`: the person or system behind a change, without the secret."""
    binding = who.vendor or who.team or who.reviewer or ""
    return f"{who.role}:{binding}/{who.key_id}" if binding else f"{who.role}/{who.key_id}"


def append(
    pipe: Pipeline, *, now: float, action: str, actor: str, subject: str, **detail: Any
) -> None:
    """Queue an entry on a transaction that also makes the change it records."""
    pipe.xadd(
        keys.AUDIT,
        {
            "at": now,
            "action": action,
            "actor": actor,
            "subject": subject,
            "detail": json.dumps(detail, sort_keys=True),
        },
    )


async def note(
    redis: Redis, *, now: float, action: str, actor: str, subject: str, **detail: Any
) -> None:
    """Write an entry on its own: for what changes nothing else (a read of health data, an
    export), or a change already made by a step that cannot hold the entry."""
    async with redis.pipeline(transaction=True) as pipe:
        append(pipe, now=now, action=action, actor=actor, subject=subject, **detail)
        await pipe.execute()


async def read(
    *, redis: Redis, limit: int, before: str | None = None, action: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first; `before` is the event id to continue from (exclusive)."""
    upper = f"({before}" if before else "+"
    found: list[dict[str, Any]] = []
    while len(found) < limit:
        batch = await redis.xrevrange(keys.AUDIT, max=upper, min="-", count=limit * 2)
        if not batch:
            break
        for entry_id, fields in batch:
            upper = f"({entry_id}"
            if action and fields.get("action") != action:
                continue
            found.append({"event_id": entry_id, **fields, "at": float(fields["at"])})
            if len(found) == limit:
                break
        if len(batch) < limit * 2:
            break
    following = found[-1]["event_id"] if len(found) == limit else None
    return found, following


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
