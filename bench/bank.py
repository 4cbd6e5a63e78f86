"""Bank lookups through Redis with 10k and 1M banked PDQ hashes, and Redis memory per hash.

    python bench/bank.py [--big 1000000] [--small 10000] [--rounds 20] [--json PATH]
                         [--datasets random,clustered] [--compare-layouts]

Starts one embedded redis-server per bank (no AOF: the lookups measured are reads, and a 1M
fill would otherwise set off AOF rewrites that compete for the CPU), fills each through the
real add script (pipelined EVALSHA), then times lookups one at a time through
`bank.service.lookup_image` (one EVALSHA each, reply parsed), in rounds that alternate between
the small and the big bank so this VM's drifting speed hits both alike. Half the queries are
near-duplicates of a banked hash (1-16 bits flipped), half are new hashes (no match: the common
case at ingest).

Two kinds of bank: `random` (uniform 256-bit hashes: every chunk value equally likely, the best
case for the index's spread) and `clustered` (clusters of 20 near-duplicates, 0-12 bits from a
centre: re-uploads, as real banks hold them). Targets (issue 17): lookup_p99_ms_1m <= 5 and
<= 1.5 x lookup_p99_ms_10k; bytes_per_hash < 300 at 1M (used_memory delta / hashes, index
included). `--compare-layouts` also measures the index as 16 x 65536 set keys (intsets).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np
from redis.asyncio import Redis

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bank import keys, scripts, service
from bank.models import Frame, Label, Lookup, Record, Settings
from embedded_redis import EmbeddedRedis

DEFAULT = Settings()

VENDOR = "bench"
CLUSTER = 20  # near-duplicates per cluster in the clustered bank
PER_ROUND = 100  # lookups per bank per round
BATCH = 1000  # adds per pipeline


def random_hashes(count: int, rng: random.Random) -> list[int]:
    return [rng.getrandbits(256) for _ in range(count)]


def flipped(value: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(256), bits):
        value ^= 1 << bit
    return value


def clustered_hashes(count: int, rng: random.Random) -> list[int]:
    out: list[int] = []
    while len(out) < count:
        centre = rng.getrandbits(256)
        out += [flipped(centre, rng.randint(0, 12), rng) for _ in range(CLUSTER)]
    return out[:count]


async def used_memory(redis: Redis) -> int:
    return int((await redis.info("memory"))["used_memory"])


def _record(i: int) -> str:
    item = f"itm_{i:022x}"  # as long as scheduler ids: prefix + 22 characters
    label = (Label("gore", 0.8),)
    return Record(
        item, "remove", 1_795_000_000.0 + i, 0.8, 90, False, False, "image", 1, label
    ).pack()


async def fill(redis: Redis, hashes: list[int]) -> None:
    """Bank every hash through the real add script, BATCH adds per pipeline (slow: ~16 HGET and
    HSET per add; the bench uses `bulk_load`, which builds the same keys, for big banks)."""
    text, sha = scripts.source("add")
    await redis.script_load(text)
    base = keys.base(VENDOR)
    for start in range(0, len(hashes), BATCH):
        pipe = redis.pipeline(transaction=False)
        for i in range(start, min(start + BATCH, len(hashes))):
            item = f"itm_{i:022x}"
            pipe.evalsha(sha, 1, base, item, "image", _record(i), hashes[i].to_bytes(32, "big"))
        await pipe.execute()


def _postings(hashes: list[int]) -> list[dict[str, bytes]]:
    """For each chunk, value -> packed slots in slot order: what add.lua appends, one by one."""
    raw = np.frombuffer(b"".join(h.to_bytes(32, "big") for h in hashes), dtype=">u2")
    chunks = raw.reshape(len(hashes), keys.CHUNKS)
    slots = np.arange(1, len(hashes) + 1, dtype=">u4")
    out = []
    for chunk in range(keys.CHUNKS):
        order = np.argsort(chunks[:, chunk], kind="stable")
        values, packed = chunks[order, chunk], slots[order].tobytes()
        starts = np.flatnonzero(np.diff(values)) + 1
        bounds = zip([0, *starts.tolist()], [*starts.tolist(), len(values)], strict=True)
        out.append({f"{int(values[a]):04x}": packed[4 * a : 4 * b] for a, b in bounds})
    return out


async def _hset_all(redis: Redis, key: str, mapping: dict[str, bytes]) -> None:
    items = list(mapping.items())
    for start in range(0, len(items), 20 * BATCH):
        pipe = redis.pipeline(transaction=False)
        for at in range(start, min(start + 20 * BATCH, len(items)), BATCH):
            pipe.hset(key, mapping=dict(items[at : at + BATCH]))
        await pipe.execute()


async def bulk_load(redis: Redis, hashes: list[int]) -> None:
    """The keys `fill` would build for items itm_0…, written directly (seconds, not an hour at
    1M on a busy VM): tests/bank/test_bench_load.py checks that both build the same thing."""
    for chunk, fields in enumerate(_postings(hashes)):
        await _hset_all(redis, keys.image_index(VENDOR, chunk), dict(fields))
    records: dict[str, dict[Any, Any]] = {}  # field -> value, as hset takes them
    ids: dict[str, dict[Any, Any]] = {}
    for i in range(len(hashes)):
        slot, item = i + 1, f"itm_{i:022x}"
        bucket = records.setdefault(keys.records(VENDOR, slot), {})
        bucket[str(slot % keys.RECORDS_PER_BUCKET)] = _record(i)
        ids.setdefault(keys.ids(VENDOR, item), {})[item] = slot
    commands = [*records.items(), *ids.items()]
    for start in range(0, len(commands), 200):  # pipelines of a few MB: no write timeouts
        pipe = redis.pipeline(transaction=False)
        for key, mapping in commands[start : start + 200]:
            pipe.hset(key, mapping=mapping)
        await pipe.execute()
    packed = bytes(32) + b"".join(h.to_bytes(32, "big") for h in hashes)
    for start in range(0, len(packed), 1 << 20):  # grown as SETRANGE grows it, 1 MB at a time
        await redis.append(keys.hashes(VENDOR), packed[start : start + (1 << 20)])
    await redis.set(keys.counter(VENDOR), len(hashes))


BANDS = ((1, 8), (9, 16), (17, 24), (25, 31))  # near-duplicate distances, reported apart


class Tally:
    """Latencies and outcomes of one cap's lookups on one bank."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.checked: list[int] = []
        self.capped = 0
        self.found = {band: [0, 0] for band in BANDS}  # band -> [found, asked]

    def add(self, seconds: float, lookup: Lookup, distance: int) -> None:
        self.latencies.append(seconds)
        self.checked.append(lookup.checked)
        self.capped += lookup.capped
        for band in BANDS:
            if band[0] <= distance <= band[1]:
                hit = lookup.match is not None and lookup.match.distance <= distance
                self.found[band][0] += hit
                self.found[band][1] += 1

    def figures(self) -> dict[str, object]:
        ordered = sorted(self.latencies)
        return {
            "p50_ms": round(median(ordered) * 1000, 3),
            "p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 3),
            "checked_median": median(self.checked),
            "capped_share": round(self.capped / len(ordered), 4),
            "found_by_distance": {
                f"{a}-{b}": round(hit / max(asked, 1), 3)
                for (a, b), (hit, asked) in self.found.items()
            },
        }


