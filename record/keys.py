"""Every Redis key the reviewer's record uses: only the signing keys (the record itself is read
from the exposure ledger and the items, never copied)."""

from __future__ import annotations

PREFIX = "safeshift:"

# Hash key_id -> JSON {public_key, private, created_at, retired_at}: every key ever made, so a
# record signed years ago still verifies. `private` is AES-GCM ciphertext, never the raw key.
SIGNING_KEYS = f"{PREFIX}signing:keys"

# String: the key_id that signs now. Set once by whichever process starts first (WATCH/MULTI),
# moved only by a rotation.
SIGNING_CURRENT = f"{PREFIX}signing:current"
