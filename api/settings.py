"""Every setting in one place, read from the environment with the `SAFESHIFT_` prefix.

Unsafe values are refused at start-up rather than discovered in production: a short admin key,
a zero lease, a signing secret that is too short.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAFESHIFT_", extra="ignore")

    # Unset: start the embedded redis-server under data_dir/redis. Set: use that server.
    redis_url: str | None = Field(
        default=None, validation_alias=AliasChoices("REDIS_URL", "SAFESHIFT_REDIS_URL")
    )
    data_dir: Path = Path("./var")
    media_dir: Path | None = None  # default: <data_dir>/media
    admin_key: SecretStr | None = None  # bootstrap admin key, 32+ characters
    # Seals the record-signing key in Redis (32+ characters); unset: a file in data_dir.
    signing_secret: SecretStr | None = None
    lease_seconds: int = Field(default=300, gt=0)  # evidence note: Ozone 5 min, Coop 10 min
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

    @field_validator("admin_key", "signing_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(
                f"SAFESHIFT_{str(info.field_name).upper()} must be at least 32 characters"
            )
        return value

    @property
    def media_root(self) -> Path:
        return self.media_dir or self.data_dir / "media"
