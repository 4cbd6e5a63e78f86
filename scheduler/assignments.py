"""Reviewer assignments: claim, heartbeat, reveal, skip, decide, and lease expiry.

Every state change is one Lua script, so an item is held by at most one live lease however many
API processes share the Redis, and a decision is recorded exactly once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from redis.asyncio import Redis

from scheduler import groups, keys, matching, pools
from scheduler.errors import Conflict, LeaseLost, NotFound
from scheduler.ids import new_id
from scheduler.models import VIEW_FIELDS, DecisionIn
from scheduler.scripts import Scripts
from wellbeing import worktime
from wellbeing.errors import OnBreak


@dataclass(frozen=True)
class Escalation:
    """Where an escalated item waits for its final decision: `queue`, for reviewers with `skill`
    (on top of the skills the item needs already). Settings `escalation_queue`/`_skill`.

    An empty `queue` (the default) keeps the contract's plain meaning: `escalate` is the
    service's last word on the item (decided, delivered to the vendor, never banked), for teams
    whose escalations are handled outside Safeshift."""

    queue: str = ""
    skill: str = "senior"


@dataclass(frozen=True)
class Claimed:
    """A claim's answer. `group`: the ids of the near-duplicates leased with the item (its
    group's other members, which one decision also decides), empty for a lone item."""

    assignment_id: str
    lease_expires_at: float
    item: dict[str, str]
    existing: bool
    group: tuple[str, ...] = ()
    level: str = "blurred"  # the level served first (issue 18: wellbeing/views.py)


async def claim(
    *,
    scripts: Scripts,
    reviewer: str,
    now: float,
    lease_seconds: int,
    view_levels: dict[str, str] | None = None,
) -> Claimed | None:
    """The reviewer's live assignment, else the best item wellbeing lets them take, else None.

    Raises OnBreak while a break is enforced. `lease_seconds` applies unless the team's policy
    sets its own. `view_levels`: {category: level} for the categories this reviewer is served at
    more than `blurred` (wellbeing.views.for_claim); the script looks the item's category up.
    """
    asg = new_id("asg", now)
    views = json.dumps(view_levels or {}, separators=(",", ":"))
    reply = await scripts.claim(
        keys=[keys.LEASES, keys.HEADS, keys.reviewer(reviewer)],
        args=[reviewer, now, lease_seconds, asg, worktime.DAYS.spec(now), views],
    )
    if reply[0] == "zone":  # a team's zone this process had not met: once per zone and process
        worktime.DAYS.learn(reply[1])
        reply = await scripts.claim(
            keys=[keys.LEASES, keys.HEADS, keys.reviewer(reviewer)],
            args=[reviewer, now, lease_seconds, asg, worktime.DAYS.spec(now), views],
        )
    tag = reply[0]
    if tag == "no_reviewer":
        raise NotFound(f"No reviewer '{reviewer}'.")
    if tag == "break":
        raise OnBreak(float(reply[1]), reply[2])
    if tag == "empty":
        return None
    end = 4 + len(VIEW_FIELDS)
    item = dict(zip(VIEW_FIELDS, reply[4:end], strict=True))
    group = tuple(reply[end:])  # the members leased with it, when it leads a group
    return Claimed(
        reply[1],
        float(reply[2]),
        item,
        existing=tag == "existing",
        group=group,
        level=reply[3],
    )


def _raise_for(tag: str, assignment_id: str) -> None:
    if tag == "not_found":
        raise NotFound(f"No assignment '{assignment_id}' for you.")
    if tag == "lease_lost":
        raise LeaseLost(
            f"The lease on assignment '{assignment_id}' expired or ended; the item went back to"
            " the queue. Ask for a new assignment."
        )
    if tag == "conflict":
        raise Conflict(f"Assignment '{assignment_id}' was already decided differently.")


async def heartbeat(
    *, scripts: Scripts, reviewer: str, assignment_id: str, now: float, lease_seconds: int
) -> float:
    reply = await scripts.heartbeat(
        keys=[keys.assignment(assignment_id), keys.LEASES],
        args=[reviewer, now, assignment_id, lease_seconds],
    )
    _raise_for(reply[0], assignment_id)
    return float(reply[1])


