"""Vendors, teams, reviewers and API keys: who may call, and on whose behalf.

Keys are 256-bit random secrets shown once; Redis holds only their SHA-256, so a copy of the
database does not let anyone call the API. Lookup is by that hash, so there is no secret to
compare byte by byte and nothing to time.

Webhook secrets are different: we must sign with them, so Redis holds them as the vendor does.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import WatchError

from scheduler import audit, keys
from scheduler.errors import AlreadyExists, InvalidReference, NotFound
from scheduler.ids import new_id
from scheduler.models import (
    CATEGORIES,
    KeyIn,
    Principal,
    ReviewerIn,
    ReviewerPatch,
    TeamIn,
    VendorIn,
)
from scheduler.scripts import Scripts


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def optout_mask(categories: list[str]) -> int:
    """Categories as bits, so the claim script can test an item's categories in one AND."""
    return sum(1 << CATEGORIES.index(c) for c in set(categories))


async def _create(
    scripts: Scripts, key: str, index: str, ident: str, fields: dict[str, Any]
) -> None:
    flat = [str(x) for pair in fields.items() for x in pair]
    if not await scripts.create(keys=[key, index], args=[ident, *flat]):
        raise AlreadyExists(f"'{ident}' already exists; choose another id.")


WHSEC = "whsec_"
ROTATION_OVERLAP = 24 * 3600  # the contract: both secrets sign for 24 hours


def new_webhook_secret() -> str:
    """A secret in the Standard Webhooks form: `whsec_` + standard base64 of 32 random bytes."""
    return WHSEC + base64.b64encode(secrets.token_bytes(32)).decode()


