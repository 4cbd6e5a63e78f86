"""Identifiers that sort by creation time.

Pools order items of equal priority and deadline by member name; ids that start with the
creation time in milliseconds make that order the age order, with no extra field to compare.
"""

from __future__ import annotations

import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _base32(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, rem = divmod(value, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def new_id(prefix: str, now: float) -> str:
    """`prefix_` + 10 chars of milliseconds (sortable until year 10889) + 12 random chars."""
    millis = int(now * 1000)
    return f"{prefix}_{_base32(millis, 10)}{_base32(secrets.randbits(60), 12)}"
