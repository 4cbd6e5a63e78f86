"""Canonical JSON: the exact bytes a record's signature covers, defined here and nowhere else.

Rules (README "Your record" repeats them for verifiers):
- keys of every object sorted by code point, no whitespace at all (`,` and `:` separators);
- UTF-8, non-ASCII characters written as themselves (no `\\u` escapes);
- integers as integers, other numbers in Python's shortest round-trip form; NaN and infinities
  are refused (JSON has no spelling for them, and a signed record must not guess).

A verifier never needs to re-canonicalise: the signed document carries these bytes (base64) and
the signature is checked over them as they are.
"""

from __future__ import annotations

import json
from typing import Any


def dumps(value: Any) -> bytes:
    """The canonical bytes of `value` (ValueError for NaN or an infinity)."""
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")