class Bank:
    """One embedded Redis holding one bank, and the lookups timed against it per cap."""

    def __init__(self, directory: Path, hashes: list[int], caps: tuple[int, ...]) -> None:
        self.hashes = hashes
        self.server = EmbeddedRedis(directory, durable=False)
        self.redis = Redis.from_url(self.server.start(), decode_responses=True)
        self.tallies = {cap: Tally() for cap in caps}

    async def load(self) -> dict[str, float]:
        before = await used_memory(self.redis)
        started = time.perf_counter()
        await bulk_load(self.redis, self.hashes)
        seconds = time.perf_counter() - started
        delta = await used_memory(self.redis) - before
        return {"bytes_per_hash": round(delta / len(self.hashes), 1), "fill_s": round(seconds, 1)}

    async def index_bytes(self) -> int:
        """The index alone: MEMORY USAGE of the 16 chunk hashes, every field counted."""
        total = 0
        for chunk in range(keys.CHUNKS):
            total += await self.redis.memory_usage(keys.image_index(VENDOR, chunk), samples=0) or 0
        return total

    async def round(self, rng: random.Random, count: int = PER_ROUND) -> None:
        """Half near-duplicates (1-31 bits off a banked hash), half new hashes; every cap
        answers the same query back to back."""
        for n in range(count):
            distance = rng.randint(1, 31) if n % 2 == 0 else 0
            base = rng.choice(self.hashes) if distance else rng.getrandbits(256)
            frame = Frame(f"{flipped(base, distance, rng):064x}", 90)
            for cap, tally in self.tallies.items():
                started = time.perf_counter()
                lookup = await service.lookup_image(
                    redis=self.redis, vendors=[VENDOR], frame=frame, settings=Settings(cap=cap)
                )
                tally.add(time.perf_counter() - started, lookup, distance)

    async def aclose(self) -> None:
        await self.redis.aclose()
        self.server.stop()


