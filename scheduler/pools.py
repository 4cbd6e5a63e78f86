"""Where an item waits: its pool (routing key) and its place in that pool (score).

A pool is one sorted set per (queue, language, required skills, severity band, category mask).
The claim script reads the pool's routing key back from its name and tests it against the
reviewer, so eligibility costs one string match per pool and never a scan of items.
"""

from __future__ import annotations

from collections.abc import Iterable

from scheduler import keys
from scheduler.models import CATEGORIES

_PRIORITY_STEP = 10**13  # above any deadline in ms (year 2286), below 2**53 for 10 priorities
NO_DEADLINE_MS = _PRIORITY_STEP - 1


def band(severity: float) -> int:
    """Severity in hundredths: effective severity is fixed at ingest to two decimals."""
    return round(severity * 100)


def category_mask(categories: Iterable[str]) -> int:
    return sum(1 << CATEGORIES.index(c) for c in set(categories))


def descriptor(
    *,
    queue: str,
    language: str | None,
    skills: Iterable[str],
    severity: float,
    categories: Iterable[str],
) -> str:
    skill_list = ",".join(sorted(set(skills)))
    return f"{queue}|{language or ''}|{skill_list}|{band(severity)}|{category_mask(categories)}"


def pool_key(**routing: object) -> str:
    return keys.pool(descriptor(**routing))  # type: ignore[arg-type]


def queue_of(pool: str) -> str:
    return pool.removeprefix(keys.pool("")).split("|", 1)[0]


def band_of(pool: str) -> int:
    return int(pool.rsplit("|", 2)[1])


def score(*, priority: int, deadline: float | None) -> int:
    """Lower is served first: higher priority, then earlier deadline; ties go by id (age)."""
    deadline_ms = NO_DEADLINE_MS if deadline is None else min(int(deadline * 1000), NO_DEADLINE_MS)
    return (9 - priority) * _PRIORITY_STEP + max(deadline_ms, 0)
