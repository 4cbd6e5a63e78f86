"""The bank's side of the wiring: entries built for the decision script, ties, text removal."""

from __future__ import annotations

import random

import pytest
from redis.asyncio import Redis

from bank import keys, service
from bank.models import Frame, NotBankable, Record
from scheduler.scripts import library
from tests.bank.test_bank import bank_image, flip, random_hash


def test_an_entry_is_none_without_a_good_hash_or_a_text_key() -> None:
    low = Frame(hash="0" * 64, quality=10)
    assert service.entry(item_id="a", verdict="remove", decided_at=1, frames=[low]) is None
    assert service.entry(item_id="a", verdict="remove", decided_at=1, kind="text") is None
    with pytest.raises(NotBankable):
        service.entry(item_id="a", verdict="escalate", decided_at=1, kind="text", text_key="k")


def test_a_text_entry_records_its_kind() -> None:
    built = service.entry(item_id="a", verdict="remove", decided_at=5, kind="text", text_key="k")
    assert built is not None and built.text_key == "k" and built.hashes == ()
    assert Record.unpack(built.record).kind == "text"


async def test_at_equal_distance_the_later_decision_wins(redis: Redis) -> None:
    banked = random_hash(random.Random(3))
    await bank_image(redis, "v", "itm_old", banked, verdict="remove")
    await bank_image(redis, "v", "itm_new", banked, verdict="approve")
    near = flip(banked, [0, 40, 90])
    found = await service.lookup_image(redis=redis, vendors=["v"], frame=Frame(near, 90))
    assert found.match is not None and found.match.item_id == "itm_new"
    assert found.match.distance == 3


async def test_remove_takes_a_text_entry_out(redis: Redis) -> None:
    await redis.hset(keys.base("v") + ":txt", "k", "itm_t\tremove\t1\t\t100\tt\t\t")
    await redis.hset(keys.base("v") + ":txtid", "itm_t", "k")
    assert await service.remove(redis=redis, vendor="v", item_id="itm_t")
    assert not await redis.exists(keys.base("v") + ":txt", keys.base("v") + ":txtid")


def test_the_scheduler_library_composes_the_bank_fragments() -> None:
    scripts = library().scripts
    assert "bank_add(" in scripts["decide"].text and "bank_lookup_image(" in scripts["ready"].text
    assert "bank_lookup_text(" in scripts["ingest"].text
