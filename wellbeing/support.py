"""Confidential support (issue 19): requests for help, check-ins read by counsellors, the
employee-assistance hand-off, and when the review page offers a decompression pause.

Mood, notes and support requests are health data that belong to the reviewer. They go to the
team's counsellors only: never to the lead (who sees that a check-in happened, and an alert
that someone needs attention), never to a vendor, and not to an admin either (an admin sees how
many requests are open, not what they say). Every read of them is written to the audit log, so
a reviewer can be told who looked.

An employee-assistance programme (EAP), when the team has one configured, hears of a request
through the same signed outbox as vendors' decisions (scheduler/webhooks.py), with only who,
which team and when: the note stays with the counsellors.
"""

from __future__ import annotations

import heapq
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from exposure import keys as exposure_keys
from scheduler import accounts, audit, webhooks
from scheduler import keys as scheduler_keys
from scheduler.errors import InvalidInput, NotFound
from scheduler.ids import new_id
from scheduler.items import rfc3339
from wellbeing import keys

EVENT_TYPE = "support.requested"


class SupportIn(BaseModel):
    """`POST /v1/me/support`: a note is optional; asking is enough."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=2000)


class EapIn(BaseModel):
    """`PUT /v1/teams/{team}/support`: where the team's EAP hears of requests."""

    model_config = ConfigDict(extra="forbid")
    # The pattern is the one the service checks (scheduler.webhooks.check_url, as for a vendor's
    # callback_url), written into the schema so a request it calls valid is accepted.
    eap_url: str = Field(
        min_length=1,
        max_length=2048,
        description="https URL to POST to (not a private or loopback address)",
        json_schema_extra={"pattern": r"^https://[^\s/?#\[\]@]+(/\S*)?$"},
    )
    eap_secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=256,
        description="Signing secret; one is generated (and shown once) when absent",
    )


def _request_view(raw: dict[str, str]) -> dict[str, Any]:
    return {
        "id": raw["id"],
        "reviewer": raw["reviewer"],
        "created_at": rfc3339(float(raw["created_at"])),
        "note": raw.get("note") or None,
    }


async def request_support(
    *, redis: Redis, reviewer: str, team: str, note: str | None, now: float
) -> dict[str, Any]:
    """Store a request for the team's counsellors and, if the team has an EAP, queue its signed
    notice, in one transaction: a request is never told to one and lost to the other."""
    request_id = new_id("sup", now)
    config = await redis.hgetall(keys.support_config(team))
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            keys.support_request(request_id),
            mapping={
                "id": request_id,
                "reviewer": reviewer,
                "team": team,
                "created_at": now,
                "note": note or "",
            },
        )
        pipe.zadd(keys.team_support_open(team), {request_id: now})
        pipe.zadd(keys.reviewer_support(reviewer), {request_id: now})
        if config.get("eap_url"):
            event_id = "evt_" + request_id.removeprefix("sup_")
            # Only who, which team and when: the note stays with the counsellors.
            body = {"reviewer": reviewer, "team": team, "at": rfc3339(now)}
            pipe.hset(
                scheduler_keys.event(event_id),
                mapping={
                    "id": event_id,
                    "type": EVENT_TYPE,
                    "created_at": now,
                    "attempts": 0,
                    "url": config["eap_url"],
                    "secret_from": keys.support_config(team),
                    "body": json.dumps(body, separators=(",", ":")),
                },
            )
            pipe.zadd(scheduler_keys.OUTBOX, {event_id: now})
        audit.append(
            pipe,
            now=now,
            action="support.request",
            actor=f"reviewer:{reviewer}",
            subject=request_id,
            team=team,
            eap=bool(config.get("eap_url")),
        )
        await pipe.execute()
    return {"id": request_id, "created_at": rfc3339(now)}


async def forget(
    *, redis: Redis, pipe: Pipeline, reviewer: str, before: float | None = None
) -> None:
    """Queue on `pipe` the deletion of the reviewer's support requests (all of them, or those
    made before `before`): their text, their place in the team's open list and the index. Used
    by the retention pass (health data is kept SAFESHIFT_EXPOSURE_RETENTION_DAYS) and an erase.
    The audit log keeps that a request was made, never its note."""
    index = keys.reviewer_support(reviewer)
    upper = "+inf" if before is None else f"({before}"
    ids = await redis.zrangebyscore(index, "-inf", upper)
    if not ids:
        return
    async with redis.pipeline(transaction=False) as read:
        for request_id in ids:
            read.hget(keys.support_request(request_id), "team")
        owners = await read.execute()
    for request_id, team in zip(ids, owners, strict=True):
        if team:
            pipe.zrem(keys.team_support_open(team), request_id)
        pipe.delete(keys.support_request(request_id))
    pipe.zrem(index, *ids)


async def open_requests(
    *, redis: Redis, team: str, actor: str, now: float, start: int, end: int
) -> tuple[list[dict[str, Any]], int]:
    """The team's open requests [start, end) newest first, and how many are open; the read is
    audited."""
    total = await redis.zcard(keys.team_support_open(team))
    ids = await redis.zrevrange(keys.team_support_open(team), start, end - 1)
    async with redis.pipeline(transaction=False) as pipe:
        for request_id in ids:
            pipe.hgetall(keys.support_request(request_id))
        found = await pipe.execute()
    rows = [_request_view(raw) for raw in found if raw]
    await audit.note(
        redis,
        now=now,
        action="support.read",
        actor=actor,
        subject=team,
        requests=[row["id"] for row in rows],
    )
    return rows, total


