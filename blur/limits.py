"""What the door accepts. Every limit is checked before the media is decoded or stored."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class MediaLimits(BaseSettings):
    """Read from `SAFESHIFT_MEDIA_*`; the defaults fit review work, not archiving."""

    model_config = SettingsConfigDict(env_prefix="SAFESHIFT_MEDIA_", extra="ignore")

    max_image_bytes: int = Field(default=25 << 20, gt=0)  # 25 MiB: phone photos are 3-12 MiB
    max_video_bytes: int = Field(default=200 << 20, gt=0)  # 200 MiB: minutes of 1080p
    # 40 MP: larger than any phone camera; a canvas this size is 120 MB of BGR pixels already.
    max_pixels: int = Field(default=40_000_000, gt=0)
    max_side: int = Field(default=20_000, gt=0)  # one absurd dimension is a bomb too
    max_video_seconds: float = Field(default=900.0, gt=0)  # 15 min: longer clips are split
    max_video_pixels: int = Field(default=3840 * 2160, gt=0)  # 4K frames

    @property
    def max_bytes(self) -> int:
        return max(self.max_image_bytes, self.max_video_bytes)
