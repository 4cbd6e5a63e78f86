"""A team's wellbeing policy: the limits the scheduler enforces, with the evidence's defaults.

Stored per team as a Redis hash of the fields a lead set (budgets flattened to `budget_hour` and
so on); everything else takes the defaults below, which the Lua scripts receive at load time, so
a default changed here applies to every team that did not choose otherwise. docs/policy.md gives
the basis of each default.
"""

from __future__ import annotations

import math
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator
from redis.asyncio import Redis

from scheduler import audit
from scheduler.models import Category, Level, WholeNumber
from wellbeing import keys

_STRICT = ConfigDict(extra="forbid")


class Budgets(BaseModel):
    """Severe-minutes per rolling window (IWF: 5 hours a day; the week is a choice under 25 h)."""

    model_config = _STRICT
    hour: float = Field(default=50.0, gt=0, allow_inf_nan=False)
    day: float = Field(default=300.0, gt=0, allow_inf_nan=False)
    week: float = Field(default=1200.0, gt=0, allow_inf_nan=False)


class Hazard(BaseModel):
    """The team's hazard-pay rule: a supplement on pay per hour with severe exposure, capped.

    Defaults: the German moderators' manifesto (2023) asks for a hazard bonus of at least 35%;
    the cap is that, reached at 70 severe hours in a month (docs/policy.md)."""

    model_config = _STRICT
    # Strict: `false` is not 0 percent.
    percent_per_severe_hour: float = Field(
        default=0.5, ge=0, le=100, allow_inf_nan=False, strict=True
    )
    cap_percent: float = Field(default=35.0, ge=0, le=1000, allow_inf_nan=False, strict=True)


class PlaybackRate(BaseModel):
    """The speed videos start at (the reviewer may change it): fewer seconds of each video on
    screen. Defaults follow the content-review-filters extension (1.5, and 2.0 for severe
    items); docs/views.md."""

    model_config = _STRICT
    default: float = Field(default=1.5, ge=0.25, le=4, allow_inf_nan=False, strict=True)
    severe: float = Field(default=2.0, ge=0.25, le=4, allow_inf_nan=False, strict=True)


# The IANA names this machine's tz database knows: the schema lists them, so a client can tell a
# valid time zone before sending it.
ZONES = frozenset(available_timezones()) | {"UTC"}


# The nested models, stored flat as <prefix>_<field> (budget_hour, hazard_cap_percent, ...).
_NESTED = {
    "budgets": ("budget", Budgets),
    "hazard": ("hazard", Hazard),
    "playback_rate": ("playback_rate", PlaybackRate),
}
# view_defaults (issue 18) are stored as view_<category> = level: text fields, which the Lua
# defaults table never holds (no default names a category: they are all `blurred`).
_VIEW = "view_"


class Policy(BaseModel):
    model_config = _STRICT
    budgets: Budgets = Field(default_factory=Budgets)
    severe_threshold: float = Field(default=0.7, gt=0, le=1, allow_inf_nan=False)
    max_consecutive_severe: WholeNumber = Field(default=5, ge=1)
    cooldown_after_severe_seconds: WholeNumber = Field(default=30, ge=0)
    max_continuous_work_seconds: WholeNumber = Field(default=3000, gt=0)
    break_seconds: WholeNumber = Field(default=600, gt=0)
    checkin_interval_seconds: WholeNumber = Field(default=7200, gt=0)
    low_mood_threshold: WholeNumber = Field(default=2, ge=1, le=5)
    low_mood_budget_factor: float = Field(default=0.5, gt=0, le=1, allow_inf_nan=False)
    lease_seconds: WholeNumber = Field(default=300, gt=0)
    # Fair shares (choices; docs/simulation.md measures them): a reviewer whose share of the day
    # budget used is ahead of an at-work teammate's by the margin (1: off) leaves items at or
    # above the threshold to that teammate, for at most the wait, and while the deadline allows.
    fair_share_margin: float = Field(default=0.01, gt=0, le=1, allow_inf_nan=False)
    fair_share_threshold: float = Field(default=0.3, gt=0, le=1, allow_inf_nan=False)
    fair_share_max_wait_seconds: WholeNumber = Field(default=300, gt=0)
    # Working time (docs/policy.md): time at work per local day of the team's time zone and per
    # rolling week; reached, nothing new is handed out (the item in hand may be finished).
    max_work_seconds_per_day: WholeNumber = Field(default=8 * 3600, gt=0)
    max_work_seconds_per_week: WholeNumber = Field(default=40 * 3600, gt=0)
    timezone: str = Field(default="UTC", json_schema_extra={"enum": sorted(ZONES)})
    hazard: Hazard = Field(default_factory=Hazard)
    # Decompression (issue 19; our choice, docs/policy.md): this many severe items decided within
    # an hour, with no break since, and the review page offers a pause that counts as a break.
    decompression_after_severe_per_hour: WholeNumber = Field(default=5, gt=0, le=500)
    # Issue 18 (docs/views.md): the level each category is served at first (categories not
    # named: `blurred`, the most protective), and the speed videos start at.
    view_defaults: dict[Category, Level] = Field(default_factory=dict)
    playback_rate: PlaybackRate = Field(default_factory=PlaybackRate)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        """An IANA name the tz database knows: days and pay periods are counted in it."""
        if name not in ZONES:
            raise ValueError(
                f"unknown time zone {name!r}: use an IANA name such as 'Europe/Lisbon' or 'UTC'"
            )
        return name

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# Near a budget, severe items are steered to teammates with more left (choices, see docs).
STEER_FRACTION = 0.8  # share of a budget used before steering starts
STEER_DEADLINE_SECONDS = 900  # severe items due sooner than this are never held back
TEAMMATE_ACTIVE_SECONDS = 900  # a teammate counts as able to take it if seen this recently
BREAK_OVERDUE_GRACE_SECONDS = 300  # past the limit by this much, still working: tell the lead
SLA_RISK_SECONDS = 900  # severe items due within this are checked for a reviewer with budget
# Any positive duration is valid and is stored and shown as given, but acts as at most a century
# (wellbeing/lua/rules.lua applies it): no shift tells the two apart, and a lease, break or
# check-in that ends "now + duration" must stay a time datetimes, Redis and Lua can hold.
LONGEST_SECONDS = 100 * 365 * 86400 + 25 * 86400  # 100 years of 365.25 days
# Past the weekly limit, the break lasts until the rolling week has room for this much work
# again (a choice: less is not worth coming back for).
WEEK_ROOM_SECONDS = 900


