"""What goes into the bank and what a lookup answers, and the record's compact form in Redis.

A record is one tab-separated string (a Redis hash field in a bucket of 128): short enough that
a bucket stays in Redis's compact encoding (values up to 64 bytes), which is a good part of why
a banked image costs under 300 bytes. A longer record (many labels, a long item id) still works:
its bucket just costs more. Labels are `category:severity` pairs joined by commas; decided_at is
kept to the second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["image", "video", "text"]
HASH_RE = re.compile(r"^[0-9a-f]{64}$")
ITEM_ID_RE = re.compile(r"^[^\t\n]{1,128}$")  # the record and pair-list separators excluded


class BankError(ValueError):
    """Input the bank cannot take; the message says what was wrong."""


class InvalidHash(BankError):
    """Not a PDQ hash: 64 hex digits (256 bits)."""


class NotBankable(BankError):
    """A decision the bank never holds: an escalation is not a final decision."""


@dataclass(frozen=True)
class Settings:
    """The matching rules of issue 17, with the numbers HMA and vPDQ use."""

    threshold: int = 31  # PDQ's match distance (HMA): ~0 false matches among distinct images
    min_quality: int = 50  # PDQ's own cut: below it a hash says little (flat, tiny, blank)
    cap: int = 256  # candidates verified per image lookup; bounds the cost in big clustered banks
    video_percent: int = 80  # vPDQ: share of the new video's frames that must match one video
    video_frame_cap: int = 64  # candidates verified per frame of a video lookup
    video_query_frames: int = 120  # a longer query video is sampled evenly down to this
    video_bank_frames: int = 900  # a longer banked video keeps this many frames, evenly
    auto_distance: int = 8  # `auto` applies a prior decision without a human only this close


@dataclass(frozen=True)
class Label:
    category: str
    severity: float


@dataclass(frozen=True)
class Frame:
    """One PDQ hash (64 hex digits) with its quality (0-100)."""

    hash: str
    quality: int


@dataclass(frozen=True)
class Record:
    """One banked decision, as stored."""

    item_id: str
    verdict: str
    decided_at: float
    severity: float
    quality: int
    escalated: bool
    disputed: bool
    kind: Kind
    frames: int
    labels: tuple[Label, ...] = field(default_factory=tuple)

    def pack(self) -> str:
        """Tab-separated: item, verdict, decided_at (whole seconds), severity (empty when it is
        the labels' highest), quality, kind and flags ("i"/"v"/"t", then "e" escalated, "n"
        disputed), frames (empty for an image), labels. A banked image's record is then under
        64 bytes, the size Redis keeps in a bucket's compact encoding."""
        flags = {"video": "v", "text": "t"}.get(self.kind, "i")
        flags += ("e" if self.escalated else "") + ("n" if self.disputed else "")
        highest = max((label.severity for label in self.labels), default=None)
        severity = "" if highest == self.severity else f"{self.severity:g}"
        frames = str(self.frames) if self.kind == "video" else ""
        labels = ",".join(f"{label.category}:{label.severity:g}" for label in self.labels)
        parts = [self.item_id, self.verdict, str(int(self.decided_at)), severity]
        return "\t".join([*parts, str(self.quality), flags, frames, labels])

    @classmethod
    def unpack(cls, text: str) -> Record:
        item_id, verdict, decided_at, severity, quality, flags, frames, labels = text.split("\t")
        pairs = [pair.rsplit(":", 1) for pair in labels.split(",") if pair]
        parsed = tuple(Label(category=c, severity=float(s)) for c, s in pairs)
        highest = max((label.severity for label in parsed), default=0.0)
        return cls(
            item_id=item_id,
            verdict=verdict,
            decided_at=float(decided_at),
            severity=float(severity) if severity else highest,
            quality=int(quality),
            escalated="e" in flags,
            disputed="n" in flags,
            kind={"v": "video", "t": "text"}.get(flags[:1], "image"),
            frames=int(frames or 1),
            labels=parsed,
        )


@dataclass(frozen=True)
class Match:
    """The prior decision a new item matched, and how close it was.

    For a video, `distance` is the largest of the matched frames' distances (the conservative
    figure for the `auto` rule); `mean_distance` and the frame counts say more.
    """

    vendor: str
    item_id: str
    distance: int
    verdict: str
    labels: tuple[Label, ...]
    decided_at: float
    quality: int
    severity: float
    escalated: bool
    disputed: bool
    mean_distance: float | None = None
    frames_matched: int | None = None
    frames: int | None = None


@dataclass(frozen=True)
class Lookup:
    """A lookup's answer: the match if any, and how many candidates it verified.

    `capped` means the cap stopped the search early: a match may have gone unseen (in practice
    only in banks with huge clusters of near-identical hashes, or past a few million entries).
    """

    match: Match | None
    checked: int
    capped: bool
