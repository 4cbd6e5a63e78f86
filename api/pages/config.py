"""How often the pages poll, read from the environment (`SAFESHIFT_PAGES_` prefix).

Tests pass small values so that a refresh, a heartbeat or an idle poll happens within a second;
production keeps the defaults, which are gentle on Redis and on a tired reviewer's screen.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PageConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAFESHIFT_PAGES_", extra="ignore")

    # The lead's dashboard: reviewers, queues and alerts (one team read is ~2 ms at 100 people).
    dashboard_refresh_seconds: float = Field(default=10, gt=0, le=3600)
    # Hour buckets change slowly; 168 cells per reviewer need not be fetched every 10 s.
    heat_refresh_seconds: float = Field(default=300, gt=0, le=86_400)
    # The reviewer's meter, state and check-in prompt.
    review_refresh_seconds: float = Field(default=15, gt=0, le=3600)
    # An empty queue is asked again this often.
    idle_poll_seconds: float = Field(default=20, gt=0, le=3600)
    # Unset: a third of the lease left at claim time, so two heartbeats can fail before it lapses.
    heartbeat_seconds: float | None = Field(default=None, gt=0, le=3600)