def severe_band(threshold: float) -> int:
    """The lowest severity band (hundredths) at or above `threshold`: effective severities are
    whole hundredths, so an item is at or above the threshold exactly when its band is at or
    above this. Rounding instead would put a threshold of 0.004 in band 0, where every item
    counts as severe. The Lua rules compute the same (band_at_or_above in rules.lua)."""
    band = math.ceil(threshold * 100)
    while band > 0 and (band - 1) / 100 >= threshold:
        band -= 1
    while band / 100 < threshold:
        band += 1
    return band


def flatten(policy: Policy, *, only_set: bool = False) -> dict[str, str]:
    """Hash fields for Redis (and the Lua defaults table): budgets become budget_<window>."""
    data = policy.model_dump(exclude_unset=only_set)
    fields: dict[str, Any] = {}
    for name, (prefix, _) in _NESTED.items():
        fields.update({f"{prefix}_{k}": v for k, v in data.pop(name, {}).items()})
    fields.update({_VIEW + k: v for k, v in data.pop("view_defaults", {}).items()})
    fields.update(data)
    return {k: str(v) for k, v in fields.items()}


def _number(text: str) -> int | float:
    """A stored field as the number it was: ints are read as ints, not through a float, which
    would turn a huge whole number into inf or change its last digits."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def unflatten(fields: dict[str, str], *, lease_default: int) -> Policy:
    """The policy from its hash fields (validated again, so a hand-edited field is an error)."""
    data: dict[str, Any] = {"lease_seconds": lease_default}
    nested: dict[str, dict[str, float]] = {name: {} for name in _NESTED}
    views: dict[str, str] = {}
    for name, value in fields.items():
        if name.startswith(_VIEW):
            views[name.removeprefix(_VIEW)] = value
            continue
        for group, (prefix, _) in _NESTED.items():
            if name.startswith(prefix + "_"):
                nested[group][name.removeprefix(prefix + "_")] = float(value)
                break
        else:
            if name == "timezone":
                data[name] = value
            elif name in Policy.model_fields:
                data[name] = _number(value)
    for group, (_, model) in _NESTED.items():
        data[group] = model(**nested[group])
    return Policy(**data, view_defaults=views)


def lua_defaults() -> str:
    """The defaults as a Lua table literal, for the scripts that read a team's policy.

    The lease is left out: its default is the service's setting, which claims pass along. So is
    the time zone: Lua has no tz database, so Python passes the day's bounds to the scripts.
    """
    fields = flatten(Policy())
    fields.pop("lease_seconds")
    fields.pop("timezone")
    return "{" + ", ".join(f"{k} = {v}" for k, v in fields.items()) + "}"


async def get(*, redis: Redis, team: str, lease_default: int) -> Policy:
    return unflatten(await redis.hgetall(keys.policy(team)), lease_default=lease_default)


async def put(
    *, redis: Redis, team: str, policy: Policy, now: float, actor: str = "system"
) -> None:
    """Replace the team's policy: only the fields given are stored, the rest follow defaults."""
    fields = flatten(policy, only_set=True)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(keys.policy(team))
        if fields:
            pipe.hset(keys.policy(team), mapping=fields)
        audit.append(pipe, now=now, action="policy.update", actor=actor, subject=team, **fields)
        await pipe.execute()
