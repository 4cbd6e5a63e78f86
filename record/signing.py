"""Ed25519 signing keys for reviewers' records: made on first use, kept encrypted, rotated.

Every public key ever made stays published (`published`), so a record a reviewer took away
years ago still verifies after rotations. The private key rests in Redis only as AES-GCM
ciphertext under a key derived (HKDF-SHA256) from the signing secret: SAFESHIFT_SIGNING_SECRET,
or, when it is unset, a random secret in the data directory (file mode 0600), which suits the
embedded Redis and one machine. Several machines on one Redis must share the environment secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from redis.asyncio import Redis
from redis.exceptions import WatchError

from record import keys
from record.errors import SigningUnavailable

SECRET_FILE = "signing.secret"
_HKDF_INFO = b"safeshift record signing key v1"  # a new info string for any new scheme
_NONCE_BYTES = 12  # AES-GCM's standard nonce; random per encryption (a handful of keys ever)


def secret(*, configured: str | None, data_dir: Path) -> bytes:
    """The configured secret, else the data directory's (made on first use, readable by the
    owner only)."""
    if configured:
        return configured.encode("utf-8")
    path = data_dir / SECRET_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        made = secrets.token_hex(32).encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process on this directory made it first
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as f:
            f.write(made)
        return made


def _aead(secret_bytes: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO)
    return AESGCM(derived.derive(secret_bytes))


def _raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def _new_entry(secret_bytes: bytes, now: float) -> tuple[str, dict[str, Any]]:
    """A fresh key: its id (from the public key, so anyone can check the pairing) and its entry."""
    private = Ed25519PrivateKey.generate()
    public = _raw_public(private)
    key_id = "ed25519-" + hashlib.sha256(public).hexdigest()[:16]
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = nonce + _aead(secret_bytes).encrypt(nonce, raw, key_id.encode())  # id bound as AAD
    entry = {
        "public_key": base64.b64encode(public).decode(),
        "private": base64.b64encode(sealed).decode(),
        "created_at": now,
        "retired_at": None,
    }
    return key_id, entry


async def current(*, redis: Redis, secret_bytes: bytes, now: float) -> str:
    """The id of the key that signs now, made on the first call on this Redis (one winner
    however many processes race)."""
    while True:
        async with redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(keys.SIGNING_CURRENT)
                found = await pipe.get(keys.SIGNING_CURRENT)
                if found:
                    return str(found)
                key_id, entry = _new_entry(secret_bytes, now)
                pipe.multi()
                pipe.hset(keys.SIGNING_KEYS, key_id, json.dumps(entry))
                pipe.set(keys.SIGNING_CURRENT, key_id)
                await pipe.execute()
                return key_id
            except WatchError:
                continue


async def rotate(*, redis: Redis, secret_bytes: bytes, now: float) -> tuple[str, str | None]:
    """A new signing key; the old one is retired (still published, no longer used).
    Returns (new key id, retired key id or None)."""
    while True:
        async with redis.pipeline(transaction=True) as pipe:
            try:
                await pipe.watch(keys.SIGNING_CURRENT)
                old = await pipe.get(keys.SIGNING_CURRENT)
                old_raw = await pipe.hget(keys.SIGNING_KEYS, old) if old else None
                key_id, entry = _new_entry(secret_bytes, now)
                pipe.multi()
                if old and old_raw:
                    pipe.hset(
                        keys.SIGNING_KEYS,
                        old,
                        json.dumps({**json.loads(old_raw), "retired_at": now}),
                    )
                pipe.hset(keys.SIGNING_KEYS, key_id, json.dumps(entry))
                pipe.set(keys.SIGNING_CURRENT, key_id)
                await pipe.execute()
                return key_id, str(old) if old else None
            except WatchError:
                continue


async def published(*, redis: Redis) -> list[dict[str, Any]]:
    """Every public key, oldest first, without the sealed private parts."""
    rows = []
    for key_id, raw in (await redis.hgetall(keys.SIGNING_KEYS)).items():
        entry = json.loads(raw)
        row = {"key_id": key_id, "public_key": entry["public_key"]}
        row.update(created_at=entry["created_at"], retired_at=entry["retired_at"])
        rows.append(row)
    return sorted(rows, key=lambda r: (r["created_at"], r["key_id"]))


async def sign(*, redis: Redis, secret_bytes: bytes, payload: bytes, now: float) -> dict[str, str]:
    """`{payload, signature, key_id}` (base64) for these bytes, with the current key."""
    key_id = await current(redis=redis, secret_bytes=secret_bytes, now=now)
    raw_entry = await redis.hget(keys.SIGNING_KEYS, key_id)
    if raw_entry is None:  # current names a key the hash lacks: a damaged store
        raise SigningUnavailable(f"The signing key {key_id} is missing; an admin should rotate.")
    sealed = base64.b64decode(json.loads(raw_entry)["private"])
    try:
        raw = _aead(secret_bytes).decrypt(
            sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], key_id.encode()
        )
    except InvalidTag as e:
        raise SigningUnavailable(
            "The signing key was sealed with another secret: give every process the same "
            "SAFESHIFT_SIGNING_SECRET (or the same data directory) as the one that made it, "
            "or have an admin rotate the key (POST /v1/signing-keys/rotate)."
        ) from e
    signature = Ed25519PrivateKey.from_private_bytes(raw).sign(payload)
    return {
        "payload": base64.b64encode(payload).decode(),
        "signature": base64.b64encode(signature).decode(),
        "key_id": key_id,
    }
