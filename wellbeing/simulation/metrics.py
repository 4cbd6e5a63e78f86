"""The figures a comparison reports, computed from run records alone (no Redis).

Day dose is each reviewer's total over the run (runs are at most 24 hours), as the ledger
recorded it. Over-budget minutes are measured against the default budgets whatever the policy,
so the policies are compared on one scale.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from wellbeing.policy import Budgets
from wellbeing.simulation.records import ItemOutcome, ReviewerRecord, RunRecord

REFERENCE = Budgets()  # the default hour and day budgets: the yardstick for every policy

# The targets for `safeshift` against `fifo` on the default scenario.
MAX_PEAK_TO_MEAN = 1.2
GINI_FACTOR = 0.5  # at most this share of fifo's
SLA_SLACK = 0.02  # at most 2 percentage points above fifo's breach rate
DECIDED_SLACK = 0.05  # items decided within 5% of fifo's


def gini(values: Sequence[float]) -> float:
    """0 when everyone has the same; (n-1)/n when one reviewer has it all.

    The mean absolute difference between all pairs over twice the mean, via the sorted form.
    """
    xs = sorted(values)
    n, total = len(xs), sum(xs)
    if n == 0 or total <= 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return 2 * weighted / (n * total) - (n + 1) / n


def peak_to_mean(values: Sequence[float]) -> float:
    """The highest over the mean; 1.0 when nobody has anything (nobody is above the mean)."""
    if not values:
        return 1.0
    mean = sum(values) / len(values)
    return max(values) / mean if mean > 0 else 1.0


def minutes_over_budget(record: ReviewerRecord, *, hour: float, day: float) -> int:
    """Minutes on shift in which the rolling hour or the rolling day was above its budget.

    A dose lands in the minute its assignment ended, as the ledger's buckets have it.
    """
    buckets: dict[int, float] = defaultdict(float)
    for at, dose in record.exposures:
        buckets[math.floor(at / 60)] += dose
    first, last = math.floor(record.start / 60), math.ceil(record.end / 60)
    hour_sum = day_sum = 0.0
    over = 0
    for m in range(min(first, *buckets) if buckets else first, last):
        hour_sum += buckets.get(m, 0.0) - buckets.get(m - 60, 0.0)
        day_sum += buckets.get(m, 0.0) - buckets.get(m - 1440, 0.0)
        if m >= first and (hour_sum > hour + 1e-9 or day_sum > day + 1e-9):
            over += 1
    return over


def sla_breach_rate(items: Sequence[ItemOutcome], horizon: float) -> float:
    """Breached over known outcomes: decided late, or undecided past a deadline within the run.

    An undecided item due after the run is left out: it may yet be decided in time.
    """
    counted = breached = 0
    for item in items:
        if item.decided_at is not None:
            counted += 1
            breached += item.decided_at > item.deadline
        elif item.deadline <= horizon:
            counted += 1
            breached += 1
    return breached / counted if counted else 0.0


def _p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def summarise(run: RunRecord) -> dict[str, Any]:
    """The issue's fields, then a few that explain them."""
    doses = [r.dose for r in run.reviewers]
    # Reviewers who reported a low mood get less on purpose (their budgets shrink): the spread
    # among the others is what the policy makes equal.
    alike = [r.dose for r in run.reviewers if not r.low_moods]
    mean = sum(doses) / len(doses) if doses else 0.0
    severe_waits = [
        (i.decided_at - i.arrival) / 60 for i in run.items if i.severe and i.decided_at is not None
    ]
    over = sum(
        minutes_over_budget(r, hour=REFERENCE.hour, day=REFERENCE.day) for r in run.reviewers
    )
    return {
        **seen_before(run),
        "items_decided": sum(i.decided_at is not None for i in run.items),
        "sla_breach_rate": round(sla_breach_rate(run.items, run.horizon), 4),
        "mean_dose": round(mean, 2),
        "peak_dose": round(max(doses, default=0.0), 2),
        "peak_to_mean": round(peak_to_mean(doses), 3),
        "gini": round(gini(doses), 4),
        "minutes_over_budget": over,
        "breaks_taken": sum(r.breaks for r in run.reviewers),
        "items_arrived": len(run.items),
        "low_mood_reviewers": len(doses) - len(alike),
        "peak_to_mean_no_low_mood": round(peak_to_mean(alike), 3),
        "gini_no_low_mood": round(gini(alike), 4),
        "min_dose": round(min(doses, default=0.0), 2),
        "cooldowns": sum(r.cooldowns for r in run.reviewers),
        "low_moods": sum(r.low_moods for r in run.reviewers),
        "severe_p95_minutes": round(_p95(severe_waits), 1),
        "dose_by_reviewer": {r.id: round(r.dose, 2) for r in run.reviewers},
        "hours_worked_by_reviewer": {r.id: round(r.work_seconds / 3600, 2) for r in run.reviewers},
    }


def seen_before(run: RunRecord) -> dict[str, Any]:
    """Issue 17's figures: how many items a person had to judge, and what the bank did.

    `needed_eyes` counts the items a reviewer judged, and those still waiting at the end (they
    need eyes too): not those the bank decided (`auto`), those a reviewer decided by confirming
    the prior decision shown without a reveal, nor those decided along with another (a group).
    `false_matches` are matches to a decision on a different picture (not a copy of the same
    original).
    """
    how = [i.decided_how for i in run.items]
    matched = [i for i in run.items if i.match_distance is not None]
    return {
        "needed_eyes": sum(h in ("reviewer", "") for h in how),
        "team_dose": round(sum(r.dose for r in run.reviewers), 2),
        "decided_by_match": how.count("match"),
        "confirmed_without_reveal": how.count("confirmed"),
        "decided_with_group": how.count("group"),
        "copies": sum(i.copy for i in run.items),
        "copies_matched": sum(i.copy for i in matched),
        "false_matches": sum(i.match_same_root is False for i in matched),
        "match_max_distance_auto": max(
            (i.match_distance or 0 for i in run.items if i.decided_how == "match"), default=0
        ),
    }


def targets(results: dict[str, dict[str, Any]]) -> list[tuple[str, bool]]:
    """The issue's four targets for safeshift against fifo, each with whether it is met."""
    if "fifo" not in results or "safeshift" not in results:
        return []
    fifo, ours = results["fifo"], results["safeshift"]
    decided_gap = abs(ours["items_decided"] - fifo["items_decided"]) / max(1, fifo["items_decided"])
    sla_gap = ours["sla_breach_rate"] - fifo["sla_breach_rate"]
    return [
        (
            f"peak_to_mean {ours['peak_to_mean']:.3f} <= {MAX_PEAK_TO_MEAN}",
            ours["peak_to_mean"] <= MAX_PEAK_TO_MEAN,
        ),
        (
            f"gini {ours['gini']:.4f} <= {GINI_FACTOR} x fifo's {fifo['gini']:.4f}",
            ours["gini"] <= GINI_FACTOR * fifo["gini"],
        ),
        (
            f"sla_breach_rate {100 * ours['sla_breach_rate']:.2f}% <= fifo's"
            f" {100 * fifo['sla_breach_rate']:.2f}% + {100 * SLA_SLACK:.0f} pp",
            sla_gap <= SLA_SLACK + 1e-12,
        ),
        (
            f"items_decided {ours['items_decided']} within {100 * DECIDED_SLACK:.0f}% of fifo's"
            f" {fifo['items_decided']} ({100 * decided_gap:.1f}%)",
            decided_gap <= DECIDED_SLACK,
        ),
    ]