def standard_key(secret: str) -> bytes:
    """The HMAC key bytes of the `webhook-signature` header for a secret the vendor holds.

    A secret that is `whsec_` followed by padded standard base64 (every secret we generate) keys
    with the decoded bytes, as the spec says. Any other string (a secret the vendor chose, or one
    we generated before the Standard Webhooks headers, `whsec_` + URL-safe base64 without padding,
    which is never valid padded base64) keys with its UTF-8 bytes: nothing stored has to change,
    and its `whsec_` form is `whsec_` + base64 of those bytes (see `whsec_form`). The rule is
    strict on purpose: lenient decoders drop `-` and `_` silently and would give other bytes.
    """
    if secret.startswith(WHSEC):
        try:
            key = base64.b64decode(secret[len(WHSEC) :], validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if key:
            return key
    return secret.encode()


def whsec_form(secret: str) -> str:
    """The secret as a Standard Webhooks library takes it (the secret itself when generated)."""
    return WHSEC + base64.b64encode(standard_key(secret)).decode()


def signing_secrets(vendor: dict[str, str], now: float) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one for 24 h."""
    current = [vendor.get("webhook_secret") or ""]
    previous = vendor.get("webhook_secret_previous")
    if previous and now < float(vendor.get("webhook_secret_previous_until") or 0):
        return [*current, previous]
    return current


async def create_vendor(*, scripts: Scripts, body: VendorIn, now: float) -> dict[str, Any]:
    secret = body.webhook_secret or new_webhook_secret()
    record = {"id": body.id, "name": body.name, "webhook_secret": secret, "created_at": now}
    await _create(scripts, keys.vendor(body.id), keys.vendor(body.id), body.id, record)
    return record


async def create_team(*, scripts: Scripts, body: TeamIn, now: float) -> dict[str, Any]:
    record = {"id": body.id, "name": body.name, "created_at": now}
    await _create(scripts, keys.team(body.id), keys.TEAMS, body.id, record)
    return record


def _reviewer_fields(
    team: str, languages: list[str], skills: list[str], opt_outs: list[str]
) -> dict[str, Any]:
    return {
        "team": team,
        "languages": ",".join(sorted(set(languages))),
        "skills": ",".join(sorted(set(skills))),
        "opt_outs": ",".join(sorted(set(opt_outs))),
        "optout_mask": optout_mask(opt_outs),
    }


async def create_reviewer(
    *, redis: Redis, scripts: Scripts, body: ReviewerIn, now: float
) -> dict[str, Any]:
    if not await redis.exists(keys.team(body.team)):
        raise InvalidReference(f"Team '{body.team}' does not exist; create it first.")
    fields = {"id": body.id, "created_at": now}
    fields |= _reviewer_fields(body.team, body.languages, body.skills, body.opt_outs)
    await _create(scripts, keys.reviewer(body.id), keys.team_reviewers(body.team), body.id, fields)
    return await get_reviewer(redis=redis, reviewer_id=body.id)


async def update_reviewer(
    *, redis: Redis, reviewer_id: str, patch: ReviewerPatch
) -> dict[str, Any]:
    current = await get_reviewer(redis=redis, reviewer_id=reviewer_id)
    merged = current | patch.model_dump(exclude_none=True)
    if merged["team"] != current["team"] and not await redis.exists(keys.team(merged["team"])):
        raise InvalidReference(f"Team '{merged['team']}' does not exist; create it first.")
    fields = _reviewer_fields(
        merged["team"], merged["languages"], merged["skills"], merged["opt_outs"]
    )
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(keys.reviewer(reviewer_id), mapping=fields)
        pipe.srem(keys.team_reviewers(current["team"]), reviewer_id)
        pipe.sadd(keys.team_reviewers(merged["team"]), reviewer_id)
        await pipe.execute()
    return await get_reviewer(redis=redis, reviewer_id=reviewer_id)


def _split(value: str) -> list[str]:
    return [v for v in value.split(",") if v]


def _profile(raw: dict[str, str]) -> dict[str, Any]:
    return {
        "id": raw["id"],
        "team": raw["team"],
        "languages": _split(raw["languages"]),
        "skills": _split(raw["skills"]),
        "opt_outs": _split(raw["opt_outs"]),
    }


async def get_reviewer(*, redis: Redis, reviewer_id: str) -> dict[str, Any]:
    raw = await redis.hgetall(keys.reviewer(reviewer_id))
    if not raw:
        raise NotFound(f"No reviewer '{reviewer_id}'.")
    return _profile(raw)


async def get_reviewers(*, redis: Redis, reviewer_ids: list[str]) -> list[dict[str, Any]]:
    """Several profiles in one round trip (those that exist, in order)."""
    async with redis.pipeline(transaction=False) as pipe:
        for reviewer_id in reviewer_ids:
            pipe.hgetall(keys.reviewer(reviewer_id))
        found = await pipe.execute()
    return [_profile(raw) for raw in found if raw]


async def team_ids(*, redis: Redis) -> list[str]:
    return sorted(await redis.smembers(keys.TEAMS))


async def team_reviewer_ids(*, redis: Redis, team: str) -> list[str]:
    return sorted(await redis.smembers(keys.team_reviewers(team)))


async def get_vendor(*, redis: Redis, vendor_id: str) -> dict[str, str]:
    raw = await redis.hgetall(keys.vendor(vendor_id))
    if not raw:
        raise NotFound(f"No vendor '{vendor_id}'.")
    return raw


def display_name(vendor: dict[str, str]) -> str:
    """What reviewers see of a vendor (issue 19): its `display_name`, else its `name`."""
    return vendor.get("display_name") or vendor.get("name") or vendor.get("id") or ""


async def set_display_name(
    *, redis: Redis, vendor_id: str, name: str, now: float, actor: str = "system"
) -> None:
    """Rename the vendor as reviewers see it, audited. Items already claimed keep the name they
    were claimed under (scheduler/lua/for_whom.lua): a record says who the work was for then."""
    if not await redis.exists(keys.vendor(vendor_id)):
        raise NotFound(f"No vendor '{vendor_id}'; create it with POST /v1/vendors.")
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(keys.vendor(vendor_id), "display_name", name)
        audit.append(
            pipe,
            now=now,
            action="vendor.rename",
            actor=actor,
            subject=vendor_id,
            display_name=name,
        )
        await pipe.execute()


async def rotate_webhook_secret(
    *, redis: Redis, vendor_id: str, now: float, actor: str = "system"
) -> dict[str, str]:
    """A new webhook secret, shown once; the one it replaces keeps signing for 24 hours.

    Vendors deploy the new secret while the old one still verifies, so no delivery fails in
    between. A second rotation inside the window retires the oldest secret at once: only two
    secrets ever sign. The read and the write are one optimistic transaction (WATCH), so two
    admins rotating at once cannot both believe their secret is the current one.
    """
    key = keys.vendor(vendor_id)
    secret = new_webhook_secret()
    async with redis.pipeline(transaction=True) as pipe:
        while True:
            try:
                await pipe.watch(key)
                current = await pipe.hget(key, "webhook_secret")
                if current is None:
                    raise NotFound(f"No vendor '{vendor_id}'; create it with POST /v1/vendors.")
                pipe.multi()
                pipe.hset(
                    key,
                    mapping={
                        "webhook_secret": secret,
                        "webhook_secret_previous": current,
                        "webhook_secret_previous_until": now + ROTATION_OVERLAP,
                        "webhook_secret_rotated_at": now,
                    },
                )
                audit.append(
                    pipe,
                    now=now,
                    action="vendor.webhook_secret.rotate",
                    actor=actor,
                    subject=vendor_id,
                    previous_signs_until=now + ROTATION_OVERLAP,
                )
                await pipe.execute()
                return {"webhook_secret": secret}
            except WatchError:
                continue


async def has_counsellor(*, redis: Redis, team: str) -> bool:
    """Whether the team has a live counsellor key: a low mood is then theirs to hear about, and
    the lead's alert says only that someone was told."""
    return bool(await redis.scard(keys.team_counsellor_keys(team)))


async def team_exists(*, redis: Redis, team: str) -> bool:
    return bool(await redis.exists(keys.team(team)))


async def _check_binding(redis: Redis, body: KeyIn) -> dict[str, str]:
    needed = {
        "admin": None,
        "vendor": "vendor",
        "lead": "team",
        "counsellor": "team",
        "reviewer": "reviewer",
    }[body.role]
    given = {k: v for k in ("vendor", "team", "reviewer") if (v := getattr(body, k))}
    if set(given) != ({needed} if needed else set()):
        want = f"exactly the field '{needed}'" if needed else "no binding"
        raise InvalidReference(f"A key with role '{body.role}' takes {want}.")
    if needed:
        key = {"vendor": keys.vendor, "team": keys.team, "reviewer": keys.reviewer}[needed]
        if not await redis.exists(key(given[needed])):
            raise InvalidReference(f"{needed.capitalize()} '{given[needed]}' does not exist.")
    return given


async def create_key(
    *, redis: Redis, body: KeyIn, now: float, actor: str = "system"
) -> dict[str, str]:
    binding = await _check_binding(redis, body)
    key_id = new_id("key", now)
    secret = f"ss_{body.role}_" + secrets.token_urlsafe(32)  # 32 bytes = 256 bits of entropy
    digest = hash_key(secret)
    record = {"id": key_id, "role": body.role, "created_at": str(now), **binding}
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(keys.api_key_by_hash(digest), mapping=record)
        pipe.set(keys.api_key_id(key_id), digest)
        if body.role == "counsellor" and body.team:
            pipe.sadd(keys.team_counsellor_keys(body.team), key_id)
        audit.append(pipe, now=now, action="key.create", actor=actor, subject=key_id, **record)
        await pipe.execute()
    return {"id": key_id, "key": secret, "role": body.role, **binding}


async def revoke_key(*, redis: Redis, key_id: str, now: float, actor: str = "system") -> None:
    digest = await redis.get(keys.api_key_id(key_id))
    if digest is None:
        raise NotFound(f"No key '{key_id}'.")
    raw = await redis.hmget(keys.api_key_by_hash(digest), ["role", "team"])
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(keys.api_key_by_hash(digest), keys.api_key_id(key_id))
        if raw[0] == "counsellor" and raw[1]:
            pipe.srem(keys.team_counsellor_keys(raw[1]), key_id)
        audit.append(pipe, now=now, action="key.revoke", actor=actor, subject=key_id)
        await pipe.execute()


async def authenticate(*, redis: Redis, secret: str) -> Principal | None:
    return await principal_by_hash(redis=redis, key_hash=hash_key(secret))


async def principal_by_hash(*, redis: Redis, key_hash: str) -> Principal | None:
    """Who a key (known by its SHA-256) stands for; None once it is revoked."""
    raw = await redis.hgetall(keys.api_key_by_hash(key_hash))
    if not raw:
        return None
    return Principal(
        key_id=raw["id"],
        role=raw["role"],  # type: ignore[arg-type]
        vendor=raw.get("vendor"),
        team=raw.get("team"),
        reviewer=raw.get("reviewer"),
    )
