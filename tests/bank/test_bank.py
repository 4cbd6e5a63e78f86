"""The bank on the real Redis: the distance rule at its edges, quality, nearest, removal,
not-a-match pairs, vendor isolation and linked banks, vPDQ's 80% rule, and the cap."""

from __future__ import annotations

import random

import pytest
from redis.asyncio import Redis

from bank import keys, service
from bank.models import Frame, InvalidHash, Label, NotBankable, Settings

NOW = 1_795_000_000.0


def random_hash(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def flip(hash_hex: str, bits: list[int]) -> str:
    """The hash with the given bits flipped (bit 255 is the first hex digit's top bit)."""
    n = int(hash_hex, 16)
    for b in bits:
        n ^= 1 << b
    return f"{n:064x}"


def spread(per_chunk: list[int]) -> list[int]:
    """Bits to flip: per_chunk[c] of them in 16-bit chunk c."""
    return [c * 16 + k for c, count in enumerate(per_chunk) for k in range(count)]


async def bank_image(redis: Redis, vendor: str, item_id: str, hash_hex: str, **kw: object) -> int:
    entry = await service.add(
        redis=redis,
        vendor=vendor,
        item_id=item_id,
        verdict=str(kw.pop("verdict", "remove")),
        decided_at=NOW,
        frames=[Frame(hash_hex, int(kw.pop("quality", 90)))],  # type: ignore[call-overload]
        labels=[Label("gore", 0.8)],
        severity=0.8,
        **kw,  # type: ignore[arg-type]
    )
    assert entry is not None
    return entry


async def nearest(redis: Redis, hash_hex: str, vendors: tuple[str, ...] = ("v",), **kw: object):
    lookup = await service.lookup_image(
        redis=redis,
        vendors=list(vendors),
        frame=Frame(hash_hex, 90),
        **kw,  # type: ignore[arg-type]
    )
    return lookup.match


@pytest.mark.parametrize(
    ("bits", "matches"),
    [
        ([], True),
        (spread([8]), True),  # 8 bits, all in one chunk
        (spread([2] * 15 + [1]), True),  # 31: every chunk but one 2 bits off (pigeonhole edge)
        (spread([1] * 16), True),  # 16: no chunk exact, found by the one-bit neighbours only
        (spread([16, 15]), True),  # 31 in two chunks: the other 14 chunks are exact
        (spread([2] * 16), False),  # 32: no chunk within 1 bit, and over the threshold
        (list(range(32)), False),  # 32 bits in two chunks
    ],
)
async def test_the_distance_rule_at_its_edges(redis: Redis, bits: list[int], matches: bool) -> None:
    banked = random_hash(random.Random(1))
    await bank_image(redis, "v", "itm_a", banked)
    match = await nearest(redis, flip(banked, bits))
    if matches:
        assert match is not None and match.item_id == "itm_a"
        assert match.distance == len(set(bits))
        assert (match.verdict, match.labels, match.decided_at) == (
            "remove",
            (Label("gore", 0.8),),
            NOW,
        )
    else:
        assert match is None


async def test_low_quality_hashes_never_enter_and_never_look_up(redis: Redis) -> None:
    rng = random.Random(2)
    weak = random_hash(rng)
    assert (
        await service.add(
            redis=redis,
            vendor="v",
            item_id="itm_w",
            verdict="remove",
            decided_at=NOW,
            frames=[Frame(weak, 49)],
        )
        is None
    )
    assert await redis.keys("*") == []
    strong = random_hash(rng)
    await bank_image(redis, "v", "itm_s", strong)
    lookup = await service.lookup_image(redis=redis, vendors=["v"], frame=Frame(strong, 49))
    assert lookup.match is None and lookup.checked == 0


async def test_the_nearest_entry_wins(redis: Redis) -> None:
    rng = random.Random(3)
    query = random_hash(rng)
    for item, distance in [("itm_20", 20), ("itm_5", 5), ("itm_12", 12), ("itm_far", 60)]:
        await bank_image(redis, "v", item, flip(query, rng.sample(range(256), distance)))
    match = await nearest(redis, query)
    assert match is not None and (match.item_id, match.distance) == ("itm_5", 5)


async def test_removal_stops_matches_at_once_and_leaves_no_postings(redis: Redis) -> None:
    rng = random.Random(4)
    banked = random_hash(rng)
    await bank_image(redis, "v", "itm_a", banked)
    assert await service.remove(redis=redis, vendor="v", item_id="itm_a") is True
    assert await nearest(redis, banked) is None
    assert await service.remove(redis=redis, vendor="v", item_id="itm_a") is False
    assert sorted(await redis.keys("*")) == sorted([keys.counter("v"), keys.hashes("v")])


async def test_banking_an_item_again_replaces_its_entry(redis: Redis) -> None:
    rng = random.Random(5)
    old, new = random_hash(rng), random_hash(rng)
    await bank_image(redis, "v", "itm_a", old)
    await bank_image(redis, "v", "itm_a", new, verdict="approve")
    assert await nearest(redis, old) is None
    match = await nearest(redis, new)
    assert match is not None and match.verdict == "approve"


async def test_not_a_match_stops_that_pair_only(redis: Redis) -> None:
    rng = random.Random(6)
    banked = random_hash(rng)
    await bank_image(redis, "v", "itm_b", banked)
    await bank_image(redis, "v", "itm_c", flip(banked, [0, 1, 2, 3, 4, 5]))
    marked = await service.mark_not_a_match(
        redis=redis, vendor="v", item_id="itm_a", banked_item_id="itm_b"
    )
    assert marked is True
    query = flip(banked, [200])
    for_a = await nearest(redis, query, item_id="itm_a")
    assert for_a is not None and for_a.item_id == "itm_c"  # the next nearest, not B
    for_d = await nearest(redis, query, item_id="itm_d")
    assert for_d is not None and for_d.item_id == "itm_b" and for_d.disputed
    await service.remove(redis=redis, vendor="v", item_id="itm_c")
    assert await nearest(redis, query, item_id="itm_a") is None
    unbanked = await service.mark_not_a_match(
        redis=redis, vendor="v", item_id="itm_a", banked_item_id="itm_gone"
    )
    assert unbanked is False


async def test_an_escalated_decision_is_banked_flagged(redis: Redis) -> None:
    banked = random_hash(random.Random(15))
    await bank_image(redis, "v", "itm_a", banked, escalated=True)
    match = await nearest(redis, banked)
    assert match is not None and match.escalated and not match.disputed


async def test_banks_are_per_vendor_unless_linked(redis: Redis) -> None:
    rng = random.Random(7)
    banked = random_hash(rng)
    await bank_image(redis, "v", "itm_a", banked)
    assert await nearest(redis, banked, vendors=("w",)) is None
    match = await nearest(redis, banked, vendors=("w", "v"))
    assert match is not None and (match.vendor, match.item_id) == ("v", "itm_a")
    own = flip(banked, [7])
    await bank_image(redis, "w", "itm_w", own)
    match = await nearest(redis, own, vendors=("w", "v"))
    assert match is not None and (match.vendor, match.distance) == ("w", 0)


async def test_images_do_not_match_video_frames(redis: Redis) -> None:
    rng = random.Random(8)
    frames = [Frame(random_hash(rng), 90) for _ in range(5)]
    await service.add(
        redis=redis,
        vendor="v",
        item_id="itm_v",
        verdict="remove",
        decided_at=NOW,
        frames=frames,
        kind="video",
    )
    assert await nearest(redis, frames[0].hash) is None


async def _video_lookup(redis: Redis, banked: list[str], matching: int, total: int):
    rng = random.Random(total)
    query = [flip(h, rng.sample(range(256), 6)) for h in banked[:matching]]
    query += [random_hash(rng) for _ in range(total - matching)]
    return await service.lookup_video(
        redis=redis, vendors=["v"], frames=[Frame(h, 90) for h in query]
    )


async def test_a_video_matches_when_80_percent_of_its_frames_do(redis: Redis) -> None:
    rng = random.Random(9)
    banked = [random_hash(rng) for _ in range(30)]
    await service.add(
        redis=redis,
        vendor="v",
        item_id="itm_v",
        verdict="remove",
        decided_at=NOW,
        frames=[Frame(h, 90) for h in banked],
        kind="video",
    )
    assert (await _video_lookup(redis, banked, matching=15, total=19)).match is None  # 78.9%
    lookup = await _video_lookup(redis, banked, matching=16, total=20)  # 80%
    match = lookup.match
    assert match is not None and match.item_id == "itm_v"
    assert (match.frames_matched, match.frames) == (16, 20)
    assert (match.distance, match.mean_distance) == (6, 6.0)
    assert await service.remove(redis=redis, vendor="v", item_id="itm_v")
    assert (await _video_lookup(redis, banked, matching=20, total=20)).match is None


async def test_the_cap_bounds_the_candidates_and_says_so(redis: Redis) -> None:
    rng = random.Random(10)
    query = random_hash(rng)
    for n in range(40):  # a cluster: every entry shares the query's first chunk exactly
        other = int(random_hash(rng), 16) & ((1 << 240) - 1)
        await bank_image(redis, "v", f"itm_{n}", f"{(int(query, 16) >> 240 << 240) | other:064x}")
    small = Settings(cap=10)
    lookup = await service.lookup_image(
        redis=redis, vendors=["v"], frame=Frame(query, 90), settings=small
    )
    assert (lookup.match, lookup.checked, lookup.capped) == (None, 10, True)
    lookup = await service.lookup_image(redis=redis, vendors=["v"], frame=Frame(query, 90))
    assert (lookup.checked, lookup.capped) == (40, False)


async def test_a_near_duplicate_is_found_first_in_a_crowd_bigger_than_the_cap(
    redis: Redis,
) -> None:
    rng = random.Random(14)
    query = random_hash(rng)
    top = int(query, 16) >> 240 << 240
    for n in range(40):  # all share the query's first chunk, nothing else
        await bank_image(redis, "v", f"itm_{n}", f"{top | (int(random_hash(rng), 16) >> 16):064x}")
    await bank_image(redis, "v", "itm_near", flip(query, rng.sample(range(256), 12)))
    lookup = await service.lookup_image(
        redis=redis, vendors=["v"], frame=Frame(query, 90), settings=Settings(cap=5)
    )
    assert lookup.match is not None and lookup.match.item_id == "itm_near"
    assert (lookup.checked, lookup.capped) == (1, False)  # the rest could not be nearer


async def test_an_empty_bank_answers_no_match(redis: Redis) -> None:
    lookup = await service.lookup_image(
        redis=redis, vendors=["v"], frame=Frame(random_hash(random.Random(11)), 90)
    )
    assert (lookup.match, lookup.checked, lookup.capped) == (None, 0, False)
    video = await service.lookup_video(
        redis=redis, vendors=["v"], frames=[Frame(random_hash(random.Random(12)), 90)]
    )
    assert video.match is None


async def test_what_the_bank_refuses(redis: Redis) -> None:
    with pytest.raises(NotBankable):
        await bank_image(redis, "v", "itm_a", random_hash(random.Random(13)), verdict="escalate")
    with pytest.raises(InvalidHash):
        await nearest(redis, "xyz")
    assert await redis.keys("*") == []
