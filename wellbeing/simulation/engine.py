"""The event loop: one virtual clock, a heap of timed events, the real domain calls.

Item arrivals, every reviewer's next action and the periodic wellbeing pass are events on one
monotonic clock. It has to be one: a claim expires every lease older than its own `now`, so a
reviewer ahead in time would take the items of one behind. Nothing sleeps; a shift runs as fast
as Redis answers. Who gets which item, every dose, break, cool-down and budget is decided by the
production scripts; the simulator only supplies arrivals and behaviour, and reads the ledger.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, cast

from redis.asyncio import Redis

from exposure import keys as exposure_keys
from scheduler import accounts, assignments, items, keys, matching, processing
from scheduler.items import MediaRef
from scheduler.models import DecisionIn, ItemIn, ItemStatus, ReviewerIn, TeamIn
from scheduler.scripts import Scripts
from wellbeing import checkins, jobs, policy, state, worktime
from wellbeing.errors import OnBreak
from wellbeing.simulation import behaviour
from wellbeing.simulation.records import ItemOutcome, ReviewerRecord, RunRecord
from wellbeing.simulation.scenarios import Arrival, ReviewerSpec, Scenario

LEASE_SECONDS = 300  # the service's default
POLL_SECONDS = 10.0  # an idle reviewer's tool asks for work again this often
GAP_SECONDS = 3.0  # from one decision to the next claim
HEARTBEAT_SECONDS = 120.0  # the reviewer tool's heartbeat, well inside the lease
# The claim reports a break's end to 14 significant digits (0.1 ms here), which can fall just
# before the stored end: asking again at exactly that time would be refused again, forever.
RETRY_AFTER_BREAK = 0.001
TICK_SECONDS = 60.0  # the wellbeing pass (the service runs it every 5 s; it only moves alerts)
TEAM, VENDOR = "sim", "sim"
SEVERE = policy.Policy().severe_threshold  # what the metrics call severe, whatever the policy
# Media the simulator never stores: the pipeline is taken as done, with nothing to add.
_FORMATS = {"image": ("image/jpeg", "jpeg"), "video": ("video/mp4", "mp4")}

Handler = Callable[[float, Any], Awaitable[None]]
Events = list[tuple[str, dict[str, str]]]  # XRANGE on a client that decodes replies


def start_epoch(scenario: Scenario) -> float:
    """The shift starts two UTC days ago at the scenario's hour: whole-day alignment as in
    production (low moods last until midnight), and behind the server's clock, which stamps the
    exposure events Redis trims by age."""
    midnight = math.floor(time.time() / 86400) * 86400
    return midnight - 2 * 86400 + scenario.start_utc_hour * 3600


@dataclass
class _Hand:
    """The item a reviewer holds, and what they will do with it."""

    assignment: str
    item: int
    plan: behaviour.Plan
    confirmed: bool = False  # the plan confirms a prior decision shown (seen_before)


@dataclass
class _Reviewer:
    spec: ReviewerSpec
    traits: behaviour.Traits
    record: ReviewerRecord
    hand: _Hand | None = None
    next_look: float = 0.0  # when the tool next looks whether a check-in is due
    pauses_seen: set[float] = field(default_factory=set)  # break ends already counted


class Simulation:
    """One policy, one scenario, one seed: run it once with `run()`."""

    def __init__(
        self,
        *,
        redis: Redis,
        scenario: Scenario,
        arrivals: list[Arrival],
        seed: int,
        name: str,
        team_policy: policy.Policy,
        match_policy: str = "off",
        confirm_rate: float = behaviour.CONFIRM_RATE,
        hashes: dict[int, str] | None = None,
    ) -> None:
        """`match_policy` goes on every item (docs/matching.md); `hashes` are the pictures'
        `pdq` fields by arrival index (pictures.packed_hashes): those items go through media
        processing and the bank lookup as an upload does; `confirm_rate` is how often a
        reviewer shown a prior decision confirms it without a review."""
        self.redis, self.scripts = redis, Scripts(redis)
        self.scenario, self.arrivals, self.seed, self.name = scenario, arrivals, seed, name
        self.team_policy = team_policy
        self.match_policy, self.confirm_rate = match_policy, confirm_rate
        self.hashes = hashes or {}
        self.epoch = start_epoch(scenario)
        self.end = self.epoch + 3600 * max(scenario.hours, *(r.end for r in scenario.reviewers))
        self.heap: list[tuple[float, int, str, Any]] = []
        self.seq = itertools.count()
        self.item_index: dict[str, int] = {}
        self.outcomes: list[ItemOutcome] = []
        self.reviewers = [
            _Reviewer(
                spec=spec,
                traits=behaviour.traits(seed, spec.id),
                record=ReviewerRecord(spec.id, spec.start * 3600, spec.end * 3600),
            )
            for spec in scenario.reviewers
        ]
        self.handlers: dict[str, Handler] = {
            "arrive": self._arrive,
            "sign_on": self._sign_on,
            "claim": self._claim,
            "reveal": self._reveal,
            "heartbeat": self._heartbeat,
            "finish": self._finish,
            "tick": self._tick,
        }

    def _at(self, when: float, kind: str, arg: Any = None) -> None:
        heapq.heappush(self.heap, (when, next(self.seq), kind, arg))

    async def run(self) -> RunRecord:
        await self._setup()
        for a in self.arrivals:
            self._at(self.epoch + a.at, "arrive", a)
        for r in self.reviewers:
            self._at(self.epoch + r.record.start, "sign_on", r)
        self._at(self.epoch, "tick")
        while self.heap:
            now, _, kind, arg = heapq.heappop(self.heap)
            await self.handlers[kind](now, arg)
        await self._settle()
        for r in self.reviewers:
            r.record.exposures = await self._exposures(r.spec.id)
            r.record.work_seconds = await self._work_seconds(r.spec.id)
        return RunRecord(
            self.name, self.end - self.epoch, self.outcomes, [r.record for r in self.reviewers]
        )

    async def _setup(self) -> None:
        now = self.epoch
        await accounts.create_team(scripts=self.scripts, body=TeamIn(id=TEAM, name=TEAM), now=now)
        for spec in self.scenario.reviewers:
            body = ReviewerIn.model_validate(
                {
                    "id": spec.id,
                    "team": TEAM,
                    "languages": spec.languages,
                    "opt_outs": spec.opt_outs,
                }
            )
            await accounts.create_reviewer(
                redis=self.redis, scripts=self.scripts, body=body, now=now
            )
        await policy.put(
            redis=self.redis, team=TEAM, policy=self.team_policy, now=now, actor="simulation"
        )

    async def _settle(self) -> None:
        """Items decided by a step no simulated reviewer took (a near-duplicate group's members,
        decided with the one a reviewer judged), read back from the items themselves, with how
        the scheduler says they were decided."""
        open_items = [
            (item_id, self.outcomes[index])
            for item_id, index in self.item_index.items()
            if self.outcomes[index].decided_at is None
        ]
        async with self.redis.pipeline(transaction=False) as pipe:
            for item_id, _ in open_items:
                pipe.hmget(keys.item(item_id), "status", "decided_at", "decided_how")
            replies = await pipe.execute()
        for (_, outcome), (status, decided_at, how) in zip(open_items, replies, strict=True):
            if status == "decided" and decided_at:
                outcome.decided_at = float(decided_at) - self.epoch
                outcome.decided_how = how or "reviewer"

    async def _work_seconds(self, rid: str) -> float:
        """Time at work over the run, as the working-time rule counted it (wellbeing.worktime)."""
        st = await state.reviewer(scripts=self.scripts, reviewer_id=rid, now=self.end)
        spans = await worktime.intervals(
            redis=self.redis,
            reviewer=rid,
            since_ended=self.epoch,
            work_since=st["work_since"],
            now=self.end,
        )
        return worktime.overlap(spans, self.epoch, self.end)

    async def _exposures(self, rid: str) -> list[tuple[float, float]]:
        events = cast(Events, await self.redis.xrange(exposure_keys.events(rid)))
        return [
            (float(e["at"]) - self.epoch, int(e["dose"]) / exposure_keys.MICRO) for _, e in events
        ]

    # Items -----------------------------------------------------------------------------------

    async def _arrive(self, now: float, a: Arrival) -> None:
        body = ItemIn.model_validate(
            {
                "external_id": f"sim-{a.index}",
                "language": a.language,
                "priority": a.priority,
                "sla_seconds": a.sla_seconds,
                "labels": [{"category": c, "severity": s} for c, s in a.labels],
                # Each post its own text: one shared text would be one exact-duplicate key,
                # and every post would "match" the first one decided.
                "text": f"synthetic post {a.index}" if a.media == "text" else None,
                "match_policy": self.match_policy,
            }
        )
        media = None
        if a.media != "text":
            mime, fmt = _FORMATS[a.media]
            media = MediaRef(kind=a.media, digest=f"sim{a.index}", mime=mime, format=fmt)
        packed = self.hashes.get(a.index)
        status = ItemStatus.processing if packed is not None else ItemStatus.queued
        item, _ = await items.ingest(
            redis=self.redis,
            scripts=self.scripts,
            vendor=VENDOR,
            body=body,
            media=media,
            now=now,
            status=status,
        )
        self.item_index[item["id"]] = a.index
        outcome = ItemOutcome(
            a.at, a.at + a.sla_seconds, item["severity"] >= SEVERE, copy=a.copy_of is not None
        )
        self.outcomes.append(outcome)
        if packed is not None:
            await self._media_ready(now, item["id"], packed, a, outcome)

    async def _media_ready(
        self, now: float, item_id: str, packed: str, a: Arrival, outcome: ItemOutcome
    ) -> None:
        """The media worker's hand-over, as api/workers.py makes it: the picture's hashes go on
        the item and are looked up in the bank (match.lua) in the step that queues it. An
        `auto` match decides it there and then; nobody will claim it."""
        await processing.media_ready(
            redis=self.redis,
            scripts=self.scripts,
            item_id=item_id,
            levels={},
            mime={},
            detected=[],
            pdq=packed,
            now=now,
        )
        fields = ("status", "match_item", "match_distance", "decided_how")
        read = cast(list[str | None], await self.redis.hmget(keys.item(item_id), fields))
        status, matched, distance, how = read
        if matched:
            prior = self.arrivals[self.item_index[matched]]
            outcome.match_distance = int(float(distance or 0))
            outcome.match_same_root = prior.root == a.root
        if status == "decided" and how == "match":
            outcome.decided_at, outcome.decided_how = a.at, "match"

    async def _tick(self, now: float, _: Any) -> None:
        await jobs.team_pass(redis=self.redis, scripts=self.scripts, now=now)
        if now + TICK_SECONDS < self.end:
            self._at(now + TICK_SECONDS, "tick")

    # Reviewers -------------------------------------------------------------------------------

    async def _sign_on(self, now: float, r: _Reviewer) -> None:
        """The shift starts with a check-in (the tool asks how they are before the first item)."""
        await self._check_in(now, r)
        await self._claim(now, r)

    async def _claim(self, now: float, r: _Reviewer) -> None:
        if now >= self.epoch + r.record.end:
            await self._sign_off(now, r)
            return
        await self._check_in_if_due(now, r)
        try:
            claimed = await assignments.claim(
                scripts=self.scripts, reviewer=r.spec.id, now=now, lease_seconds=LEASE_SECONDS
            )
        except OnBreak as e:
            self._count_pause(r, e)
            self._at(max(e.until, now) + RETRY_AFTER_BREAK, "claim", r)
            return
        if claimed is None:
            self._at(now + POLL_SECONDS, "claim", r)
            return
        index = self.item_index[claimed.item["id"]]
        arrival = self.arrivals[index]
        severity = float(claimed.item["severity"])
        plan = behaviour.plan(self.seed, r.spec.id, index, r.traits, arrival.media, severity)
        # Shown a prior decision (assist, or an auto match too far to apply): mostly confirmed.
        seen = matching.seen_before(claimed.item)
        confirm = None
        if seen is not None:
            confirm = behaviour.confirm(
                self.seed, r.spec.id, index, r.traits, self.confirm_rate, seen["verdict"]
            )
        plan = confirm or plan
        r.hand = _Hand(claimed.assignment_id, index, plan, confirmed=confirm is not None)
        if plan.reveal:
            self._at(now + plan.reveal_after, "reveal", r)
        for k in range(1, math.ceil(plan.seconds / HEARTBEAT_SECONDS)):
            self._at(now + k * HEARTBEAT_SECONDS, "heartbeat", r)
        self._at(now + plan.seconds, "finish", r)

    def _count_pause(self, r: _Reviewer, e: OnBreak) -> None:
        if e.until in r.pauses_seen:  # the same break, asked again
            return
        r.pauses_seen.add(e.until)
        if e.reason == "continuous_work":
            r.record.breaks += 1
        elif e.reason == "cooldown":
            r.record.cooldowns += 1

    async def _reveal(self, now: float, r: _Reviewer) -> None:
        assert r.hand is not None and r.hand.plan.reveal is not None
        await assignments.reveal(
            scripts=self.scripts,
            reviewer=r.spec.id,
            assignment_id=r.hand.assignment,
            level=r.hand.plan.reveal,
            now=now,
        )
        r.record.reveals += 1

    async def _heartbeat(self, now: float, r: _Reviewer) -> None:
        assert r.hand is not None
        await assignments.heartbeat(
            scripts=self.scripts,
            reviewer=r.spec.id,
            assignment_id=r.hand.assignment,
            now=now,
            lease_seconds=LEASE_SECONDS,
        )

    async def _finish(self, now: float, r: _Reviewer) -> None:
        hand, r.hand = r.hand, None
        assert hand is not None
        if hand.plan.skip:
            await assignments.skip(
                scripts=self.scripts,
                reviewer=r.spec.id,
                assignment_id=hand.assignment,
                reason="not_sure",
                now=now,
            )
        else:
            video = self.arrivals[hand.item].media == "video"
            decision = DecisionIn(
                verdict=hand.plan.verdict,  # type: ignore[arg-type]
                sound=hand.plan.sound,
                played_seconds=hand.plan.seconds if video else None,
            )
            _, recorded = await assignments.decide(
                scripts=self.scripts,
                reviewer=r.spec.id,
                assignment_id=hand.assignment,
                decision=decision,
                now=now,
            )
            if recorded:
                outcome = self.outcomes[hand.item]
                outcome.decided_at = now - self.epoch
                outcome.decided_how = "confirmed" if hand.confirmed else "reviewer"
                r.record.decided += 1
        self._at(now + GAP_SECONDS, "claim", r)

    async def _sign_off(self, now: float, r: _Reviewer) -> None:
        """The API has no sign-off; stepping away is a break the reviewer asks for, which also
        tells the scheduler not to leave severe items for them. It is not counted as a break."""
        await state.take_break(
            scripts=self.scripts,
            reviewer_id=r.spec.id,
            team_id=TEAM,
            seconds=math.ceil(self.end - now) + 3600,
            now=now,
        )

    async def _check_in_if_due(self, now: float, r: _Reviewer) -> None:
        if now < r.next_look:
            return
        st = await state.reviewer(scripts=self.scripts, reviewer_id=r.spec.id, now=now)
        due = st["checkin_due_at"]
        if due is not None and due > now:
            r.next_look = due
            return
        await self._check_in(now, r)

    async def _check_in(self, now: float, r: _Reviewer) -> None:
        mood = behaviour.mood(self.seed, r.spec.id, r.record.checkins, r.traits)
        done = await checkins.record(
            scripts=self.scripts,
            reviewer_id=r.spec.id,
            team_id=TEAM,
            body=checkins.CheckinIn(mood=mood),
            now=now,
        )
        r.record.checkins += 1
        r.record.low_moods += int(done["low_mood"])
        r.next_look = now + 60  # then the state says when the next one is due
