"""Every Redis key of the bank. bank/lua/common.lua builds the same names from `base(vendor)`.

All keys of one vendor's bank share the `{vendor}` hash tag, so on a cluster they live on one
slot and a script may derive the bucket keys (rec, ids) from the base it is given in KEYS.
"""

from __future__ import annotations

PREFIX = "safeshift:"
CHUNKS = 16  # the 256 bits as 16 chunks of 16 bits (multi-index hashing)
RECORDS_PER_BUCKET = 128  # = Redis's default hash-max-ziplist-entries: buckets stay compact
ID_BUCKETS = 16384  # item id -> entry id buckets: ~61 ids each at 1M entries, still compact


def base(vendor: str) -> str:
    """The prefix of one vendor's bank; scripts receive it in KEYS and derive the rest."""
    return f"{PREFIX}bank:{{{vendor}}}"


def counter(vendor: str) -> str:
    """String: the last slot number handed out (one slot per image, one per video frame)."""
    return f"{base(vendor)}:next"


def hashes(vendor: str) -> str:
    """String: 32 bytes of PDQ per slot, at offset slot*32 (no per-hash overhead at all)."""
    return f"{base(vendor)}:hashes"


def image_index(vendor: str, chunk: int) -> str:
    """Hash: chunk value as 4 hex digits -> packed 4-byte big-endian slots of images."""
    return f"{base(vendor)}:img:{chunk}"


def video_index(vendor: str, chunk: int) -> str:
    """Hash: chunk value as 4 hex digits -> packed (slot, entry) pairs, 4+4 bytes, of frames."""
    return f"{base(vendor)}:vid:{chunk}"


def records(vendor: str, entry: int) -> str:
    """Hash: entry % 128 -> the entry's record, in buckets of 128 entries."""
    return f"{base(vendor)}:rec:{entry // RECORDS_PER_BUCKET}"


def id_bucket(item_id: str) -> int:
    """Which `ids` bucket holds an item id: common.lua computes the same number."""
    h = 0
    for byte in item_id.encode():
        h = (h * 31 + byte) % ID_BUCKETS
    return h


def ids(vendor: str, item_id: str) -> str:
    """Hash: item id -> entry number, bucketed by `id_bucket`."""
    return f"{base(vendor)}:ids:{id_bucket(item_id)}"


def not_a_match(vendor: str) -> str:
    """Hash: new item id -> newline-separated ids of this bank's items it must never match."""
    return f"{base(vendor)}:nam"


def waiting(vendor: str, pool: str) -> str:
    """The base of a second bank per vendor and pool: the group leaders queued in that pool, so
    a new near-duplicate finds one with the same lookups (scheduler/lua/grouping.lua derives it
    as `base(vendor) .. ':waiting:' .. pool`). `:count` holds how many entries it has."""
    return f"{base(vendor)}:waiting:{pool}"