async def close(*, redis: Redis, request_id: str, team: str, actor: str, now: float) -> None:
    """The counsellor has dealt with it; it leaves the open list (kept, for the audit)."""
    key = keys.support_request(request_id)
    raw = await redis.hmget(key, ["team", "closed_at"])
    if raw[0] != team or raw[1]:
        raise NotFound(f"No open support request '{request_id}' for your team.")
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(key, mapping={"closed_at": now, "closed_by": actor})
        pipe.zrem(keys.team_support_open(team), request_id)
        audit.append(pipe, now=now, action="support.close", actor=actor, subject=request_id)
        await pipe.execute()


async def team_checkins(
    *, redis: Redis, team: str, reviewers: list[str], actor: str, now: float, start: int, end: int
) -> tuple[list[dict[str, Any]], bool]:
    """The team's check-ins [start, end) newest first (from each reviewer's stream, merged), and
    whether more follow; the read is audited with the reviewers it showed."""
    async with redis.pipeline(transaction=False) as pipe:
        for reviewer in reviewers:
            pipe.xrevrange(keys.checkins(reviewer), count=end + 1)
        streams = await pipe.execute()
    rows = [
        {
            "reviewer": reviewer,
            "at": float(fields["at"]),
            "mood": int(float(fields["mood"])),
            "note": fields.get("note") or None,
        }
        for reviewer, entries in zip(reviewers, streams, strict=True)
        for _, fields in entries
    ]
    newest = heapq.nlargest(end + 1, rows, key=lambda row: (row["at"], row["reviewer"]))
    shown = [{**row, "at": rfc3339(row["at"])} for row in newest[start:end]]
    await audit.note(
        redis,
        now=now,
        action="checkins.read",
        actor=actor,
        subject=team,
        reviewers=sorted({row["reviewer"] for row in shown}),
        count=len(shown),
    )
    return shown, len(newest) > end


async def configure(
    *,
    redis: Redis,
    team: str,
    body: EapIn,
    allow_private: bool,
    now: float,
    actor: str,
) -> dict[str, Any]:
    """Set the team's EAP address; the secret (generated when absent) is shown this once."""
    try:
        webhooks.check_url(body.eap_url, allow_private=allow_private)
    except webhooks.InvalidCallback as e:
        raise InvalidInput(e.detail.replace("callback_url", "eap_url"), loc=["eap_url"]) from e
    secret = body.eap_secret or accounts.new_webhook_secret()
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hset(
            keys.support_config(team),
            mapping={"eap_url": body.eap_url, "eap_secret": secret, "updated_at": now},
        )
        audit.append(
            pipe, now=now, action="support.eap.set", actor=actor, subject=team, url=body.eap_url
        )
        await pipe.execute()
    return {"team": team, "eap_url": body.eap_url, "eap_secret": secret}


async def remove_config(*, redis: Redis, team: str, now: float, actor: str) -> None:
    """No EAP any more: requests go to the counsellors only."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(keys.support_config(team))
        audit.append(pipe, now=now, action="support.eap.remove", actor=actor, subject=team)
        await pipe.execute()


async def overview(*, redis: Redis, team: str) -> dict[str, Any]:
    """What an admin may know: where the EAP is and how many requests are open, not what they
    say or who made them."""
    url = await redis.hget(keys.support_config(team), "eap_url")
    open_count = await redis.zcard(keys.team_support_open(team))
    counsellors = await accounts.has_counsellor(redis=redis, team=team)
    return {"team": team, "eap_url": url, "open_requests": open_count, "counsellor": counsellors}


# Exposure events read per round trip while looking back over the hour.
PAUSE_BATCH = 64


async def pause_offer(
    *, redis: Redis, reviewer: str, now: float, per_hour: int, last_break_at: float | None
) -> dict[str, Any]:
    """Whether the review page should offer a decompression pause now, and why.

    Offered after a severe item decided with a colour reveal, or once `per_hour` severe items
    were decided within the last hour, unless a break was taken since (any break counts: the
    pause is one). `since` names the exposure that prompted the offer, so a page that was told
    "not now" does not ask again for the same one. Reads the reviewer's exposure events newest
    first, a batch at a time, and stops at the hour's (or the break's) edge or once the count
    is reached: a page asks this on every refresh.
    """
    floor = max(now - 3600, last_break_at or 0)
    key = exposure_keys.events(reviewer)
    latest: dict[str, str] | None = None
    severe: list[float] = []
    upper = "+"
    while len(severe) < per_hour:
        batch = await redis.xrevrange(key, max=upper, min="-", count=PAUSE_BATCH)
        done = len(batch) < PAUSE_BATCH
        for entry_id, fields in batch:
            upper = f"({entry_id}"
            at = float(fields.get("at") or 0)
            if at <= floor:
                done = True
                break
            if fields.get("ended") != "decided":
                continue
            latest = latest or fields
            if fields.get("severe") == "1":
                severe.append(at)
        if done:
            break
    if latest and latest.get("severe") == "1" and latest.get("level") == "color":
        return {"offer_pause": True, "pause_reason": "severe_color", "since": float(latest["at"])}
    if len(severe) >= per_hour:
        # The newest severe decision prompted it: "not now" holds until another one.
        return {"offer_pause": True, "pause_reason": "severe_hour", "since": max(severe)}
    return {"offer_pause": False, "pause_reason": None, "since": None}
