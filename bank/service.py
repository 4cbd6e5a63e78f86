"""Bank a decision, look up an image or a video, remove an entry, record a not-a-match pair.

Keyword-only functions taking the Redis client; each is one script call (one round trip).
Low-quality hashes (quality < `Settings.min_quality`) never enter the bank and never look
anything up: `add` returns None and a lookup answers no match, having probed nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from bank import keys, scripts
from bank.models import (
    HASH_RE,
    ITEM_ID_RE,
    BankError,
    Frame,
    InvalidHash,
    Kind,
    Label,
    Lookup,
    Match,
    NotBankable,
    Record,
    Settings,
)

DEFAULT = Settings()


def _hash(value: str) -> str:
    text = value.lower()
    if not HASH_RE.match(text):
        raise InvalidHash(f"a PDQ hash is 64 hex digits (256 bits); got {value[:80]!r}")
    return text


def _item(item_id: str) -> str:
    if not ITEM_ID_RE.match(item_id):
        raise BankError(f"item id must be 1-128 characters without tab or newline; got {item_id!r}")
    return item_id


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _kept(frames: Sequence[Frame], settings: Settings, most: int) -> list[str]:
    """Good frames' hashes, exact repeats dropped (as vPDQ does), sampled evenly down to most."""
    kept = list(dict.fromkeys(_hash(f.hash) for f in frames if f.quality >= settings.min_quality))
    if len(kept) > most:
        kept = [kept[n * len(kept) // most] for n in range(most)]
    return kept


@dataclass(frozen=True)
class Entry:
    """What one decision puts in the bank: the record and its hashes (or its text key).

    Built in Python and written by Lua: bank_add (or bank_add_text) runs inside the decision's
    own script (scheduler/lua/decide.lua), so a decision never exists without its bank entry."""

    kind: Kind
    record: str
    hashes: tuple[bytes, ...] = ()
    text_key: str = ""


def entry(
    *,
    item_id: str,
    verdict: str,
    decided_at: float,
    frames: Sequence[Frame] = (),
    kind: Kind = "image",
    labels: Sequence[Label] = (),
    severity: float = 0.0,
    escalated: bool = False,
    text_key: str = "",
    settings: Settings = DEFAULT,
) -> Entry | None:
    """The bank entry of a final decision; None when nothing is good enough to bank (no hash, no
    hash of quality >= `settings.min_quality`, or a text without its key)."""
    if verdict == "escalate":
        raise NotBankable("an escalated item enters the bank when it is finally decided")
    if kind == "text":
        hashes: list[str] = []
        quality = 100  # an exact key has no quality to speak of: it matches or it does not
        if not text_key:
            return None
    elif not frames:
        return None  # media never hashed (derived before hashing existed): nothing to bank
    else:
        if kind == "image" and len(frames) != 1:
            raise BankError(f"an image has exactly one hash; got {len(frames)}")
        hashes = _kept(frames, settings, settings.video_bank_frames)
        if not hashes:
            return None
        good = [f.quality for f in frames if f.quality >= settings.min_quality]
        quality = round(sum(good) / len(good))
    record = Record(
        item_id=_item(item_id),
        verdict=verdict,
        decided_at=decided_at,
        severity=severity,
        quality=quality,
        escalated=escalated,
        disputed=False,
        kind=kind,
        frames=max(1, len(hashes)),
        labels=tuple(labels),
    )
    return Entry(kind, record.pack(), tuple(map(bytes.fromhex, hashes)), text_key)


async def add(
    *,
    redis: Redis,
    vendor: str,
    item_id: str,
    verdict: str,
    decided_at: float,
    frames: Sequence[Frame],
    kind: Kind = "image",
    labels: Sequence[Label] = (),
    severity: float = 0.0,
    escalated: bool = False,
    settings: Settings = DEFAULT,
) -> int | None:
    """Bank a final decision (an image: one frame); None when no hash is good enough to bank.

    A banked item added again replaces its entry. `escalated` says the item went through an
    escalation before this decision: such decisions are shown, never applied automatically.
    """
    banked = entry(
        item_id=item_id,
        verdict=verdict,
        decided_at=decided_at,
        frames=frames,
        kind=kind,
        labels=labels,
        severity=severity,
        escalated=escalated,
        settings=settings,
    )
    if banked is None:
        return None
    reply = await scripts.run(
        redis,
        "add",
        keys=[keys.base(vendor)],
        args=[item_id, kind, banked.record, *banked.hashes],
    )
    return int(reply)


def _match(vendor: str, distance: int, record_text: Any, **video: Any) -> Match:
    record = Record.unpack(_text(record_text))
    return Match(
        vendor=vendor,
        item_id=record.item_id,
        distance=distance,
        verdict=record.verdict,
        labels=record.labels,
        decided_at=record.decided_at,
        quality=record.quality,
        severity=record.severity,
        escalated=record.escalated,
        disputed=record.disputed,
        **video,
    )


async def lookup_image(
    *,
    redis: Redis,
    vendors: Sequence[str],
    frame: Frame,
    item_id: str = "",
    settings: Settings = DEFAULT,
) -> Lookup:
    """The nearest banked image within the threshold, in the banks of `vendors` (the item's
    own vendor first, then linked ones). `item_id` is the new item's, for its not-a-match list."""
    query = _hash(frame.hash)
    if frame.quality < settings.min_quality or not vendors:
        return Lookup(match=None, checked=0, capped=False)
    bank, distance, record, checked, capped = await scripts.run(
        redis,
        "lookup_image",
        keys=[keys.base(v) for v in vendors],
        args=[bytes.fromhex(query), settings.threshold, settings.cap, item_id],
    )
    match = _match(vendors[int(bank) - 1], int(distance), record) if int(bank) else None
    return Lookup(match=match, checked=int(checked), capped=bool(int(capped)))


async def lookup_video(
    *,
    redis: Redis,
    vendors: Sequence[str],
    frames: Sequence[Frame],
    item_id: str = "",
    settings: Settings = DEFAULT,
) -> Lookup:
    """The banked video matched by the most of this video's frames, if they are at least
    `settings.video_percent` of them (low-quality frames and exact repeats do not count)."""
    hashes = _kept(frames, settings, settings.video_query_frames)
    if not hashes or not vendors:
        return Lookup(match=None, checked=0, capped=False)
    reply = await scripts.run(
        redis,
        "lookup_video",
        keys=[keys.base(v) for v in vendors],
        args=[
            settings.threshold,
            settings.video_frame_cap,
            settings.video_percent,
            item_id,
            *map(bytes.fromhex, hashes),
        ],
    )
    bank, matched, total, summed, largest, record, checked, capped = reply
    match = None
    if int(bank):
        video = {
            "mean_distance": int(summed) / int(matched),
            "frames_matched": int(matched),
            "frames": int(total),
        }
        match = _match(vendors[int(bank) - 1], int(largest), record, **video)
    return Lookup(match=match, checked=int(checked), capped=bool(int(capped)))


async def remove(*, redis: Redis, vendor: str, item_id: str) -> bool:
    """Take an item out of its vendor's bank; it stops matching at once. False if not banked."""
    reply = await scripts.run(redis, "remove", keys=[keys.base(vendor)], args=[item_id])
    return bool(int(reply))


async def mark_not_a_match(*, redis: Redis, vendor: str, item_id: str, banked_item_id: str) -> bool:
    """Item `item_id` must never match `banked_item_id` (of `vendor`'s bank) again; that entry
    is flagged disputed, so it is never applied automatically. False if it is not banked."""
    reply = await scripts.run(
        redis,
        "not_a_match",
        keys=[keys.base(vendor)],
        args=[_item(item_id), _item(banked_item_id)],
    )
    return bool(int(reply))
