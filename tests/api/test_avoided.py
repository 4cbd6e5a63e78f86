"""The "avoided" figure (issue 17): dose spared by matches and by confirmations without a reveal,
per reviewer and for the team, over the rolling day and week, on the driven clock."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis

from exposure import keys as exposure_keys
from exposure import weights
from scheduler import keys as skeys
from tests import synthetic
from tests.api.conftest import Api
from tests.api.media_helpers import upload, work_until_done

LABELS = [{"category": "gore", "severity": 0.8}]
TEXT_RATE = 0.8 * weights.MEDIA_WEIGHTS["text"] / 60  # severe-minutes per second, never mitigated


async def _review(api: Api, reviewer: str, seconds: float, **decision: Any) -> dict[str, Any]:
    """Claim the next item, look at it for `seconds`, decide it."""
    claimed = await api.post("/v1/assignments", reviewer)
    assert claimed.status_code == 201, claimed.text
    api.clock.advance(seconds)
    aid = claimed.json()["id"]
    r = await api.post(f"/v1/assignments/{aid}/decision", reviewer, json=decision)
    assert r.status_code == 200, r.text
    return dict(claimed.json())


async def _exposure(api: Api, lead: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(rows by reviewer id, the team object) of the team exposure view."""
    r = await api.get("/v1/teams/t1/exposure", lead)
    assert r.status_code == 200, r.text
    body = r.json()
    return {row["id"]: row for row in body["data"]}, body["team"]


async def test_nothing_avoided_without_prior_decisions(api: Api) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "a", labels=LABELS, text="same words")
    await _review(api, keys["r1"], 20, verdict="remove")
    rows, team = await _exposure(api, keys["lead"])
    assert rows["r1"]["avoided"] == {"day": 0, "week": 0}
    assert team == {"avoided": {"day": 0, "week": 0}}


async def test_an_auto_match_spares_the_deciding_reviewers_team_by_its_review_time(
    api: Api,
) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "a", labels=LABELS, text="same words")
    await _review(api, keys["r1"], 20, verdict="remove")  # the team's reviews: 20 s on average
    copy = await api.text_item(
        keys["vendor"], "b", labels=LABELS, text="same words", match_policy="auto"
    )
    assert copy["status"] == "decided"
    rows, team = await _exposure(api, keys["lead"])
    spared = TEXT_RATE * 20
    assert team["avoided"]["day"] == pytest.approx(spared, abs=1e-6)
    assert team["avoided"]["week"] == pytest.approx(spared, abs=1e-6)
    assert rows["r1"]["avoided"] == {"day": 0, "week": 0}  # nobody was handed it

    api.clock.advance(24 * 3600)  # out of the rolling day, still in the week
    _, team = await _exposure(api, keys["lead"])
    assert team["avoided"]["day"] == 0
    assert team["avoided"]["week"] == pytest.approx(spared, abs=1e-6)
    api.clock.advance(6 * 24 * 3600)
    _, team = await _exposure(api, keys["lead"])
    assert team["avoided"] == {"day": 0, "week": 0}


async def test_a_match_with_no_review_history_uses_the_documented_review_time(api: Api) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "a", labels=LABELS, text="same words")
    await _review(api, keys["r1"], 20, verdict="remove")
    api.clock.advance(25 * 3600)  # the team's review left the day: no baseline now
    await api.text_item(keys["vendor"], "b", labels=LABELS, text="same words", match_policy="auto")
    _, team = await _exposure(api, keys["lead"])
    expected = TEXT_RATE * weights.FALLBACK_REVIEW_SECONDS
    assert team["avoided"]["day"] == pytest.approx(expected, abs=1e-6)


async def test_a_confirmation_without_a_reveal_spares_the_rest_of_a_review(api: Api) -> None:
    keys = await api.world({"r1": {}, "r2": {}})
    await api.text_item(keys["vendor"], "a", labels=LABELS, text="same words")
    await _review(api, keys["r1"], 20, verdict="remove")
    await api.text_item(keys["vendor"], "b", labels=LABELS, text="same words")  # assist
    claimed = await _review(api, keys["r2"], 5, verdict="remove")
    assert claimed["item"]["seen_before"]["verdict"] == "remove"
    rows, team = await _exposure(api, keys["lead"])
    spared = TEXT_RATE * (20 - 5)  # a normal review's dose minus what r2 took
    assert rows["r2"]["avoided"]["day"] == pytest.approx(spared, abs=1e-6)
    assert rows["r2"]["avoided"]["week"] == pytest.approx(spared, abs=1e-6)
    assert rows["r1"]["avoided"] == {"day": 0, "week": 0}
    assert team["avoided"]["week"] == pytest.approx(spared, abs=1e-6)


