"""What one simulated run leaves behind, for the metrics and the chart.

Times are seconds from the start of the run; doses are severe-minutes as the ledger recorded
them (read back from each reviewer's exposure events, not computed by the simulator).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ItemOutcome:
    arrival: float
    deadline: float
    severe: bool
    decided_at: float | None = None
    copy: bool = False  # a re-upload of an earlier picture (viral-reupload)
    # How it was decided: "reviewer" (judged by a person), "confirmed" (a person confirmed the
    # prior decision shown, without a reveal) or "match" (applied by the bank, nobody saw it).
    decided_how: str = ""
    # A prior decision found for it in the bank: its distance in bits, and whether it was a
    # decision on the same original picture (False: a false match).
    match_distance: int | None = None
    match_same_root: bool | None = None


@dataclass
class ReviewerRecord:
    id: str
    start: float
    end: float
    exposures: list[tuple[float, float]] = field(default_factory=list)  # (at, dose), in order
    decided: int = 0
    reveals: int = 0
    breaks: int = 0  # enforced breaks after continuous work
    cooldowns: int = 0
    checkins: int = 0
    low_moods: int = 0
    work_seconds: float = 0.0  # time at work, as the working-time rule counts it

    @property
    def dose(self) -> float:
        return sum(dose for _, dose in self.exposures)


@dataclass
class RunRecord:
    policy: str
    horizon: float  # seconds: the end of the last shift
    items: list[ItemOutcome]
    reviewers: list[ReviewerRecord]
