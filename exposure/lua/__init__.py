"""The exposure ledger's Lua (this folder) and the values it takes from Python, for luascripts."""

from __future__ import annotations

from exposure import keys, weights
from luascripts import Source

LUA = Source.of_package(
    "exposure",
    {
        "EXPOSURE_PREFIX": keys.PREFIX,
        "EXPOSURE_RETENTION": str(keys.RETENTION_SECONDS),
        "MICRO": str(keys.MICRO),
        "AVOIDED_KEPT": str(keys.AVOIDED_KEPT_SECONDS),
        "FALLBACK_REVIEW_SECONDS": repr(weights.FALLBACK_REVIEW_SECONDS),
        # Used by scheduler/lua/lib.lua when it doses a video watched with sound on.
        "SOUND_FACTOR": repr(
            weights.DEFAULT.media_weights["video_sound"] / weights.DEFAULT.media_weights["video"]
        ),
    },
)
