"""The wellbeing rules' Lua (this folder) and the values it takes from Python, for luascripts."""

from __future__ import annotations

from luascripts import Source
from wellbeing import policy

LUA = Source.of_package(
    "wellbeing",
    {
        "POLICY_DEFAULTS": policy.lua_defaults(),
        "STEER_FRACTION": repr(policy.STEER_FRACTION),
        "STEER_DEADLINE_SECONDS": str(policy.STEER_DEADLINE_SECONDS),
        "TEAMMATE_ACTIVE_SECONDS": str(policy.TEAMMATE_ACTIVE_SECONDS),
        "LONGEST_SECONDS": str(policy.LONGEST_SECONDS),
        "WEEK_ROOM_SECONDS": str(policy.WEEK_ROOM_SECONDS),
    },
)
