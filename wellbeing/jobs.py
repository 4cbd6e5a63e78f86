"""Periodic wellbeing work: the team pass (alerts resolved or overdue), SLA risk, and the
retention of what is kept about each reviewer.

All are idempotent (alerts are keyed by cause, the at-risk table is replaced whole, retention
deletes by age), so several API processes may run them; api/periodic.py still takes a short
lock per tick.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from redis.asyncio import Redis

from exposure import keys as exposure_keys
from scheduler import accounts, keys, pools
from scheduler.scripts import Scripts
from wellbeing import alerts, policy, state, support
from wellbeing import keys as wkeys


async def team_pass(*, redis: Redis, scripts: Scripts, now: float) -> int:
    """Resolve budget and mood alerts that are over, raise break_overdue; returns reviewers seen."""
    seen = 0
    for team in await accounts.team_ids(redis=redis):
        seen += int(
            await scripts.tick(keys=[], args=[now, team, policy.BREAK_OVERDUE_GRACE_SECONDS])
        )
    return seen


def _speaks(languages: list[str], lang: str) -> bool:
    """As the claim script: equal, or one is a subtag-prefix of the other (en ~ en-GB)."""
    if not lang:
        return True
    return any(
        lang == mine or lang.startswith(mine + "-") or mine.startswith(lang + "-")
        for mine in languages
    )


async def _due_severe_items(redis: Redis, *, band: int, until: float) -> list[dict[str, str]]:
    """Queued items at or above `band` whose deadline is before `until`, from the pools."""
    names = [m.split("|", 1)[1] for m in await redis.zrange(keys.HEADS, 0, -1)]
    severe = [name for name in names if pools.band_of(name) >= band]
    async with redis.pipeline(transaction=False) as pipe:
        for name in severe:
            for priority in range(10):
                low = pools.score(priority=priority, deadline=0)
                pipe.zrangebyscore(name, low, pools.score(priority=priority, deadline=until))
        batches = await pipe.execute()
    ids = [item_id for batch in batches for item_id in batch]
    async with redis.pipeline(transaction=False) as pipe:
        for item_id in ids:
            pipe.hmget(keys.item(item_id), "id", "queue", "language", "skills", "categories")
        rows = await pipe.execute()
    fields = ("id", "queue", "language", "skills", "categories")
    return [dict(zip(fields, row, strict=True)) for row in rows if row[0]]


async def sla_risk(
    *, redis: Redis, scripts: Scripts, now: float, lease_default: int
) -> dict[str, int]:
    """Severe items near their deadline that no eligible reviewer has the budget to take.

    Returns the at-risk count per queue (also stored for GET /v1/queues), and raises or clears
    one `sla_at_risk` alert per queue for the teams that could take its items.
    """
    teams = await accounts.team_ids(redis=redis)
    policies = {
        t: await policy.get(redis=redis, team=t, lease_default=lease_default) for t in teams
    }
    thresholds = [p.severe_threshold for p in policies.values()] or [
        policy.Policy().severe_threshold
    ]
    items = await _due_severe_items(
        redis, band=policy.severe_band(min(thresholds)), until=now + policy.SLA_RISK_SECONDS
    )
    reviewers: list[dict[str, Any]] = []
    for team in teams:
        states = await state.team(scripts=scripts, team_id=team, now=now)
        profiles = await accounts.get_reviewers(redis=redis, reviewer_ids=[s["id"] for s in states])
        budget_left = {s["id"]: not s["budget_spent"] for s in states}
        reviewers += [{**p, "has_budget": budget_left[p["id"]]} for p in profiles]
    at_risk: dict[str, int] = defaultdict(int)
    helpers: dict[str, set[str]] = defaultdict(set)  # queue -> teams able to route its items
    for item in items:
        need = {s for s in item["skills"].split(",") if s}
        cats = {c for c in item["categories"].split(",") if c}
        routable = [
            r
            for r in reviewers
            if _speaks(r["languages"], item["language"] or "")
            and need <= set(r["skills"])
            and not cats & set(r["opt_outs"])
        ]
        if not any(r["has_budget"] for r in routable):
            at_risk[item["queue"]] += 1
            helpers[item["queue"]].update(r["team"] for r in routable)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(wkeys.AT_RISK)
        if at_risk:
            pipe.hset(wkeys.AT_RISK, mapping=dict(at_risk))
        await pipe.execute()
    queues = set(await _queues_with_alerts(redis)) | set(at_risk)
    for queue in queues:
        for team in teams:
            if queue in at_risk and (team in helpers[queue] or not helpers[queue]):
                await alerts.raise_alert(
                    scripts=scripts,
                    team=team,
                    kind="sla_at_risk",
                    subject=queue,
                    now=now,
                    detail=(
                        f"{at_risk[queue]} severe item(s) in queue '{queue}' are due within"
                        f" {policy.SLA_RISK_SECONDS // 60} minutes and no eligible reviewer has"
                        " exposure budget left."
                    ),
                )
            elif queue not in at_risk:
                await alerts.clear(
                    scripts=scripts, team=team, kind="sla_at_risk", subject=queue, now=now
                )
    return dict(at_risk)


async def _queues_with_alerts(redis: Redis) -> list[str]:
    fields = await redis.hkeys(wkeys.OPEN_ALERTS)
    return [f.split("|", 2)[2] for f in fields if f.split("|", 2)[1] == "sla_at_risk"]


async def at_risk(*, redis: Redis) -> dict[str, int]:
    return {q: int(n) for q, n in (await redis.hgetall(wkeys.AT_RISK)).items()}


# Stream entries read per XRANGE while looking for the first one to keep.
_RETENTION_CHUNK = 500


async def _first_kept(redis: Redis, stream: str, cutoff: float) -> str | None:
    """The id of the first entry whose `at` is at or after `cutoff` ("" when none is), or None
    when nothing is older than it. `at` is the service's clock, which tests drive; the stream
    ids are Redis's own, so they cannot stand for it."""
    start, dropped = "-", False
    while True:
        chunk = await redis.xrange(stream, min=start, count=_RETENTION_CHUNK)
        for entry_id, fields in chunk:
            if float(fields.get("at") or 0) >= cutoff:
                return entry_id if dropped else None
            dropped = True
        if len(chunk) < _RETENTION_CHUNK:
            return "" if dropped else None
        start = "(" + chunk[-1][0]


