"""The dose formula: how much one exposure weighs, in severe-minutes.

One severe-minute is a minute on screen of maximum-severity, unmitigated imagery (the unit makes
budgets read in hours: a 300 severe-minute day is IWF's 5-hour cap). Every weight below is a
*choice* documented in docs/dose.md with the evidence it follows; all are configurable.

    dose = minutes on screen × effective severity × media weight × mitigation
    effective severity = max over labels of (label severity × category weight)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# After BMC Psychiatry 2023: violent material, not volume, predicts post-traumatic stress.
CATEGORY_WEIGHTS = {
    "violence": 1.0,
    "gore": 1.0,
    "child_safety": 1.0,
    "self_harm": 1.0,
    "sexual": 0.6,
    "hate": 0.5,
    "harassment": 0.4,
    "other": 0.3,
    "spam": 0.0,
}
# After Birze 2023: video and sound bring "emotional proximity".
MEDIA_WEIGHTS = {"text": 0.25, "image": 1.0, "video": 1.5, "video_sound": 2.0}
# Modest on purpose: Lewitzka 2026 found no protective effect of blur or grayscale. `stylized`
# (a drawing, blur/stylize.py) sits between blurred and grayscale: Sarridis 2023 found reduced
# detail cut negative feelings by ~30% with 97% of images still interpretable (docs/dose.md).
MITIGATION = {"blurred": 0.6, "stylized": 0.7, "grayscale": 0.8, "color": 1.0}
# Seconds on screen an ordinary review is taken to last when a team has no reviews in the last
# 24 hours to measure it by (the "avoided" figure, docs/dose.md). A *choice*: a still image is
# usually decided in well under a minute, and a figure too high would flatter the bank.
FALLBACK_REVIEW_SECONDS = 30.0


class DoseConfig(BaseSettings):
    """The weights, overridable per deployment with JSON in the environment, for example
    `SAFESHIFT_DOSE_CATEGORY_WEIGHTS='{"sexual": 0.8}'` (keys not given keep their default)."""

    model_config = SettingsConfigDict(env_prefix="SAFESHIFT_DOSE_", extra="ignore")
    category_weights: dict[str, float] = Field(default_factory=lambda: dict(CATEGORY_WEIGHTS))
    media_weights: dict[str, float] = Field(default_factory=lambda: dict(MEDIA_WEIGHTS))
    mitigation: dict[str, float] = Field(default_factory=lambda: dict(MITIGATION))

    @field_validator("category_weights", "media_weights", "mitigation")
    @classmethod
    def _complete_and_sane(cls, value: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        defaults = {
            "category_weights": CATEGORY_WEIGHTS,
            "media_weights": MEDIA_WEIGHTS,
            "mitigation": MITIGATION,
        }[str(info.field_name)]
        unknown = set(value) - set(defaults)
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}; known: {sorted(defaults)}")
        if any(not 0 <= w <= 10 for w in value.values()):
            raise ValueError("weights must be between 0 and 10")
        return {**defaults, **value}


DEFAULT = DoseConfig()


def effective_severity(
    labels: Iterable[Mapping[str, Any]], config: DoseConfig | None = None
) -> float:
    """The worst label, weighted by how harmful its category is; two decimals (it sets a pool)."""
    weights = (config or DEFAULT).category_weights
    worst = max(
        (float(label["severity"]) * weights.get(label["category"], 1.0) for label in labels),
        default=0.0,
    )
    return round(min(1.0, max(0.0, worst)), 2)


def media_weight(
    media_type: str, *, sound: bool = False, config: DoseConfig | None = None
) -> float:
    weights = (config or DEFAULT).media_weights
    if media_type == "video" and sound:
        return weights["video_sound"]
    return weights[media_type]


def dose(
    *,
    seconds: float,
    severity: float,
    media_type: str,
    level: str,
    sound: bool = False,
    config: DoseConfig | None = None,
) -> float:
    """Severe-minutes of one exposure: `seconds` on screen at `level` (the most revealed one).

    Text has no filtered levels: it is always read as it is, so it is never mitigated.
    """
    mitigation = 1.0 if media_type == "text" else (config or DEFAULT).mitigation[level]
    weight = media_weight(media_type, sound=sound, config=config)
    return max(0.0, seconds) / 60.0 * severity * weight * mitigation
