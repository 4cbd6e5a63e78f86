"""Identifiers that sort by creation time.

Pools order items of equal priority and deadline by member name; ids that start with the
creation time in milliseconds make that order the age order, with no extra field to compare.
Within one millisecond a process counts up from its last id (as monotonic ULIDs do), so two
items sent in the same millisecond still keep their order.
"""

from __future__ import annotations

import base64
import secrets
import threading

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_RANDOM_BITS = 60
_lock = threading.Lock()
_last: dict[str, tuple[int, int]] = {}


_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())


def _base32(millis: int, rand: int) -> str:
    """10 chars of `millis`, then 12 of `rand`: the standard encoder, in Crockford's alphabet."""
    raw = ((millis << 70) | (rand << 10)).to_bytes(15, "big")  # 110 bits, padded to 120
    return base64.b32encode(raw)[:22].translate(_FROM_RFC4648).decode()


def new_id(prefix: str, now: float) -> str:
    """`prefix_` + 10 chars of milliseconds (sortable until year 10889) + 12 chars that count up."""
    millis = int(now * 1000)
    with _lock:
        last_ms, last_rand = _last.get(prefix, (-1, 0))
        if millis <= last_ms:
            millis, rand = last_ms, last_rand + 1
        else:
            rand = secrets.randbits(_RANDOM_BITS - 1)  # headroom to count up without overflow
        _last[prefix] = (millis, rand)
    return f"{prefix}_{_base32(millis, rand)}"
