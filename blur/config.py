"""How derivatives are made. Read from `SAFESHIFT_BLUR_*`; defaults after the evidence note."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Exposed regions masked in every level but colour. Covered regions and faces are not: a reviewer
# must still be able to judge the scene (configurable per deployment).
DEFAULT_MASKED = (
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "BUTTOCKS_EXPOSED",
    "ANUS_EXPOSED",
)
# Faces are blocked in every level: in colour too, unless the reviewer reveals them on purpose
# (the `color_faces` level). Blocking them costs a reviewer little to judge most harms and spares
# the person depicted (a term of Scola v. Facebook).
DEFAULT_FACES = ("FACE_FEMALE", "FACE_MALE")


class BlurConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SAFESHIFT_BLUR_", extra="ignore")

    # Blur: the image is shrunk so its long side is this many pixels, blurred, and grown back.
    # 48 px keeps shapes (a person, a vehicle) and loses faces, wounds and text.
    blur_long_side: int = Field(default=48, ge=8, le=512)
    blurred_max_side: int = Field(default=960, ge=64)  # the blurred view needs no more pixels
    max_side: int = Field(default=2560, ge=64)  # grayscale and colour levels, for a review screen
    jpeg_quality: int = Field(default=88, ge=30, le=100)
    detect: bool = True
    masked_classes: tuple[str, ...] = DEFAULT_MASKED
    min_score: float = Field(default=0.4, ge=0.0, le=1.0)  # detections below are not labels
    face_classes: tuple[str, ...] = DEFAULT_FACES
    # Lower than min_score: a block over something that is not a face costs little, a face
    # left showing costs the person in it.
    face_min_score: float = Field(default=0.3, ge=0.0, le=1.0)
    face_margin: float = Field(default=0.15, ge=0.0, le=1.0)  # box grown by this share each side
    # Stylized: the drawing is made at `stylize_work_side` px and served at `stylized_max_side`.
    stylize_work_side: int = Field(default=640, ge=64, le=2048)
    stylize_tones: int = Field(default=8, ge=2, le=32)
    stylized_max_side: int = Field(default=960, ge=64)
    detector_threads: int = Field(default=1, ge=1)  # ONNX Runtime intra-op threads per worker
    # Video.
    video_max_side: int = Field(default=640, ge=64)  # frame size of every derived WebM
    video_fps: float = Field(default=12.0, gt=0)  # frames kept per second in the derivatives
    video_detect_every_seconds: float = Field(default=1.0, gt=0)
    # One detection a second for the longest clip the door takes (limits.max_video_seconds):
    # faces are blocked only where a detection saw them.
    video_max_detections: int = Field(default=900, ge=1)
    sheet_frames: int = Field(default=9, ge=1, le=36)  # keyframes on the contact sheet
    # Worker: a job unacked this long is taken over by another worker; after this many
    # deliveries it ends `failed`.
    claim_idle_ms: int = Field(default=120_000, ge=1)
    max_attempts: int = Field(default=3, ge=1)
