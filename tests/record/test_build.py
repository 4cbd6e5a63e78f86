"""The record's arithmetic on its own: stretches, midnights in a team's zone, dates, canonical
bytes. Through HTTP it is tested in tests/api/test_record.py."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from record import build, canonical
from scheduler.errors import InvalidInput
from wellbeing.policy import Policy

NAIROBI = ZoneInfo("Africa/Nairobi")  # UTC+3, no daylight saving


def _event(end: datetime, seconds: float, dose: int = 0) -> dict[str, str]:
    return {"at": str(end.timestamp()), "seconds": str(seconds), "dose": str(dose)}


def test_a_stretch_over_local_midnight_is_split_between_the_days() -> None:
    # 20:50 to 21:10 UTC is 23:50 to 00:10 in Nairobi: ten minutes on each local day.
    events = [_event(datetime(2026, 3, 1, 21, 10, tzinfo=UTC), 1200, dose=5_000_000)]
    days = build._days(events, date(2026, 3, 1), date(2026, 3, 2), NAIROBI, 600)
    assert [(d["date"], d["work_seconds"], d["dose"]) for d in days] == [
        ("2026-03-01", 600, 0),
        ("2026-03-02", 600, 5.0),  # the dose counts on the day the item ended
    ]


def test_breaks_are_gaps_of_a_break_within_a_day_not_the_night() -> None:
    day = datetime(2026, 3, 2, 8, tzinfo=UTC)
    at = day.timestamp()
    events = [
        _event(datetime.fromtimestamp(at + 60, UTC), 60),  # 08:00-08:01
        _event(datetime.fromtimestamp(at + 1260, UTC), 60),  # gap 19 min: a break
        _event(datetime.fromtimestamp(at + 1500, UTC), 60),  # gap 3 min: work
        _event(datetime.fromtimestamp(at + 86400, UTC), 60),  # the next morning
    ]
    days = build._days(events, date(2026, 3, 2), date(2026, 3, 3), UTC, 600)
    assert [(d["work_seconds"], d["breaks"]) for d in days] == [(60 + 300, 1), (60, 0)]


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
