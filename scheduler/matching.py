"""Seen before (issue 17): the scheduler's side of the bank. What a new item is looked up with,
what a decision banks, and a vendor's matching settings (docs/matching.md, "Wiring").

The lookups and the bank writes run in Lua inside the scripts that queue and decide items
(scheduler/lua/match.lua, decide.lua); this module prepares their arguments from the item's
stored hashes, so a lookup or a bank entry costs no extra round trip but the reads here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from bank import keys as bank_keys
from bank import service as bank
from bank.models import Frame, Label, Record, Settings
from blur import hashing
from scheduler import audit, keys
from scheduler.errors import InvalidReference, NotFound

POLICIES = ("auto", "assist", "off")
DEFAULT_POLICY = "assist"
SETTINGS = Settings()  # threshold 31, auto within 8, quality >= 50, video 80% of frames
# The most items a group of waiting near-duplicates holds (scheduler/groups.py says why).
GROUP_MAX = 50


@dataclass(frozen=True)
class VendorMatching:
    """A vendor's default `match_policy` and the vendors whose banks its items also look in."""

    policy: str
    linked: tuple[str, ...]


async def vendor_matching(*, redis: Redis, vendor: str) -> VendorMatching:
    policy, linked = await redis.hmget(keys.vendor(vendor), "match_policy", "linked_banks")
    return VendorMatching(
        policy=policy or DEFAULT_POLICY,
        linked=tuple(v for v in (linked or "").split(",") if v),
    )


def frames(packed: str) -> list[Frame]:
    """The item's stored hashes (blur.hashing.pack's form) as the bank takes them."""
    return [Frame(hash=h.hash, quality=h.quality) for h in hashing.unpack(packed)]


