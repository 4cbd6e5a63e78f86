"""Groups (issue 17): near-duplicates waiting in one pool at the same time are decided together.

The atomic steps are Lua (scheduler/lua/groups.lua for claim, skip and expiry, grouping.lua for
joining and deciding; docs/matching.md, "Groups"). This module prepares what a group's decision
writes: each member's own bank entry, built from its own hashes as a lone item's would be, so
the script that decides the group banks every member in the same step.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from scheduler import keys, matching

# The most items one group holds, its leader included (matching.GROUP_MAX, which the lookup
# spec carries to grouping.lua). A decision writes every member's record, bank entry and webhook
# in one script: the cap bounds how long that script holds Redis. Past it, a near-duplicate
# starts a group of its own.
GROUP_MAX = matching.GROUP_MAX

# What a member's bank entry is made of (as scheduler.assignments reads for a lone item).
_BANK_FIELDS = ("id", "vendor", "media_type", "pdq", "text_key", "severity", "labels")


async def members(*, redis: Redis, leader: str) -> list[str]:
    """The ids of the items grouped under `leader`, in the order they joined."""
    return list(await redis.zrange(keys.group(leader), 0, -1))


async def decision_args(
    *,
    redis: Redis,
    leader: str,
    verdict: str,
    labels: list[dict[str, Any]],
    split: list[str],
    now: float,
    escalated: bool = False,
) -> str:
    """The decision script's group JSON (grouping.lua group_decide): the members to split out
    and every member's bank entry; '' for a lone item with nothing to split. The script decides
    only the members its assignment still holds, so reading them first is safe."""
    ids = await members(redis=redis, leader=leader)
    if not ids and not split:
        return ""
    async with redis.pipeline(transaction=False) as pipe:
        for item_id in ids:
            pipe.hmget(keys.item(item_id), _BANK_FIELDS)
        rows = await pipe.execute()
    entries = []
    for item_id, values in zip(ids, rows, strict=True):
        item = {k: v for k, v in zip(_BANK_FIELDS, values, strict=True) if v is not None}
        if item_id in split or not item.get("id"):
            continue
        own = labels or json.loads(item.get("labels", "[]"))
        bank = matching.bank_args(
            item=item,
            verdict=verdict,
            labels=own,
            decided_at=now,
            not_a_match=False,
            escalated=escalated,  # a group escalated with its leader is flagged like it
        )
        kind, record, text_key = bank.args[:3]
        entries.append(
            {
                "id": item_id,
                "base": bank.keys[0],
                "kind": kind,
                "record": record,
                "text_key": text_key,
                "hashes": [h.hex() for h in bank.args[4:]],
            }
        )
    return json.dumps({"split": split, "members": entries}, separators=(",", ":"))
