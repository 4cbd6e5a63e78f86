"""The media pipeline's Redis keys, under the shared `safeshift:` prefix."""

from __future__ import annotations

PREFIX = "safeshift:blur:"

# The job stream: one entry per upload, acked and deleted only once its derivatives are recorded.
JOBS = PREFIX + "jobs"
# The consumer group every worker joins, in-process or `safeshift worker`.
GROUP = "blur-workers"


def last_error(item_id: str) -> str:
    """The last transient error for an item, so the final `failure` can say what kept failing."""
    return f"{PREFIX}error:{item_id}"
