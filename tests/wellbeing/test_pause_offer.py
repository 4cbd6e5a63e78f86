"""When the decompression pause is offered, from the exposure events themselves (issue 19).

The events are written as the decision script writes them (one stream entry per ended
assignment); the offer reads them newest first, a batch at a time, past the first batch."""

from __future__ import annotations

from typing import Any

from exposure import keys as exposure_keys
from wellbeing.support import PAUSE_BATCH, pause_offer

NOW = 1_795_000_000.0


async def _event(redis: Any, at: float, *, severe: bool, level: str = "blurred") -> None:
    await redis.xadd(
        exposure_keys.events("r1"),
        {"at": at, "ended": "decided", "severe": int(severe), "level": level},
    )


async def test_the_hours_count_is_read_past_the_first_batch(redis: Any) -> None:
    start = NOW - 3000
    for n in range(5):
        await _event(redis, start + n, severe=True)
    for n in range(PAUSE_BATCH * 2):  # mild items decided since: the severe ones are further back
        await _event(redis, start + 10 + n, severe=False)
    offer = await pause_offer(redis=redis, reviewer="r1", now=NOW, per_hour=5, last_break_at=None)
    assert (offer["offer_pause"], offer["pause_reason"], offer["since"]) == (
        True,
        "severe_hour",
        start + 4,
    )
    # A break after the second severe item: three since, fewer than five.
    after_break = await pause_offer(
        redis=redis, reviewer="r1", now=NOW, per_hour=5, last_break_at=start + 1.5
    )
    assert after_break["offer_pause"] is False
    # An hour on, they have left the window.
    later = await pause_offer(
        redis=redis, reviewer="r1", now=start + 3601, per_hour=5, last_break_at=None
    )
    assert later["offer_pause"] is False


async def test_only_the_last_decision_in_colour_offers_it_at_once(redis: Any) -> None:
    await _event(redis, NOW - 60, severe=True, level="color")
    offer = await pause_offer(redis=redis, reviewer="r1", now=NOW, per_hour=5, last_break_at=None)
    assert (offer["offer_pause"], offer["pause_reason"]) == (True, "severe_color")
    await _event(redis, NOW - 30, severe=False, level="color")  # a mild one since: it passed
    offer = await pause_offer(redis=redis, reviewer="r1", now=NOW, per_hour=5, last_break_at=None)
    assert offer["offer_pause"] is False
