"""From an original in the store to its safe levels in the store (runs in a worker thread)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from blur import image, strip, video
from blur.config import BlurConfig
from blur.detect import Detection, Detector
from blur.hashing import PdqHash
from blur.store import MediaStore

# What the store keeps of an image, most protective first. `color` has faces blocked;
# `color_faces` is the one level with faces, for a reveal that asks for them on purpose.
IMAGE_LEVELS = ("blurred", "stylized", "grayscale", "color", "color_faces")
# A video's, made by blur/video.py; `color_faces` is the original (with its sound), metadata
# blanked. `color` is a silent colour WebM with faces blocked, or the original if no face was
# found. The WebMs OpenCV writes get their muxer tags blanked like an upload's.
VIDEO_LEVELS = (
    "blurred",
    "stylized",
    "grayscale",
    "color",
    "color_faces",
    "sheet",
    "stylized_sheet",
)


class DerivedMedia(BaseModel):
    levels: dict[str, str]  # level -> digest in the store
    mime: dict[str, str]  # level -> content type served
    labels: list[dict[str, Any]]  # detections as item labels, source "nudenet"
    # PDQ hashes of what was decoded: one for an image, one per second for a video (vPDQ).
    # Media that fails to derive produces no DerivedMedia, so it never has hashes.
    pdq: list[PdqHash] = []


def labels(detections: list[Detection], config: BlurConfig) -> list[dict[str, Any]]:
    """One `sexual` label for the exposed regions found, as severe as the surest detection."""
    exposed = [d for d in detections if d.label in config.masked_classes]
    exposed = [d for d in exposed if d.score >= config.min_score]
    if not exposed:
        return []
    return [
        {
            "category": "sexual",
            "severity": round(max(d.score for d in exposed), 2),
            "source": "nudenet",
            "classes": sorted({d.label for d in exposed}),
        }
    ]


def run(
    *,
    store: MediaStore,
    digest: str,
    kind: str,
    fmt: str,
    config: BlurConfig,
    detector: Detector | None,
) -> DerivedMedia:
    if kind == "image":
        levels = image.derive(store.read(digest), config=config, detector=detector)
        put = {name: store.put(getattr(levels, name)) for name in IMAGE_LEVELS}
        return DerivedMedia(
            levels=put,
            mime=dict.fromkeys(put, "image/jpeg"),
            labels=labels(levels.detections, config),
            pdq=[levels.pdq],
        )
    clip = video.derive(str(store.path(digest)), config=config, detector=detector)
    original = strip.video(store.read(digest), fmt)
    put = {
        "blurred": store.put(strip.video(clip.blurred, "webm")),
        "stylized": store.put(strip.video(clip.stylized, "webm")),
        "grayscale": store.put(strip.video(clip.grayscale, "webm")),
        "sheet": store.put(clip.sheet),
        "stylized_sheet": store.put(clip.stylized_sheet),
    }
    mime = dict.fromkeys(put, "video/webm")
    mime["sheet"] = mime["stylized_sheet"] = "image/jpeg"
    put["color_faces"] = store.put(original)
    mime["color_faces"] = "video/mp4" if fmt == "mp4" else "video/webm"
    if clip.color is None:  # no face anywhere: colour is the original, sound and all
        put["color"], mime["color"] = put["color_faces"], mime["color_faces"]
    else:
        put["color"], mime["color"] = store.put(strip.video(clip.color, "webm")), "video/webm"
    return DerivedMedia(levels=put, mime=mime, labels=labels(clip.detections, config), pdq=clip.pdq)
