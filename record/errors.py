"""What can go wrong with signing, as small exceptions the API maps to HTTP statuses."""

from __future__ import annotations

from scheduler.errors import InvalidInput


class SigningUnavailable(Exception):
    """The stored signing key cannot be opened with this process's secret: a configuration
    fault (another SAFESHIFT_SIGNING_SECRET, or another data directory), never the caller's."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidRange(InvalidInput):
    """Two well-written dates that make no record: `from` after `to`, a range over the limit, or
    a day outside the years a record can hold. Its own problem type, because no schema can say
    it (the OpenAPI fuzz test allows this 422 on the record routes only)."""
