"""The comparison's arithmetic on inputs whose answers are known by hand."""

from __future__ import annotations

import pytest

from wellbeing.simulation import metrics
from wellbeing.simulation.records import ItemOutcome, ReviewerRecord, RunRecord


def test_gini_of_equal_shares_is_zero_and_of_one_taker_is_n_minus_one_over_n() -> None:
    assert metrics.gini([5, 5, 5, 5]) == 0
    assert metrics.gini([0, 0, 0, 8]) == pytest.approx(0.75)
    assert metrics.gini([]) == 0 and metrics.gini([0, 0]) == 0


def test_gini_is_the_mean_absolute_difference_over_twice_the_mean() -> None:
    # |differences| over all ordered pairs of 1, 2, 3, 4: 20; n² = 16; mean 2.5 -> 20 / 80
    assert metrics.gini([4, 1, 3, 2]) == pytest.approx(0.25)
    assert metrics.gini([2, 4, 6, 8]) == pytest.approx(0.25)  # scale does not matter


def test_peak_to_mean() -> None:
    assert metrics.peak_to_mean([1, 2, 3, 4]) == pytest.approx(1.6)
    assert metrics.peak_to_mean([7, 7]) == 1
    assert metrics.peak_to_mean([0, 0]) == 1 and metrics.peak_to_mean([]) == 1


def test_minutes_over_budget_follow_the_rolling_hour_on_shift_only() -> None:
    # 30 severe-minutes at minutes 10 and 20: over an hour budget of 50 from minute 20 until the
    # first leaves the hour at minute 70; the shift ends at minute 60.
    record = ReviewerRecord("r", start=0, end=3600, exposures=[(600, 30), (1200, 30)])
    assert metrics.minutes_over_budget(record, hour=50, day=300) == 40
    longer = ReviewerRecord("r", start=0, end=7200, exposures=record.exposures)
    assert metrics.minutes_over_budget(longer, hour=50, day=300) == 50
    assert metrics.minutes_over_budget(longer, hour=100, day=45) == 100  # the day stays over


def test_sla_breach_rate_counts_only_known_outcomes() -> None:
    items = [
        ItemOutcome(arrival=0, deadline=100, severe=False, decided_at=50),  # in time
        ItemOutcome(arrival=0, deadline=100, severe=False, decided_at=150),  # late
        ItemOutcome(arrival=0, deadline=100, severe=False),  # undecided, due within the run
        ItemOutcome(arrival=0, deadline=900, severe=False),  # undecided, due after: unknown
    ]
    assert metrics.sla_breach_rate(items, horizon=500) == pytest.approx(2 / 3)


def _summary(**fields: float) -> dict[str, float]:
    base = {"peak_to_mean": 1.1, "gini": 0.04, "sla_breach_rate": 0.01, "items_decided": 1000}
    return {**base, **fields}


def test_targets_compare_safeshift_with_fifo() -> None:
    fifo = _summary(gini=0.1, sla_breach_rate=0.0)
    met = metrics.targets({"fifo": fifo, "safeshift": _summary(items_decided=960)})
    assert [ok for _, ok in met] == [True, True, True, True]
    missed = metrics.targets(
        {
            "fifo": fifo,
            "safeshift": _summary(
                peak_to_mean=1.3, gini=0.06, sla_breach_rate=0.03, items_decided=940
            ),
        }
    )
    assert [ok for _, ok in missed] == [False, False, False, False]
    assert metrics.targets({"safeshift": fifo}) == []


def test_needed_eyes_leave_out_what_the_bank_decided_or_a_reviewer_only_confirmed() -> None:
    def item(how: str, **match: object) -> ItemOutcome:
        return ItemOutcome(0, 100, False, decided_at=10 if how else None, decided_how=how, **match)

    items = [
        item("reviewer"),
        item(""),  # still waiting: it needs eyes too
        item("match", copy=True, match_distance=3, match_same_root=True),
        item("confirmed", copy=True, match_distance=20, match_same_root=True),
        item("group", copy=True),
        item("reviewer", copy=True, match_distance=30, match_same_root=False),
    ]
    reviewers = [
        ReviewerRecord("a", 0, 100, exposures=[(5, 1.5)]),
        ReviewerRecord("b", 0, 100, exposures=[(5, 0.5), (9, 2.0)]),
    ]
    figures = metrics.seen_before(RunRecord("p", 100, items, reviewers))
    assert figures["needed_eyes"] == 3
    assert (figures["decided_by_match"], figures["confirmed_without_reveal"]) == (1, 1)
    assert figures["decided_with_group"] == 1
    assert (figures["copies"], figures["copies_matched"], figures["false_matches"]) == (4, 3, 1)
    assert figures["team_dose"] == 4.0 and figures["match_max_distance_auto"] == 3
