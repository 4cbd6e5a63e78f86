"""The numbers a policy may hold, at their edges: severity bands of a threshold."""

from __future__ import annotations

from hypothesis import given, seed, settings
from hypothesis import strategies as st

from wellbeing.policy import severe_band


def test_a_threshold_falls_in_the_lowest_band_at_or_above_it() -> None:
    assert [severe_band(t) for t in (0.7, 0.3, 0.29, 0.704, 1.0, 0.01)] == [70, 30, 29, 71, 100, 1]
    assert severe_band(0.004) == 1  # not band 0, where an item of severity 0 would be severe
    assert severe_band(5e-324) == 1


@seed(20261201)
@settings(max_examples=300, derandomize=True, database=None)
@given(st.floats(min_value=0, max_value=1, exclude_min=True))
def test_an_item_is_severe_exactly_when_its_band_is_at_or_above(threshold: float) -> None:
    band = severe_band(threshold)
    assert band / 100 >= threshold and (band - 1) / 100 < threshold
