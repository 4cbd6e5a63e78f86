"""What can go wrong with signing, as small exceptions the API maps to HTTP statuses."""

from __future__ import annotations


class SigningUnavailable(Exception):
    """The stored signing key cannot be opened with this process's secret: a configuration
    fault (another SAFESHIFT_SIGNING_SECRET, or another data directory), never the caller's."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
