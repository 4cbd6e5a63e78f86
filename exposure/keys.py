"""Every Redis key the exposure ledger uses. exposure/lua/ledger.lua builds the same names.

Doses are stored as integer micro-severe-minutes so that sums added and subtracted for years
never drift.
"""

from __future__ import annotations

PREFIX = "safeshift:"
MICRO = 1_000_000  # stored units per severe-minute


def totals(reviewer: str) -> str:
    """Hash: running window sums (hour_sum, day_sum, week_sum) and the oldest bucket each still
    counts (hour_low in minutes, day_low and week_low in hours), last_h, consecutive_severe."""
    return f"{PREFIX}exposure:{reviewer}"


def minutes(reviewer: str) -> str:
    """Hash minute index -> dose: the buckets of the rolling hour, deleted as they leave it."""
    return f"{PREFIX}exposure:{reviewer}:minutes"


def day(reviewer: str, day_index: int) -> str:
    """Hash "<hour index>:<dose|items|reveals|seconds|severe>" -> count, for one UTC day."""
    return f"{PREFIX}exposure:{reviewer}:day:{day_index}"


def events(reviewer: str) -> str:
    """Stream of every exposure event of the reviewer (its `at` is the service's clock), trimmed
    by the retention pass."""
    return f"{PREFIX}exposure:{reviewer}:events"


# How long hour buckets are kept (the reviewer history reads at most this far back). Events, the
# reviewer's record, are kept SAFESHIFT_EXPOSURE_RETENTION_DAYS (wellbeing.jobs.retention_pass).
RETENTION_SECONDS = 35 * 86400


def avoided(kind: str, subject: str) -> str:
    """Hash of one "avoided" figure (exposure/lua/avoided.lua): running sums day_sum, day_low,
    week_sum, week_low, last_h, and hour buckets as numeric fields (hour index -> amount).
    `kind`: "reviewer" or "team" (micro-severe-minutes spared), "seen_seconds" or "seen_items"
    (a team's ordinary reviews: the baseline of what a review costs)."""
    return f"{PREFIX}avoided:{kind}:{subject}"


# An idle subject's avoided figures outlive the week window by a day, then go.
AVOIDED_KEPT_SECONDS = 8 * 86400
