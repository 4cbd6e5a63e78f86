"""Run several policies on one seeded day, each on a Redis of its own (flushed in between).

The engine drives one policy on a client it is given; this is where a server comes from: the
embedded one, started here in a temporary directory, unless the caller names one (the tests
pass the suite's).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from redis.asyncio import Redis

from embedded_redis import EmbeddedRedis
from wellbeing import policy
from wellbeing.simulation import behaviour, pictures, policies, scenarios
from wellbeing.simulation.engine import Simulation
from wellbeing.simulation.records import RunRecord
from wellbeing.simulation.scenarios import Scenario


async def compare(
    scenario: Scenario,
    *,
    seed: int,
    chosen: dict[str, policy.Policy],
    redis_url: str | None = None,
    confirm_rate: float = behaviour.CONFIRM_RATE,
) -> list[RunRecord]:
    """Each policy on the same seeded arrivals and team, one after another, on a Redis flushed
    between them: the embedded server in a temporary directory unless `redis_url` is given.

    A scenario with re-uploads has its pictures drawn and hashed once, before the first run
    (pictures.py): every policy's items carry the same hashes, and the day's clock never waits
    for hashing. Each policy's items go in with its `match_policy` (policies.MATCH)."""
    arrivals = scenarios.arrivals(scenario, seed)
    hashes = pictures.packed_hashes(
        seed, [(a.index, a.root) for a in arrivals if a.root is not None]
    )
    with tempfile.TemporaryDirectory(prefix="safeshift-sim-") as tmp:
        server = None
        if redis_url is None:
            server = EmbeddedRedis(Path(tmp), durable=False)
            redis_url = server.start()
        redis = Redis.from_url(redis_url, decode_responses=True)
        try:
            runs = []
            for name, team_policy in chosen.items():
                await redis.flushdb()
                sim = Simulation(
                    redis=redis,
                    scenario=scenario,
                    arrivals=arrivals,
                    seed=seed,
                    name=name,
                    team_policy=team_policy,
                    match_policy=policies.match_policy(name),
                    confirm_rate=confirm_rate,
                    hashes=hashes,
                )
                runs.append(await sim.run())
            return runs
        finally:
            await redis.aclose()
            if server is not None:
                server.stop()
