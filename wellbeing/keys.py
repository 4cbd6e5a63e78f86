"""Every Redis key wellbeing uses. The Lua fragments in wellbeing/lua build the same names."""

from __future__ import annotations

PREFIX = "safeshift:"


def state(reviewer: str) -> str:
    """Hash: work_since, last_active, break_until, break_reason, last_break_at, last_checkin_at,
    last_mood, mood_factor, mood_until, checkins."""
    return f"{PREFIX}wellbeing:{reviewer}"


def checkins(reviewer: str) -> str:
    """Stream of the reviewer's check-ins (mood, note), newest kept."""
    return f"{PREFIX}wellbeing:{reviewer}:checkins"


def work(reviewer: str) -> str:
    """Sorted set of the reviewer's ended stretches of work, "<from>:<to>" scored by <to>."""
    return f"{PREFIX}wellbeing:{reviewer}:work"


def policy(team: str) -> str:
    return f"{PREFIX}policy:{team}"


def headroom(team: str) -> str:
    """Sorted set: reviewer -> share of their day budget still left (for steering)."""
    return f"{PREFIX}team:{team}:headroom"


def alert(alert_id: str) -> str:
    return f"{PREFIX}alert:{alert_id}"


def team_alerts(team: str) -> str:
    """Sorted set of the team's open alert ids by creation time."""
    return f"{PREFIX}alerts:{team}"


# Hash "<team>|<type>|<subject>" -> open alert id: one open alert per cause, raised once.
OPEN_ALERTS = f"{PREFIX}alerts:open"

# Queues with severe items at risk of missing their deadline: hash queue -> count.
AT_RISK = f"{PREFIX}queues:at-risk"


def support_request(request_id: str) -> str:
    """Hash: id, reviewer, team, created_at, note, closed_at, closed_by (issue 19)."""
    return f"{PREFIX}support:{request_id}"


def reviewer_support(reviewer: str) -> str:
    """Sorted set of the reviewer's support request ids by creation time: what retention and an
    erase find of theirs (record/erase.py)."""
    return f"{PREFIX}reviewer:{reviewer}:support"


def team_support_open(team: str) -> str:
    """Sorted set of the team's open support request ids by creation time."""
    return f"{PREFIX}team:{team}:support:open"


def support_config(team: str) -> str:
    """Hash: eap_url, eap_secret, updated_at: where the team's employee-assistance programme
    hears of support requests (none: only the counsellors do)."""
    return f"{PREFIX}team:{team}:support:config"


def view_preferences(reviewer: str) -> str:
    """Hash category -> level: the reviewer's own view defaults (issue 18, wellbeing/views.py)."""
    return f"{PREFIX}wellbeing:{reviewer}:views"
