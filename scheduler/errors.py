"""What can go wrong in the scheduler, as small exceptions the API maps to HTTP statuses."""

from __future__ import annotations


class SchedulerError(Exception):
    """Base class; `detail` is a sentence fit to show an integrator."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(SchedulerError):
    """Does not exist, or is outside the caller's scope (the two look the same on purpose)."""


class AlreadyExists(SchedulerError):
    """Creating an id that is taken."""


class Conflict(SchedulerError):
    """The request contradicts what was already recorded (a different decision)."""


class LeaseLost(SchedulerError):
    """The assignment's lease expired or the item went to someone else."""


class NoMedia(SchedulerError):
    """Reveal or media asked of an item that has no media (text) or none ready yet."""


class InvalidReference(SchedulerError):
    """A body names something that does not exist (a reviewer's team, a key's vendor)."""


class InvalidInput(SchedulerError):
    """A field is wrong in a way only the domain can tell (422, with where in `loc`)."""

    def __init__(self, detail: str, loc: list[str | int]) -> None:
        super().__init__(detail)
        self.loc = loc
