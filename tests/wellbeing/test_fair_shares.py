"""Fair shares in the claim: items are left for a teammate who is behind, only when that helps."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from scheduler import accounts, assignments, items
from scheduler.models import DecisionIn, ItemIn, ReviewerIn, ReviewerPatch, TeamIn
from scheduler.scripts import Scripts
from tests.conftest import FakeClock
from wellbeing import policy, state

VIOLENT = [{"category": "violence", "severity": 0.9}]  # effective 0.9
SPAM = [{"category": "spam", "severity": 0.9}]  # effective 0: below any threshold


async def _world(redis: Redis, scripts: Scripts, now: float, **fields: Any) -> None:
    """r1 and r2 (English only); a day budget of 10 so one minute of violence is 2% of it."""
    await accounts.create_team(scripts=scripts, body=TeamIn(id="t", name="t"), now=now)
    for rid in ("r1", "r2"):
        body = ReviewerIn(id=rid, team="t", languages=["en"])
        await accounts.create_reviewer(redis=redis, scripts=scripts, body=body, now=now)
    chosen = policy.Policy.model_validate({"budgets": {"day": 10}, **fields})
    await policy.put(redis=redis, team="t", policy=chosen, now=now)


async def _item(redis: Redis, scripts: Scripts, name: str, now: float, **fields: Any) -> str:
    body = ItemIn.model_validate({"external_id": name, "text": name, **fields})
    item, _ = await items.ingest(
        redis=redis, scripts=scripts, vendor="v", body=body, media=None, now=now
    )
    return str(item["id"])


async def _work(scripts: Scripts, rid: str, clock: FakeClock, seconds: float) -> str:
    claimed = await assignments.claim(scripts=scripts, reviewer=rid, now=clock(), lease_seconds=300)
    assert claimed is not None
    clock.advance(seconds)
    await assignments.decide(
        scripts=scripts,
        reviewer=rid,
        assignment_id=claimed.assignment_id,
        decision=DecisionIn(verdict="approve"),
        now=clock(),
    )
    return claimed.item["id"]


async def _claim(scripts: Scripts, rid: str, clock: FakeClock) -> str | None:
    claimed = await assignments.claim(scripts=scripts, reviewer=rid, now=clock(), lease_seconds=300)
    return None if claimed is None else claimed.item["id"]


async def _r1_ahead(redis: Redis, scripts: Scripts, clock: FakeClock, **fields: Any) -> None:
    """r2 has worked (no dose) and r1 has 0.225 of a 10 severe-minute day: 2.25% ahead."""
    await _world(redis, scripts, clock(), **fields)
    await _item(redis, scripts, "mild", clock(), labels=SPAM)
    await _work(scripts, "r2", clock, 5)
    await _item(redis, scripts, "warmup", clock(), labels=VIOLENT)
    await _work(scripts, "r1", clock, 60)


async def test_an_item_waits_for_the_teammate_who_is_behind(redis: Redis) -> None:
    scripts, clock = Scripts(redis), FakeClock()
    await _r1_ahead(redis, scripts, clock)
    violent = await _item(redis, scripts, "violent", clock(), labels=VIOLENT)
    assert await _claim(scripts, "r1", clock) is None
    assert await _claim(scripts, "r2", clock) == violent


async def test_the_reviewer_ahead_still_gets_what_is_below_the_threshold(redis: Redis) -> None:
    scripts, clock = Scripts(redis), FakeClock()
    await _r1_ahead(redis, scripts, clock)
    await _item(redis, scripts, "violent", clock(), labels=VIOLENT, priority=9)
    spam = await _item(redis, scripts, "spam", clock(), labels=SPAM, priority=0)
    assert await _claim(scripts, "r1", clock) == spam


async def test_nothing_waits_for_a_teammate_who_cannot_take_it(redis: Redis) -> None:
    scripts, clock = Scripts(redis), FakeClock()
    await _r1_ahead(redis, scripts, clock)
    await accounts.update_reviewer(
        redis=redis,
        reviewer_id="r1",
        patch=ReviewerPatch(languages=["en", "es"]),
    )
    spanish = await _item(redis, scripts, "es", clock(), labels=VIOLENT, language="es")
    assert await _claim(scripts, "r1", clock) == spanish


async def test_nothing_waits_for_a_teammate_on_a_break(redis: Redis) -> None:
    scripts, clock = Scripts(redis), FakeClock()
    await _r1_ahead(redis, scripts, clock)
    await state.take_break(scripts=scripts, reviewer_id="r2", team_id="t", seconds=600, now=clock())
    violent = await _item(redis, scripts, "violent", clock(), labels=VIOLENT)
    assert await _claim(scripts, "r1", clock) == violent


async def test_an_item_waits_at_most_the_policy_s_wait(redis: Redis) -> None:
    scripts, clock = Scripts(redis), FakeClock()
    await _r1_ahead(redis, scripts, clock, fair_share_max_wait_seconds=120)
    violent = await _item(redis, scripts, "violent", clock(), labels=VIOLENT)
    assert await _claim(scripts, "r1", clock) is None
    clock.advance(121)
    assert await _claim(scripts, "r1", clock) == violent


async def test_a_margin_of_one_turns_fair_shares_off(redis: Redis) -> None:
    scripts, clock = Scripts(redis), FakeClock()
    await _r1_ahead(redis, scripts, clock, fair_share_margin=1)
    violent = await _item(redis, scripts, "violent", clock(), labels=VIOLENT)
    assert await _claim(scripts, "r1", clock) == violent
