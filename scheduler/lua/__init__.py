"""The scheduler's Lua (this folder) and the values it takes from Python, for luascripts."""

from __future__ import annotations

from luascripts import Source
from scheduler import keys
from scheduler.models import MAX_POOLS_PER_CLAIM, VIEW_FIELDS

LUA = Source.of_package(
    "scheduler",
    {
        "PREFIX": keys.PREFIX,
        "MAX_POOLS": str(MAX_POOLS_PER_CLAIM),
        "VIEW_FIELDS": ", ".join(f"'{name}'" for name in VIEW_FIELDS),
        "ANY_VENDOR": keys.ANY_VENDOR,
    },
)
