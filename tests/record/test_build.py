"""The record's arithmetic on its own: work per day (worktime's), midnights in a team's zone,
dates, canonical bytes. Through HTTP it is tested in tests/api/test_record.py."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from record import build, canonical
from scheduler.errors import InvalidInput
from wellbeing import worktime
from wellbeing.policy import Policy

NAIROBI = ZoneInfo("Africa/Nairobi")  # UTC+3, no daylight saving
NOW = datetime(2026, 11, 18, tzinfo=UTC).timestamp()


def _span(begin: datetime, seconds: float) -> tuple[float, float]:
    return begin.timestamp(), begin.timestamp() + seconds


def test_a_stretch_over_local_midnight_is_split_between_the_days() -> None:
    # 20:50 to 21:10 UTC is 23:50 to 00:10 in Nairobi: ten minutes on each local day.
    spans = [_span(datetime(2026, 3, 1, 20, 50, tzinfo=UTC), 1200)]
    days = worktime.per_day(
        spans, zone=NAIROBI, first=date(2026, 3, 1), last=date(2026, 3, 2), now=NOW
    )
    assert days == [(date(2026, 3, 1), 600, 0), (date(2026, 3, 2), 600, 0)]


def test_breaks_are_gaps_between_stretches_within_a_day_not_the_night() -> None:
    day = datetime(2026, 3, 2, 8, tzinfo=UTC)
    spans = [
        _span(day, 60),  # 08:00-08:01
        _span(day.replace(minute=20), 360),  # after a break
        _span(day.replace(day=3), 60),  # the next morning: the night was no break
    ]
    days = worktime.per_day(spans, zone=UTC, first=date(2026, 3, 2), last=date(2026, 3, 3), now=NOW)
    assert days == [(date(2026, 3, 2), 420, 1), (date(2026, 3, 3), 60, 0)]


def test_the_record_dose_counts_on_the_day_the_item_ended() -> None:
    end = datetime(2026, 3, 1, 21, 10, tzinfo=UTC)  # 00:10 on the 2nd in Nairobi
    events = [{"at": str(end.timestamp()), "seconds": "1200", "dose": "5000000"}]
    worked = [(date(2026, 3, 1), 600.0, 0), (date(2026, 3, 2), 600.0, 0)]
    assert [(d["date"], d["dose"]) for d in build._days(events, worked, NAIROBI)] == [
        ("2026-03-01", 0),
        ("2026-03-02", 5.0),
    ]


def test_dates_default_to_thirty_days_ending_today_or_at_to() -> None:
    today = date(2026, 11, 18)
    assert build.date_range(first=None, last=None, today=today) == (date(2026, 10, 20), today)
    assert build.date_range(first=None, last="2026-01-30", today=today) == (
        date(2026, 1, 1),
        date(2026, 1, 30),
    )


@pytest.mark.parametrize("text", ["2026-02-30", "2026-W01-1", "20260101", " 2026-01-01", ""])
def test_only_plain_calendar_dates(text: str) -> None:
    with pytest.raises(InvalidInput) as e:
        build.date_range(first=text, last=None, today=date(2026, 11, 18))
    assert e.value.loc == ["query", "from"]


def test_the_record_counts_days_in_the_team_zone() -> None:
    assert Policy().zone().key == "UTC"
    assert Policy(timezone="America/Caracas").zone().key == "America/Caracas"


def test_canonical_bytes_are_sorted_compact_utf8_and_refuse_nan() -> None:
    assert (
        canonical.dumps({"b": 1, "a": {"é": [1.5, None]}})
        == '{"a":{"é":[1.5,null]},"b":1}'.encode()
    )
    with pytest.raises(ValueError):
        canonical.dumps({"x": math.nan})
