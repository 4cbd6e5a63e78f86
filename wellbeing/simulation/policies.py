"""The team policies compared: the same scheduler, three settings of the wellbeing rules.

Rules are turned off with values no shift can reach, so every policy runs the same scripts and
only the numbers differ.
"""

from __future__ import annotations

from wellbeing import policy
from wellbeing.policy import Budgets, Policy

NEVER = 10**9  # seconds, severe-minutes or items: more than any simulated shift reaches
_NO_BUDGETS = Budgets(hour=NEVER, day=NEVER, week=NEVER)

POLICIES: dict[str, Policy] = {
    # Priority and age only: what most tools do today.
    "fifo": Policy(
        budgets=_NO_BUDGETS,
        max_consecutive_severe=NEVER,
        cooldown_after_severe_seconds=0,
        max_continuous_work_seconds=NEVER,
        max_work_seconds_per_day=NEVER,
        max_work_seconds_per_week=NEVER,
        fair_share_margin=1.0,
    ),
    # Enforced breaks and cool-downs; no budgets, steering, rotation or fair shares.
    "breaks-only": Policy(
        budgets=_NO_BUDGETS,
        max_consecutive_severe=NEVER,
        max_work_seconds_per_day=NEVER,
        max_work_seconds_per_week=NEVER,
        fair_share_margin=1.0,
    ),
    # The defaults (docs/policy.md).
    "safeshift": Policy(),
}
DEFAULT_ORDER = ("fifo", "breaks-only", "safeshift")


def choose(names: list[str], overrides: dict[str, str] | None = None) -> dict[str, Policy]:
    """The named policies, in order; `overrides` change fields of `safeshift` (validated as a
    lead's PUT would be), so a trade-off can be measured without editing code."""
    unknown = [n for n in names if n not in POLICIES]
    if unknown or not names:
        raise ValueError(f"unknown policies {unknown}; known: {', '.join(POLICIES)}")
    chosen = {name: POLICIES[name] for name in names}
    if overrides and "safeshift" in chosen:
        fields = policy.flatten(POLICIES["safeshift"])
        if bad := sorted(set(overrides) - set(fields)):
            raise ValueError(f"unknown policy fields {bad}; known: {', '.join(fields)}")
        fields |= overrides
        chosen["safeshift"] = policy.unflatten(
            fields, lease_default=POLICIES["safeshift"].lease_seconds
        )
    return chosen