async def _trim_stream(redis: Redis, stream: str, cutoff: float) -> None:
    kept = await _first_kept(redis, stream, cutoff)
    if kept == "":
        await redis.delete(stream)
    elif kept is not None:
        await redis.xtrim(stream, minid=kept, approximate=False)


async def retention_pass(*, redis: Redis, now: float, keep_seconds: float) -> int:
    """Delete what is older than `keep_seconds` of every reviewer's exposure events (the record),
    check-ins, support requests and stretches of work: the one rule of how long they are kept
    (SAFESHIFT_EXPOSURE_RETENTION_DAYS). The rolling windows' hour buckets expire on their own
    (exposure.keys.RETENTION_SECONDS). Returns the reviewers looked at.

    Cheap when there is nothing to do: one pipelined read of each stream's oldest entry; only a
    stream that holds something too old is read further. Entries are in time order, so all
    before the first one to keep go (XTRIM MINID, exact)."""
    cutoff = now - keep_seconds
    reviewers = [
        rid
        for team in await accounts.team_ids(redis=redis)
        for rid in await accounts.team_reviewer_ids(redis=redis, team=team)
    ]
    streams = [s for r in reviewers for s in (exposure_keys.events(r), wkeys.checkins(r))]
    async with redis.pipeline(transaction=False) as pipe:
        for rid in reviewers:
            pipe.zremrangebyscore(wkeys.work(rid), "-inf", f"({cutoff}")
        for stream in streams:
            pipe.xrange(stream, count=1)
        replies = await pipe.execute()
    for stream, oldest in zip(streams, replies[len(reviewers) :], strict=True):
        if oldest and float(oldest[0][1].get("at") or 0) < cutoff:
            await _trim_stream(redis, stream, cutoff)
    for rid in reviewers:  # support requests (their notes) are health data too
        async with redis.pipeline(transaction=True) as pipe:
            await support.forget(redis=redis, pipe=pipe, reviewer=rid, before=cutoff)
            await pipe.execute()
    return len(reviewers)