async def reveal(
    *,
    scripts: Scripts,
    reviewer: str,
    assignment_id: str,
    level: str,
    now: float,
    faces: bool = False,
) -> tuple[str, str]:
    """Record a reveal; returns (item id, the level now in force for the assignment).
    `faces`: colour with faces shown, recorded as a reveal of its own (issue 18)."""
    reply = await scripts.reveal(
        keys=[keys.assignment(assignment_id)],
        args=[reviewer, now, assignment_id, level, int(faces)],
    )
    _raise_for(reply[0], assignment_id)
    return reply[1], reply[2]


async def skip(
    *,
    scripts: Scripts,
    reviewer: str,
    assignment_id: str,
    reason: str,
    now: float,
    release: bool = False,
) -> str:
    """Give the item back for someone else; `release`: for anyone (the reviewer takes a break)."""
    reply = await scripts.skip(
        keys=[keys.assignment(assignment_id), keys.LEASES, keys.HEADS],
        args=[reviewer, now, assignment_id, reason, int(release)],
    )
    _raise_for(reply[0], assignment_id)
    return str(reply[1])


def _canonical(decision: DecisionIn) -> str:
    if not decision.labels and decision.notes is None:  # the common case, without pydantic
        return f'{{"labels":[],"notes":null,"verdict":"{decision.verdict.value}"}}'
    body = decision.model_dump(mode="json", include={"verdict", "labels", "notes"})
    body["labels"] = sorted(body["labels"], key=lambda x: (x["category"], x["severity"]))
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


# What a decision's bank entry is made of (not the text itself, which can be 100 kB).
_BANK_FIELDS = (
    "id",
    "vendor",
    "media_type",
    "pdq",
    "text_key",
    "severity",
    "labels",
    "match_item",
    "match_vendor",
    "escalated_at",
    "leads",  # set when a near-duplicate joined it: it leads a group (grouping.lua group_join)
)


@dataclass(frozen=True)
class _Prepared:
    """What a decision's script is given: the item decided ('' when it is not the reviewer's)
    and its bank entry."""

    leader: str
    entry: matching.BankArgs
    escalated: bool = False  # finally decided after an escalation: never applied by `auto`
    leads: bool = False  # a group was formed under it: its members' bank entries are needed


async def _bank_args(
    redis: Redis,
    reviewer: str,
    assignment_id: str,
    item_id: str | None,
    decision: DecisionIn,
    now: float,
) -> _Prepared:
    """The bank entry this decision writes in its own script. The item's hashes never change
    once it is queued, so reading them first is safe; the script checks the assignment.
    `item_id` when the caller already read it (the API's scope check): one read fewer."""
    if item_id is None:
        item_id, owner = await redis.hmget(keys.assignment(assignment_id), "item", "reviewer")
        if owner != reviewer:
            item_id = None
    item: dict[str, str] = {}
    if item_id:
        values = await redis.hmget(keys.item(item_id), _BANK_FIELDS)
        item = {k: v for k, v in zip(_BANK_FIELDS, values, strict=True) if v is not None}
    if not item.get("id"):  # not this reviewer's: the script answers not_found, banks nothing
        return _Prepared("", matching.BankArgs(["", ""], ["", "", "", ""]))
    if decision.not_a_match and not item.get("match_item"):
        # The body is well formed; it contradicts the item's state (nothing was shown): 409.
        raise Conflict(
            "not_a_match says the prior decision shown was for something else, but no prior"
            " decision was shown with this item (it has no `seen_before`); leave it out."
        )
    labels = [x.model_dump() for x in decision.labels] or json.loads(item.get("labels", "[]"))
    entry = matching.bank_args(
        item=item,
        verdict=decision.verdict.value,
        labels=labels,
        decided_at=now,
        not_a_match=decision.not_a_match,
        escalated=bool(item.get("escalated_at")),
    )
    return _Prepared(
        item["id"], entry, escalated=bool(item.get("escalated_at")), leads=bool(item.get("leads"))
    )


