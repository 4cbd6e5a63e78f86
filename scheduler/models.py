"""The scheduler's data: what vendors send, what is stored, what reviewers get.

Input models validate everything a client can send (lengths, character sets, ranges), so that
nothing malformed reaches Redis and every refusal can say which field was wrong.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

Category = Literal[
    "violence",
    "gore",
    "sexual",
    "child_safety",
    "self_harm",
    "hate",
    "harassment",
    "spam",
    "other",
]
CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]

# How much of a picture or video a reviewer sees, most protective first (docs/views.md; issue
# 18). Every level blocks faces; `color` shows them only after a reveal that asks for them.
Level = Literal["blurred", "stylized", "grayscale", "color"]
LEVELS: tuple[str, ...] = Level.__args__  # type: ignore[attr-defined]

# Ids become parts of Redis keys and URLs: a conservative alphabet keeps both unambiguous.
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")]
QueueName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Skill = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
# Text shown to people as it is (a vendor's display name, a queue's purpose): one line or several,
# no control characters other than line breaks and tabs, not only blanks.
PlainText = Annotated[
    str,
    StringConstraints(
        pattern=r"^[^\x00-\x08\x0b-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b-\x1f\x7f]*$"
    ),
]
ExternalId = Annotated[
    str, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")
]


def _whole(value: object) -> object:
    """A float with nothing after the point becomes that int; anything else is left for the
    strict int check to refuse (4.5, inf, nan, "4", true)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# A whole number, given as 4 or 4.0: JSON Schema and most clients do not tell the two apart, so
# refusing 4.0 would refuse valid input. Strict otherwise: booleans, strings and fractions are
# refused, not coerced. The schema still says "integer", so generated clients see integers.
# Every integer field of a request body uses it (constraints go in Field as usual).
WholeNumber = Annotated[int, Field(strict=True), BeforeValidator(_whole)]


def bounded_whole_number(**bounds: int) -> Any:
    """WholeNumber with its bounds (gt, ge, lt, le) placed before its validator, where pydantic
    keeps them in the JSON Schema as minimum/maximum: for an optional field (`... | None`),
    whose Field bounds pydantic would write under names validators and generators ignore."""
    return Annotated[int, Field(strict=True, **bounds), BeforeValidator(_whole)]


def _lower(tag: str) -> str:
    return tag.lower()


# BCP 47, simplified: a 2-3 letter language and optional subtags; compared case-insensitively.
Language = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$"),
    AfterValidator(_lower),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Label(Strict):
    category: Category
    severity: float = Field(ge=0, le=1, allow_inf_nan=False, strict=True)


class StoredLabel(BaseModel):
    category: str
    severity: float
    source: str = "vendor"


# How many pools a claim looks at, at most, before it settles for what it found: far more than
# the routing keys in use (queues x languages x skill sets x severities x categories).
MAX_POOLS_PER_CLAIM = 4096

# What a claim returns of the item: what the reviewer's view needs, nothing more.
VIEW_FIELDS = (
    "id",
    "media_type",
    "labels",
    "severity",
    "queue",
    "deadline",
    "text",
    "media",
    "mime",
    "match_record",
    "match_distance",
    # Who the work is for (issue 19): the vendor id, and the display name and purpose frozen on
    # the item at its first claim (scheduler/lua/for_whom.lua); absent before that.
    "vendor",
    "vendor_name",
    "purpose",
)


MatchPolicy = Literal["auto", "assist", "off"]


class ItemStatus(StrEnum):
    processing = "processing"
    queued = "queued"
    assigned = "assigned"
    decided = "decided"
    failed = "failed"


def _not_a_number(value: object) -> object:
    """Pydantic would read a number as Unix seconds; the contract takes RFC 3339 strings only."""
    if isinstance(value, int | float):
        raise ValueError("must be an RFC 3339 time such as 2026-11-23T10:00:00Z, not a number")
    return value


Rfc3339 = Annotated[datetime, BeforeValidator(_not_a_number)]


class ItemIn(Strict):
    """The fields of `POST /v1/items`, shared by the JSON and multipart forms."""

    external_id: ExternalId
    queue: QueueName = "default"
    priority: WholeNumber = Field(default=5, ge=0, le=9)
    deadline: Rfc3339 | None = None
    sla_seconds: bounded_whole_number(gt=0, le=90 * 86400) | None = None  # type: ignore[valid-type]
    language: Language | None = None
    skills: list[Skill] = Field(default_factory=list, max_length=16)
    labels: list[Label] = Field(default_factory=list, max_length=64)
    callback_url: str | None = Field(default=None, max_length=2048)
    text: str | None = Field(default=None, max_length=100_000)
    # Seen before (issue 17): what a prior decision of the same content does to this item;
    # absent: the vendor's setting (default `assist`).
    match_policy: MatchPolicy | None = None


class Verdict(StrEnum):
    approve = "approve"
    remove = "remove"
    escalate = "escalate"


class DecisionIn(Strict):
    verdict: Verdict
    labels: list[Label] = Field(default_factory=list, max_length=64)
    notes: str | None = Field(default=None, max_length=10_000)
    # What the reviewer tool saw of a video: recorded in the exposure event; sound raises the dose.
    played_seconds: float | None = Field(default=None, ge=0, le=86_400, allow_inf_nan=False)
    sound: bool = False
    # The speed the video played at (issue 18): the one rate, or the mean over the seconds
    # played when the reviewer changed it; recorded in the exposure event with the seconds.
    playback_rate: float | None = Field(default=None, ge=0.25, le=4, allow_inf_nan=False)
    # Seen before: the prior decision shown was for something else. The pair never matches
    # again, and this decision enters the bank as its own entry.
    not_a_match: bool = False
    # Groups (issue 17): members of the assignment's group to send back to the queue alone
    # before the decision applies to the rest.
    split: list[Ident] = Field(default_factory=list, max_length=50)


class VendorIn(Strict):
    id: Ident
    name: str = Field(min_length=1, max_length=200)
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=256)


class VendorPatch(Strict):
    """`PATCH /v1/vendors/{id}`: seen-before settings (issue 17)."""

    match_policy: MatchPolicy | None = None
    linked_banks: list[Ident] | None = Field(default=None, max_length=64)
    # Who the work is for (issue 19): the name reviewers see; absent, the vendor's `name`.
    display_name: PlainText | None = Field(default=None, min_length=1, max_length=200)


class TeamIn(Strict):
    id: Ident
    name: str = Field(min_length=1, max_length=200)


class ReviewerIn(Strict):
    id: Ident
    team: Ident
    languages: list[Language] = Field(default_factory=list, max_length=32)
    skills: list[Skill] = Field(default_factory=list, max_length=64)
    opt_outs: list[Category] = Field(default_factory=list)


class ReviewerPatch(Strict):
    team: Ident | None = None
    languages: list[Language] | None = Field(default=None, max_length=32)
    skills: list[Skill] | None = Field(default=None, max_length=64)
    opt_outs: list[Category] | None = None


# `counsellor` (issue 19): bound to a team like a lead, and the only role that reads the team's
# check-ins and support requests (health data: not the lead's, not the admin's).
Role = Literal["admin", "vendor", "reviewer", "lead", "counsellor"]


class KeyIn(Strict):
    role: Role
    vendor: Ident | None = None
    team: Ident | None = None
    reviewer: Ident | None = None


class Principal(BaseModel):
    """Who is calling: a role and the one vendor, team or reviewer it is bound to."""

    key_id: str
    role: Role
    vendor: str | None = None
    team: str | None = None
    reviewer: str | None = None
