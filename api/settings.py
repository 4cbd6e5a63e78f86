"""Every setting in one place, read from the environment with the `SAFESHIFT_` prefix.

Unsafe values are refused at start-up rather than discovered in production: a short admin key,
a zero lease, a signing secret that is too short.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAFESHIFT_", extra="ignore")

    # Unset: start the embedded redis-server under data_dir/redis. Set: use that server.
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "SAFESHIFT_REDIS_URL")
    )
    # A Sentinel deployment instead of one URL: "host:port,host:port" and the master's name.
    # Every process asks the sentinels where the primary is, so a failover needs no restart.
    redis_sentinels: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_SENTINELS", "SAFESHIFT_REDIS_SENTINELS"),
    )
    redis_sentinel_master: str | None = Field(
        default=None,
        validation_alias=AliasChoices("REDIS_SENTINEL_MASTER", "SAFESHIFT_REDIS_SENTINEL_MASTER"),
    )
    # Replicas that must hold a write before the client is told it happened (Redis WAIT).
    # Unset: 0 on a single Redis, 1 with Sentinel (a failover then loses nothing acknowledged).
    redis_min_replicas: int | None = Field(default=None, ge=0, le=16)
    # How long a write waits for them before the client gets 503 with Retry-After.
    redis_wait_timeout_ms: int = Field(default=1000, gt=0, le=60_000)
    data_dir: Path = Path("./var")
    media_dir: Path | None = None  # default: <data_dir>/media
    admin_key: SecretStr | None = None  # bootstrap admin key, 32+ characters
    # Seals the record-signing key in Redis (32+ characters); unset: a file in data_dir.
    signing_secret: SecretStr | None = None
    lease_seconds: int = Field(default=300, gt=0)  # evidence note: Ozone 5 min, Coop 10 min
    # When set, an escalated item waits in this queue for a reviewer with this skill; empty:
    # `escalate` is final, as the contract's first version has it (docs/api.md).
    escalation_queue: str = Field(default="", pattern=r"^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$")
    escalation_skill: str = Field(default="senior", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    allow_private_callbacks: bool = False  # tests and on-premises receivers only
    media_url_seconds: int = Field(default=300, gt=0)  # how long a signed media link works
    max_json_bytes: int = Field(default=1 << 20, gt=0)
    run_jobs: bool = True  # periodic jobs (lease sweep, webhooks) in this process
    blur_workers: int = Field(
        default=1, ge=0
    )  # in-process media workers; 0 with `safeshift worker`
    log_json: bool = True
    # Redis connections per process; requests wait for a free one rather than fail.
    redis_max_connections: int = Field(default=128, gt=0, le=10_000)
    # Requests with unknown keys per client address and minute before all its requests are 429.
    auth_failures_per_minute: int = Field(default=30, gt=0)
    # How long a reviewer's exposure events (their record), check-ins and stretches of work are
    # kept before the retention pass deletes them (wellbeing.jobs.retention_pass). The rolling
    # windows' hour buckets are kept 35 days whatever this says (exposure.keys).
    exposure_retention_days: int = Field(default=400, gt=0, le=36_500)

    @field_validator("admin_key", "signing_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(
                f"SAFESHIFT_{str(info.field_name).upper()} must be at least 32 characters"
            )
        return value

    @field_validator("redis_sentinels")
    @classmethod
    def _sentinel_addresses(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        for address in value.split(","):
            host, _, port = address.strip().rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(
                    f"REDIS_SENTINELS: '{address.strip()}' is not host:port; "
                    "write the sentinels as host:port,host:port"
                )
        return value

    @model_validator(mode="after")
    def _sentinel_needs_master(self) -> Settings:
        if self.redis_sentinels and not self.redis_sentinel_master:
            raise ValueError(
                "REDIS_SENTINELS is set without REDIS_SENTINEL_MASTER: name the master the "
                "sentinels monitor (the name in their `sentinel monitor` line)"
            )
        return self

    @property
    def sentinels(self) -> list[tuple[str, int]]:
        """The sentinels' addresses, or [] when one Redis URL (or the embedded one) is used."""
        if not self.redis_sentinels:
            return []
        pairs = (a.strip().rpartition(":") for a in self.redis_sentinels.split(","))
        return [(host.strip("[]"), int(port)) for host, _, port in pairs]

    @property
    def has_redis(self) -> bool:
        """Is a Redis configured (a URL or sentinels)? If not, `serve` starts the embedded one."""
        return bool(self.redis_url or self.sentinels)

    @property
    def min_replicas(self) -> int:
        if self.redis_min_replicas is not None:
            return self.redis_min_replicas
        return 1 if self.sentinels else 0

    @property
    def media_root(self) -> Path:
        return self.media_dir or self.data_dir / "media"
