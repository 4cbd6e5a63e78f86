"""What wellbeing refuses: work while a break is enforced (423 at the API)."""

from __future__ import annotations


class OnBreak(Exception):
    """The reviewer is on a break (asked for, enforced after continuous work, or a cool-down)."""

    def __init__(self, until: float, reason: str) -> None:
        self.until, self.reason = until, reason
        explain = {
            "continuous_work": "You have worked the team's limit without a break",
            "cooldown": "A short pause after a severe item",
            "requested": "You are on the break you asked for",
            "workday_over": "You have worked the team's limit for today or this week; the rest"
            " of the day is yours",
        }.get(reason, "You are on a break")
        super().__init__(f"{explain}; new items resume when it ends.")
        self.detail = str(self)
