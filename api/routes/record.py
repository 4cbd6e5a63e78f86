"""A record the reviewer owns: their history as JSON or CSV, signed, and the keys to check it.

The signed form can be verified offline by anyone with `GET /v1/signing-keys` (no key needed),
after the reviewer has left and after rotations: old public keys stay published.
"""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import WithJsonSchema

from api.context import Context
from api.deps import Admin, ContextDep, Reviewer
from api.problems import Problem
from record import build, canonical, signing
from record.errors import InvalidRange, SigningUnavailable
from scheduler import accounts, audit
from scheduler.items import rfc3339
from wellbeing import policy, worktime

router = APIRouter(tags=["record"])

# `format: date` tells clients (and the fuzz test) what to send; the domain checks it, with a
# detail that says how to write one.
DayText = Annotated[str, WithJsonSchema({"type": "string", "format": "date", "maxLength": 10})]
From = Annotated[DayText | None, Query(alias="from", description="first day, YYYY-MM-DD")]
To = Annotated[DayText | None, Query(description="last day (included), YYYY-MM-DD")]
CSV_FIELDS = (
    "kind",
    "at",
    "date",
    "item_id",
    "vendor_name",
    "purpose",
    "category",
    "severity",
    "level",
    "media_type",
    "seconds",
    "played_seconds",
    "sound",
    "dose",
    "work_seconds",
    "breaks",
)


async def _record(
    ctx: Context, reviewer: str, first: str | None, last: str | None
) -> dict[str, Any]:
    profile = await accounts.get_reviewer(redis=ctx.redis, reviewer_id=reviewer)
    rules = await policy.get(
        redis=ctx.redis, team=profile["team"], lease_default=ctx.settings.lease_seconds
    )
    tz, now = rules.zone(), ctx.clock()
    try:
        start, end = build.date_range(first=first, last=last, today=worktime.local_day(tz, now))
    except InvalidRange as e:
        errors = [{"loc": e.loc, "msg": e.detail}]
        raise Problem(422, "Invalid date range", e.detail, errors=errors) from e
    return await build.build(
        scripts=ctx.scripts, reviewer=reviewer, first=start, last=end, tz=tz, now=now
    )


def _csv(record: dict[str, Any]) -> str:
    """One table a spreadsheet can filter: `kind` is `event` (one per item seen) or `day`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for event in record["events"]:
        writer.writerow({"kind": "event", **event, "sound": int(event["sound"])})
    for day in record["days"]:
        writer.writerow({"kind": "day", **day})
    return out.getvalue()


def _secret(ctx: Context) -> bytes:
    configured = ctx.settings.signing_secret
    return signing.secret(
        configured=configured.get_secret_value() if configured else None,
        data_dir=ctx.settings.data_dir,
    )


@router.get(
    "/v1/me/record",
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV on request"}},
)
async def my_record(
    request: Request, ctx: ContextDep, who: Reviewer, first: From = None, to: To = None
) -> Any:
    """Every exposure event, time worked, dose and breaks per day, and for whom the work was;
    `Accept: text/csv` for a spreadsheet."""
    reviewer = who.reviewer or ""
    record = await _record(ctx, reviewer, first, to)
    if "text/csv" not in request.headers.get("accept", ""):
        return record
    name = f"safeshift-record-{reviewer}-{record['from']}-{record['to']}.csv"
    return Response(
        _csv(record),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/v1/me/record/signed")
async def my_signed_record(
    ctx: ContextDep, who: Reviewer, first: From = None, to: To = None
) -> dict[str, str]:
    """The same record as canonical JSON bytes (base64) with an Ed25519 signature and its key
    id: anyone can check it offline against `GET /v1/signing-keys`."""
    reviewer = who.reviewer or ""
    record = await _record(ctx, reviewer, first, to)
    now = ctx.clock()
    try:
        signed = await signing.sign(
            redis=ctx.redis, secret_bytes=_secret(ctx), payload=canonical.dumps(record), now=now
        )
    except SigningUnavailable as e:
        raise Problem(503, "Signing unavailable", e.detail) from e
    await audit.note(
        ctx.redis,
        now=now,
        action="record.signed",
        actor=audit.actor(who),
        subject=reviewer,
        key_id=signed["key_id"],
        range=f"{record['from']}..{record['to']}",
    )
    return signed


@router.get("/v1/signing-keys")
async def signing_keys(ctx: ContextDep) -> dict[str, Any]:
    """Every public key that ever signed a record (no key needed): raw 32 bytes, base64."""
    await signing.current(redis=ctx.redis, secret_bytes=_secret(ctx), now=ctx.clock())
    rows = []
    for row in await signing.published(redis=ctx.redis):
        shown = {**row, "created_at": rfc3339(row["created_at"])}
        if row["retired_at"] is None:
            del shown["retired_at"]
        else:
            shown["retired_at"] = rfc3339(row["retired_at"])
        rows.append(shown)
    return {"data": rows}


@router.post("/v1/signing-keys/rotate", status_code=201)
async def rotate_signing_key(ctx: ContextDep, who: Admin) -> dict[str, Any]:
    """A new signing key; the old one stops signing but stays published."""
    now = ctx.clock()
    key_id, retired = await signing.rotate(redis=ctx.redis, secret_bytes=_secret(ctx), now=now)
    await audit.note(
        ctx.redis,
        now=now,
        action="signing.rotate",
        actor=audit.actor(who),
        subject=key_id,
        retired=retired or "",
    )
    return {"key_id": key_id, "retired_key_id": retired}