async def test_a_different_verdict_or_not_a_match_is_an_ordinary_review(api: Api) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "a", labels=LABELS, text="same words")
    await _review(api, keys["r1"], 20, verdict="remove")
    await api.text_item(keys["vendor"], "b", labels=LABELS, text="same words")
    await _review(api, keys["r1"], 5, verdict="approve")
    await api.text_item(keys["vendor"], "c", labels=LABELS, text="same words")
    await _review(api, keys["r1"], 5, verdict="remove", not_a_match=True)
    rows, team = await _exposure(api, keys["lead"])
    assert rows["r1"]["avoided"] == {"day": 0, "week": 0}
    assert team["avoided"] == {"day": 0, "week": 0}


async def test_a_confirmation_with_a_reveal_adds_nothing(api: Api) -> None:
    keys = await api.world()
    picture = synthetic.jpeg(synthetic.scene(640, 480, seed=7))
    ids = []
    for external_id in ("a", "b"):
        status, item = await upload(api, keys["vendor"], external_id, picture, labels=LABELS)
        assert status == 201, item
        ids.append(item["id"])
        await work_until_done(api, [item["id"]])
        if external_id == "a":
            await _review(api, keys["r1"], 20, verdict="remove")
    claimed = await api.post("/v1/assignments", keys["r1"])
    assert claimed.json()["item"]["seen_before"]["verdict"] == "remove"
    aid = claimed.json()["id"]
    r = await api.post(f"/v1/assignments/{aid}/reveal", keys["r1"], json={"level": "color"})
    assert r.status_code == 200, r.text
    api.clock.advance(2)
    r = await api.post(f"/v1/assignments/{aid}/decision", keys["r1"], json={"verdict": "remove"})
    assert r.status_code == 200, r.text
    rows, team = await _exposure(api, keys["lead"])
    assert rows["r1"]["avoided"] == {"day": 0, "week": 0}
    assert team["avoided"] == {"day": 0, "week": 0}


async def test_a_match_is_priced_at_the_teams_default_view_of_its_category(
    api: Api, redis: Redis
) -> None:
    keys = await api.world()
    r = await api.client.put(
        "/v1/teams/t1/policy", headers=api.admin, json={"view_defaults": {"gore": "stylized"}}
    )
    assert r.status_code == 200, r.text
    picture = synthetic.jpeg(synthetic.scene(640, 480, seed=7))
    status, first = await upload(api, keys["vendor"], "a", picture, labels=LABELS)
    assert status == 201, first
    await work_until_done(api, [first["id"]])
    await _review(api, keys["r1"], 20, verdict="remove")
    status, copy = await upload(
        api, keys["vendor"], "b", picture, labels=LABELS, match_policy="auto"
    )
    assert status == 201, copy
    await work_until_done(api, [copy["id"]])
    assert (await api.get(f"/v1/items/{copy['id']}")).json()["status"] == "decided"
    rates = await redis.hmget(skeys.item(copy["id"]), "rate_stylized", "rate_blurred")
    stylized, blurred = (float(x) for x in rates)
    assert stylized > blurred  # the team sees gore as a drawing first, which costs more
    _, team = await _exposure(api, keys["lead"])
    assert team["avoided"]["day"] == pytest.approx(stylized * 20, abs=1e-3)


async def test_buckets_leave_as_they_fall_out_of_the_week(api: Api, redis: Redis) -> None:
    keys = await api.world()
    await api.text_item(keys["vendor"], "a", labels=LABELS, text="same words")
    await _review(api, keys["r1"], 20, verdict="remove")
    for n in range(3):  # one match every 30 hours: all in the week, one at most in the day
        api.clock.advance(30 * 3600)
        await api.text_item(
            keys["vendor"], f"m{n}", labels=LABELS, text="same words", match_policy="auto"
        )
    _, team = await _exposure(api, keys["lead"])
    fallback = TEXT_RATE * weights.FALLBACK_REVIEW_SECONDS  # the review left the day by then
    assert team["avoided"]["week"] == pytest.approx(3 * fallback, abs=1e-5)
    assert team["avoided"]["day"] == pytest.approx(fallback, abs=1e-5)
    key = exposure_keys.avoided("team", "t1")
    running = await redis.hmget(key, "day_sum", "week_sum")
    assert [int(x) / exposure_keys.MICRO for x in running] == pytest.approx(
        [fallback, 3 * fallback], abs=1e-5
    )

    api.clock.advance(7 * 24 * 3600)  # every bucket left the week; one more match
    await api.text_item(keys["vendor"], "z", labels=LABELS, text="same words", match_policy="auto")
    buckets = [f for f in await redis.hkeys(key) if f.isdigit()]
    assert buckets == [str(int(api.clock() // 3600))]
    assert 0 < await redis.ttl(key) <= exposure_keys.AVOIDED_KEPT_SECONDS