def spec(
    *,
    policy: str,
    media_type: str,
    packed: str = "",
    text_key: str = "",
    vendors: list[str],
    settings: Settings = SETTINGS,
) -> str:
    """The JSON match.lua looks up with, or '' when nothing is to be looked up (policy `off`, no
    hash good enough: a failed or flat picture, a text without its key). grouping.lua looks for
    a waiting near-duplicate with the same JSON: no lookup, no group either."""
    if policy == "off":
        return ""
    body: dict[str, Any] = {
        "policy": policy,
        "kind": media_type,
        "vendors": vendors,
        "threshold": settings.threshold,
        "cap": settings.cap,
        "frame_cap": settings.video_frame_cap,
        "percent": settings.video_percent,
        "auto_distance": settings.auto_distance,
        "min_quality": settings.min_quality,
        "group_max": GROUP_MAX,  # grouping.lua: past this, a near-duplicate leads a new group
    }
    if media_type == "text":
        if not text_key:
            return ""
        return json.dumps({**body, "key": text_key, "quality": 100})
    good = [f for f in frames(packed) if f.quality >= settings.min_quality]
    if not good:
        return ""
    if media_type == "image":
        good = good[:1]
    else:  # exact repeats dropped, sampled evenly (bank.service does the same for a query)
        unique = list({f.hash: f for f in good}.values())
        most = settings.video_query_frames
        if len(unique) > most:
            unique = [unique[n * len(unique) // most] for n in range(most)]
        good = unique
    quality = min(f.quality for f in good)
    return json.dumps({**body, "hashes": [f.hash for f in good], "quality": quality})


async def lookup_args(
    *,
    redis: Redis,
    vendor: str,
    policy: str | None,
    media_type: str,
    packed: str = "",
    text_key: str = "",
    settings: Settings = SETTINGS,
) -> tuple[list[str], str]:
    """(bank base keys, spec) for the script that queues an item; the item's own `policy` wins
    over its vendor's. An unknown vendor (the simulator's) matches in its own bank only."""
    setting = await vendor_matching(redis=redis, vendor=vendor)
    vendors = [vendor, *(v for v in setting.linked if v != vendor)]
    text = spec(
        policy=policy or setting.policy,
        media_type=media_type,
        packed=packed,
        text_key=text_key,
        vendors=vendors,
        settings=settings,
    )
    return ([bank_keys.base(v) for v in vendors] if text else []), text


@dataclass(frozen=True)
class BankArgs:
    """The decision script's bank arguments (scheduler/lua/decide.lua ARGV[7..], KEYS[4..5])."""

    keys: list[str]
    args: list[Any]


def bank_args(
    *,
    item: dict[str, str],
    verdict: str,
    labels: list[dict[str, Any]],
    decided_at: float,
    not_a_match: bool,
    escalated: bool = False,
    settings: Settings = SETTINGS,
) -> BankArgs:
    """What a reviewer's decision writes to the bank: nothing for an escalation (it is not
    final) or an item without a good hash; its entry otherwise, and the not-a-match pair."""
    vendor = item.get("vendor", "")
    media_type = item.get("media_type", "text")
    entry = None
    if verdict != "escalate":
        entry = bank.entry(
            item_id=item["id"],
            verdict=verdict,
            decided_at=decided_at,
            frames=frames(item.get("pdq", "")) if media_type != "text" else (),
            kind=media_type,  # type: ignore[arg-type]
            labels=[Label(category=x["category"], severity=float(x["severity"])) for x in labels],
            severity=float(item.get("severity") or 0),
            text_key=item.get("text_key", ""),
            escalated=escalated,  # finally decided after an escalation: never applied by `auto`
            settings=settings,
        )
    other = item.get("match_vendor") or vendor
    disputed = item.get("match_item", "") if not_a_match else ""
    base = bank_keys.base(vendor)
    if entry is None:
        return BankArgs([base, bank_keys.base(other)], ["", "", "", disputed])
    return BankArgs(
        [base, bank_keys.base(other)],
        [entry.kind, entry.record, entry.text_key, disputed, *entry.hashes],
    )


def rendered_match(raw: dict[str, str]) -> dict[str, Any] | None:
    """`match: {item_id, distance, verdict}` of an item a prior decision matched."""
    if not raw.get("match_record"):
        return None
    record = Record.unpack(raw["match_record"])
    return {
        "item_id": record.item_id,
        "distance": int(float(raw["match_distance"])),
        "verdict": record.verdict,
    }


def seen_before(raw: dict[str, str]) -> dict[str, Any] | None:
    """An assignment's `seen_before: {verdict, labels, decided_at, distance}` (assist)."""
    if not raw.get("match_record"):
        return None
    record = Record.unpack(raw["match_record"])
    return {
        "verdict": record.verdict,
        "labels": [{"category": x.category, "severity": x.severity} for x in record.labels],
        "decided_at": record.decided_at,  # Unix seconds: the API renders it (RFC 3339)
        "distance": int(float(raw["match_distance"])),
    }


async def update_vendor(
    *,
    redis: Redis,
    vendor: str,
    policy: str | None,
    linked: list[str] | None,
    now: float,
    actor: str,
) -> VendorMatching:
    """Set a vendor's default `match_policy` and the vendors it shares its bank with. A link
    goes both ways (each vendor's items look in the other's bank): linking or unlinking changes
    both vendors, in one transaction with its audit entry."""
    if not await redis.exists(keys.vendor(vendor)):
        raise NotFound(f"No vendor '{vendor}'.")
    current = await vendor_matching(redis=redis, vendor=vendor)
    # A vendor always looks in its own bank: its own id in the list adds nothing, and is dropped.
    wanted = (
        current.linked if linked is None else tuple(v for v in dict.fromkeys(linked) if v != vendor)
    )
    for other in wanted:
        if not await redis.exists(keys.vendor(other)):
            raise InvalidReference(f"Vendor '{other}' in linked_banks does not exist.")
    added = [v for v in wanted if v not in current.linked]
    removed = [v for v in current.linked if v not in wanted]
    others = {v: await vendor_matching(redis=redis, vendor=v) for v in [*added, *removed]}
    async with redis.pipeline(transaction=True) as pipe:
        if policy is not None:
            pipe.hset(keys.vendor(vendor), "match_policy", policy)
        pipe.hset(keys.vendor(vendor), "linked_banks", ",".join(wanted))
        for other, setting in others.items():
            theirs = [v for v in setting.linked if v != vendor]
            if other in added:
                theirs.append(vendor)
            pipe.hset(keys.vendor(other), "linked_banks", ",".join(theirs))
        audit.append(
            pipe,
            now=now,
            action="vendor.matching",
            actor=actor,
            subject=vendor,
            match_policy=policy,
            linked_banks=list(wanted),
            linked=added,
            unlinked=removed,
        )
        await pipe.execute()
    return await vendor_matching(redis=redis, vendor=vendor)


async def remove_from_bank(*, redis: Redis, item_id: str, now: float, actor: str) -> bool:
    """Take an item's hashes out of its vendor's bank (an admin's correction): it stops matching
    at once. False when it was not banked; NotFound when there is no such item."""
    vendor = await redis.hget(keys.item(item_id), "vendor")
    if vendor is None:
        raise NotFound(f"No item '{item_id}'.")
    removed = await bank.remove(redis=redis, vendor=vendor, item_id=item_id)
    async with redis.pipeline(transaction=True) as pipe:
        audit.append(
            pipe, now=now, action="bank.remove", actor=actor, subject=item_id, removed=removed
        )
        await pipe.execute()
    return removed
