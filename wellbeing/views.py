"""Which level a reviewer is served first, per category: the team's view default or the
reviewer's own preference, whichever protects more (issue 18; docs/views.md).

This is the one place that combines the two. The claim passes the result to its script, which
only looks the item's category up in it (scheduler/lua/claim.lua), and the preferences route
uses the same rule to refuse a preference less protective than the team's.

Preferences are stored under wellbeing's keys (`wellbeing:<reviewer>:views`), not in the
reviewer's profile hash: they are the reviewer's own choice about their exposure, bounded by the
team's wellbeing policy, while the profile (languages, skills, opt-outs) is what an admin sets
for routing and replaces with PATCH.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from scheduler import keys as scheduler_keys
from scheduler.errors import InvalidInput, NotFound
from scheduler.models import CATEGORIES, LEVELS
from wellbeing import keys, policy

RANK = {level: rank for rank, level in enumerate(LEVELS)}
MOST_PROTECTIVE = LEVELS[0]


def team_levels(team_policy: policy.Policy) -> dict[str, str]:
    """The team's level for every category (those its policy does not name: `blurred`)."""
    chosen: dict[str, str] = dict(team_policy.view_defaults)
    return {category: chosen.get(category, MOST_PROTECTIVE) for category in CATEGORIES}


def effective(team: dict[str, str], preferred: dict[str, str]) -> dict[str, str]:
    """Per category, the more protective of the team's level and the reviewer's preference.

    A preference was checked against the team's level when it was set; a team that later became
    more protective still wins here, so nobody is served less than their team allows."""
    result = {}
    for category in CATEGORIES:
        levels = [team.get(category, MOST_PROTECTIVE)]
        if preferred.get(category) in RANK:
            levels.append(preferred[category])
        result[category] = min(levels, key=RANK.__getitem__)
    return result


def allowed(team_level: str) -> list[str]:
    """The levels a reviewer may prefer for a category the team serves at `team_level`."""
    return [level for level in LEVELS if RANK[level] <= RANK[team_level]]


def check(team: dict[str, str], preferred: dict[str, str]) -> None:
    """InvalidInput (422) for a preference less protective than the team's level."""
    for category, level in sorted(preferred.items()):
        if RANK[level] > RANK[team[category]]:
            raise InvalidInput(
                f"view_defaults.{category} is '{level}', which shows more than your team allows:"
                f" the team serves {category} at '{team[category]}'. Choose one of"
                f" {', '.join(repr(x) for x in allowed(team[category]))}, or leave {category}"
                " out to follow the team.",
                ["body", "view_defaults", category],
            )


async def preferences(*, redis: Redis, reviewer: str) -> dict[str, str]:
    """The reviewer's stored preferences (only valid category and level names are read)."""
    stored = await redis.hgetall(keys.view_preferences(reviewer))
    return {c: lv for c, lv in stored.items() if c in CATEGORIES and lv in RANK}


async def set_preferences(
    *, redis: Redis, reviewer: str, team: dict[str, str], preferred: dict[str, str]
) -> None:
    """Replace the reviewer's preferences, after checking them against the team's levels."""
    check(team, preferred)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(keys.view_preferences(reviewer))
        if preferred:
            pipe.hset(keys.view_preferences(reviewer), mapping=preferred)
        await pipe.execute()


@dataclass(frozen=True)
class ClaimViews:
    """What a claim needs to serve an item: the level per category (only those served at more
    than `blurred`, which is what the claim's script falls back to) and the playback rates."""

    levels: dict[str, str]
    playback_rate: policy.PlaybackRate
    severe_threshold: float

    def rate(self, severity: float) -> float:
        """The speed a video of this severity starts at."""
        rates = self.playback_rate
        return rates.severe if severity >= self.severe_threshold else rates.default


async def for_claim(*, redis: Redis, reviewer: str, lease_default: int) -> ClaimViews:
    """The reviewer's levels and rates under their team's current policy (two round trips)."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.hget(scheduler_keys.reviewer(reviewer), "team")
        pipe.hgetall(keys.view_preferences(reviewer))
        team_id, stored = await pipe.execute()
    if team_id is None:
        raise NotFound(f"No reviewer '{reviewer}'.")
    team_policy = await policy.get(redis=redis, team=team_id, lease_default=lease_default)
    preferred = {c: lv for c, lv in stored.items() if c in CATEGORIES and lv in RANK}
    levels = effective(team_levels(team_policy), preferred)
    return ClaimViews(
        levels={c: lv for c, lv in levels.items() if lv != MOST_PROTECTIVE},
        playback_rate=team_policy.playback_rate,
        severe_threshold=team_policy.severe_threshold,
    )
