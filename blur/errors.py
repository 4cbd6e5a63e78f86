"""Why a piece of media was refused or could not be made safe.

`MediaRejected` is raised at the door, before anything is stored: it carries the HTTP status the
contract names (413 too large, 415 unsupported, 422 undecodable or a decompression bomb).
`DerivationFailed` is raised by a worker when media that passed the door still cannot be turned
into safe derivatives; retrying will not help, so the item ends `failed` with this reason.
"""

from __future__ import annotations


class MediaRejected(Exception):
    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


def too_large(detail: str) -> MediaRejected:
    return MediaRejected(413, "Media too large", detail)


def unsupported(detail: str) -> MediaRejected:
    return MediaRejected(415, "Unsupported media type", detail)


def undecodable(detail: str) -> MediaRejected:
    return MediaRejected(422, "Undecodable media", detail)


class DerivationFailed(Exception):
    """The media cannot be made safe (corrupt past the header, no frames...): not retried."""
