"""The team policies compared: the same scheduler, three settings of the wellbeing rules, and
the default rules with the seen-before bank in `assist` or `auto` (issue 17).

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
    # The defaults, with the seen-before bank (issue 17) set for the vendor's items: below.
    "safeshift-match": Policy(),
    "safeshift-auto": Policy(),
}
DEFAULT_ORDER = ("fifo", "breaks-only", "safeshift")
# The `match_policy` every item of the run is ingested with (docs/matching.md): `off` unless
# named here. Under `off` decisions are still banked (the decide script always banks), but no
# item is looked up, so nobody is shown or spared a prior decision.
MATCH: dict[str, str] = {"safeshift-match": "assist", "safeshift-auto": "auto"}
# The policies that are `safeshift` with matching added: --set changes them all alike.
SAFESHIFT = ("safeshift", "safeshift-match", "safeshift-auto")


def match_policy(name: str) -> str:
    """The item `match_policy` a named policy's run ingests with."""
    return MATCH.get(name, "off")


def choose(names: list[str], overrides: dict[str, str] | None = None) -> dict[str, Policy]:
    """The named policies, in order; `overrides` change fields of `safeshift` and its matching
    variants (validated as a lead's PUT would be), so a trade-off can be measured without
    editing code."""
    unknown = [n for n in names if n not in POLICIES]
    if unknown or not names:
        raise ValueError(f"unknown policies {unknown}; known: {', '.join(POLICIES)}")
    chosen = {name: POLICIES[name] for name in names}
    if overrides and any(name in chosen for name in SAFESHIFT):
        fields = policy.flatten(POLICIES["safeshift"])
        if bad := sorted(set(overrides) - set(fields)):
            raise ValueError(f"unknown policy fields {bad}; known: {', '.join(fields)}")
        fields |= overrides
        changed = policy.unflatten(fields, lease_default=POLICIES["safeshift"].lease_seconds)
        chosen |= {name: changed for name in SAFESHIFT if name in chosen}
    return chosen