async def _escalation_pool(
    redis: Redis, reviewer: str, assignment_id: str, item_id: str | None, to: Escalation
) -> str:
    """The pool an escalated item goes to: its own routing in `to.queue`, needing `to.skill`
    too. '' when the assignment is not this reviewer's (the script then answers not_found)."""
    if item_id is None:
        item_id, owner = await redis.hmget(keys.assignment(assignment_id), "item", "reviewer")
        if owner != reviewer:
            return ""
    found = await redis.hmget(
        keys.item(item_id or ""), "language", "skills", "severity", "categories"
    )
    language, skills, severity, categories = found
    if severity is None:
        return ""
    return pools.pool_key(
        queue=to.queue,
        language=language or None,
        skills=[*(s for s in (skills or "").split(",") if s), to.skill],
        severity=float(severity),
        categories=[c for c in (categories or "").split(",") if c],
    )


async def decide(
    *,
    scripts: Scripts,
    reviewer: str,
    assignment_id: str,
    decision: DecisionIn,
    now: float,
    item_id: str | None = None,
    escalation: Escalation = Escalation(),
) -> tuple[str, bool]:
    """Record the decision once, with its bank entry; returns (item id, whether this call
    recorded it). A group's members are decided with it, each on its own, after the ones in
    `decision.split` went back to the queue alone (scheduler/groups.py); a split id that is not
    a member of the group is Conflict, and nothing is written. With an escalation queue set,
    `escalate` is not final: the item (and its group) waits in `escalation.queue` for a reviewer
    with `escalation.skill`, whose decision is banked (flagged escalated) and delivered."""
    bank = await _bank_args(scripts.redis, reviewer, assignment_id, item_id, decision, now)
    pool = ""
    if decision.verdict.value == "escalate" and escalation.queue:
        pool = await _escalation_pool(scripts.redis, reviewer, assignment_id, item_id, escalation)
    group = ""
    if bank.leader and (bank.leads or decision.split):  # a lone item: no read of a group
        group = await groups.decision_args(
            redis=scripts.redis,
            leader=bank.leader,
            verdict=decision.verdict.value,
            labels=[x.model_dump() for x in decision.labels],
            split=list(dict.fromkeys(decision.split)),
            now=now,
            escalated=bank.escalated,
        )
    kind, record, text_key, disputed, *hashes = bank.entry.args
    reply = await scripts.decide(
        keys=[
            keys.assignment(assignment_id),
            keys.LEASES,
            keys.OUTBOX,
            *bank.entry.keys,
            keys.HEADS,
            pool,
        ],
        args=[
            reviewer,
            now,
            assignment_id,
            _canonical(decision),
            f"{decision.played_seconds or 0} {decision.playback_rate or ''}".strip(),
            int(decision.sound),
            kind,
            record,
            text_key,
            disputed,
            group,
            *hashes,
        ],
    )
    if reply[0] == "not_in_group":
        raise Conflict(
            f"split names '{reply[1]}', which is not a member of this assignment's group; split"
            " takes only the ids listed in the assignment's `group.members`."
        )
    _raise_for(reply[0], assignment_id)
    return reply[1], reply[0] == "decided"


async def expire_leases(*, scripts: Scripts, now: float, limit: int = 200) -> int:
    return int(await scripts.sweep(keys=[keys.LEASES, keys.HEADS], args=[now, limit]))


@dataclass(frozen=True)
class Held:
    """An assignment of one reviewer (whatever its state), and the item it is for."""

    id: str
    item: str


async def held(*, redis: Redis, assignment_id: str, reviewer: str) -> Held:
    """The reviewer's assignment; NotFound for another reviewer's, as for none. Only existence
    and owner: its state (live, decided, expired) is for each step's script to judge."""
    item, owner = await redis.hmget(keys.assignment(assignment_id), "item", "reviewer")
    if not item or owner != reviewer:
        raise NotFound(f"No assignment '{assignment_id}' for you.")
    return Held(assignment_id, item)


async def current(*, redis: Redis, reviewer: str, now: float) -> dict[str, str] | None:
    """The reviewer's live assignment, if any (what makes their state `reviewing`)."""
    assignment_id = await redis.hget(keys.reviewer(reviewer), "current")
    if assignment_id is None:
        return None
    raw = await redis.hgetall(keys.assignment(assignment_id))
    if raw.get("status") != "live" or float(raw.get("expires_at", 0)) <= now:
        return None
    return raw