# Bench-only: the index as one set key per (chunk, value), ids as intsets, to compare memory.
_SADD = """
for n = 1, #ARGV do
  local raw = ARGV[n]
  for c = 1, 16 do
    local hi, lo = string.byte(raw, 2 * c - 1, 2 * c)
    redis.call('SADD', KEYS[1] .. (c - 1) .. ':' .. (hi * 256 + lo), tonumber(KEYS[2]) + n)
  end
end
"""


async def intset_index_bytes(directory: Path, hashes: list[int]) -> float:
    """Memory per hash of the alternative layout: 16 x 65536 set keys of entry ids."""
    server = EmbeddedRedis(directory, durable=False)
    redis = Redis.from_url(server.start())
    try:
        before = await used_memory(redis)
        prefix = f"{keys.base(VENDOR)}:s:"
        for start in range(0, len(hashes), BATCH):
            batch = [h.to_bytes(32, "big") for h in hashes[start : start + BATCH]]
            await redis.eval(_SADD, 2, prefix, start, *batch)
        return round((await used_memory(redis) - before) / len(hashes), 1)
    finally:
        await redis.aclose()
        server.stop()


async def measure(banks: list[Bank], rounds: int, rng: random.Random) -> None:
    for bank in banks:  # warm-up, not counted
        await bank.round(rng, 10)
        for cap in bank.tallies:
            bank.tallies[cap] = Tally()
    for n in range(rounds):
        for bank in banks[:: 1 if n % 2 else -1]:
            await bank.round(rng)


async def run(args: argparse.Namespace) -> dict[str, object]:
    rng = random.Random(17)
    caps = tuple(sorted({DEFAULT.cap, *args.caps}))
    out: dict[str, object] = {"small": args.small, "big": args.big, "default_cap": DEFAULT.cap}
    makers = {"random": random_hashes, "clustered": clustered_hashes}
    with tempfile.TemporaryDirectory() as tmp:
        for dataset in args.datasets.split(","):
            async with contextlib.AsyncExitStack() as stack:
                banks = []
                for size in (args.small, args.big):
                    bank = Bank(Path(tmp, f"{dataset}-{size}"), makers[dataset](size, rng), caps)
                    stack.push_async_callback(bank.aclose)
                    out[f"{dataset}_{size}_load"] = await bank.load()
                    banks.append(bank)
                index = await banks[1].index_bytes()
                out[f"{dataset}_{args.big}_index_bytes_per_hash"] = round(index / args.big, 1)
                await measure(banks, args.rounds, rng)
                for cap in caps:
                    small, big = (bank.tallies[cap].figures() for bank in banks)
                    ratio = round(float(big["p99_ms"]) / float(small["p99_ms"]), 2)  # type: ignore[arg-type]
                    out[f"{dataset}_cap{cap}"] = {
                        str(args.small): small,
                        str(args.big): big,
                        "p99_ratio": ratio,
                    }
                    if dataset == "random" and cap == DEFAULT.cap:
                        out["lookup_p50_ms_10k"] = small["p50_ms"]
                        out["lookup_p99_ms_10k"] = small["p99_ms"]
                        out["lookup_p50_ms_1m"] = big["p50_ms"]
                        out["lookup_p99_ms_1m"] = big["p99_ms"]
                if dataset == "random":
                    out["bytes_per_hash"] = out[f"random_{args.big}_load"]["bytes_per_hash"]  # type: ignore[index]
        if args.compare_layouts:
            out[f"intset_index_bytes_per_hash_{args.big}"] = await intset_index_bytes(
                Path(tmp, "sets"), random_hashes(args.big, rng)
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--datasets", default="random,clustered")
    parser.add_argument(
        "--caps", type=int, nargs="*", default=[256], help="caps besides the default"
    )
    parser.add_argument("--compare-layouts", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    figures = asyncio.run(run(args))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
