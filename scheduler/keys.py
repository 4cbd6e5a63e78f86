"""Every Redis key the scheduler uses, in one place.

All keys live under `safeshift:`. Items, assignments and accounts are hashes keyed by id; the
queue itself is a set of *pools*: one sorted set per routing key (queue, language, required
skills, severity, categories), so a claim looks only at the heads of the pools (best first) and
never scans items.
"""

from __future__ import annotations

PREFIX = "safeshift:"


def item(item_id: str) -> str:
    return f"{PREFIX}item:{item_id}"


def item_skippers(item_id: str) -> str:
    """Reviewers who skipped the item: it goes back to the queue, but not to them."""
    return f"{PREFIX}item:{item_id}:skippers"


def group(item_id: str) -> str:
    """Zset of the near-duplicates grouped under a leader item, scored by when each joined
    (docs/matching.md, "Groups"); the leader alone is in its pool."""
    return f"{PREFIX}item:{item_id}:group"


def external_ids(vendor: str) -> str:
    """Hash external_id -> item id: what makes ingest idempotent per vendor."""
    return f"{PREFIX}vendor:{vendor}:external_ids"


def waiting(queue: str) -> str:
    """Items waiting in a queue, scored by creation time: the queue's oldest age in one read."""
    return f"{PREFIX}queue:{queue}:waiting"


ANY_VENDOR = "*"  # the field of the admin's purpose in queue_purposes (for vendors that set none)


def queue_purposes(queue: str) -> str:
    """Hash vendor id -> what the queue's work is for, as that vendor says (issue 19); the field
    "*" is the admin's purpose for vendors that set none. Per vendor: queues are shared by name."""
    return f"{PREFIX}queue:{queue}:purposes"


def pool(descriptor: str) -> str:
    return f"{PREFIX}pool:{descriptor}"


# The head item of every non-empty pool, as `<item id>|<pool key>` scored like in its pool: ties
# sort by item id as they do inside a pool, so a claim walks pools in exactly the queue's order
# and stops at the first one the reviewer may take from, whatever the queue length.
HEADS = f"{PREFIX}heads"

# Sorted set of live assignments scored by lease expiry (unix seconds).
LEASES = f"{PREFIX}leases"


def assignment(assignment_id: str) -> str:
    return f"{PREFIX}assignment:{assignment_id}"


def vendor(vendor_id: str) -> str:
    return f"{PREFIX}vendor:{vendor_id}"


# Set of every team id (periodic wellbeing work goes team by team).
TEAMS = f"{PREFIX}teams"


def team(team_id: str) -> str:
    return f"{PREFIX}team:{team_id}"


def team_reviewers(team_id: str) -> str:
    return f"{PREFIX}team:{team_id}:reviewers"


def reviewer(reviewer_id: str) -> str:
    """The reviewer's profile; its field `current` is their live assignment (one at a time)."""
    return f"{PREFIX}reviewer:{reviewer_id}"


def api_key_by_hash(key_hash: str) -> str:
    """Keys are found by the SHA-256 of the secret; the secret itself is never stored."""
    return f"{PREFIX}apikey:{key_hash}"


def api_key_id(key_id: str) -> str:
    return f"{PREFIX}apikey-id:{key_id}"


def team_counsellor_keys(team_id: str) -> str:
    """Set of the ids of the team's live counsellor keys: whether anyone is there to be told."""
    return f"{PREFIX}team:{team_id}:counsellor-keys"


# Webhook outbox: sorted set of event ids scored by when the next attempt is due.
OUTBOX = f"{PREFIX}outbox"


def event(event_id: str) -> str:
    return f"{PREFIX}event:{event_id}"


# Shared secret for signing media URLs, created once by whichever process starts first.
SIGNING_SECRET = f"{PREFIX}signing-secret"


# Stream of audit entries (scheduler/audit.py): never trimmed.
AUDIT = f"{PREFIX}audit"


def lock(name: str) -> str:
    return f"{PREFIX}lock:{name}"
