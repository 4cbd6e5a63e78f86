"""The levels of one image, most protective first: blurred (the default view), stylized,
grayscale, colour with faces blocked, and colour with faces (`color_faces`).

One decode serves them all. Blurring is shrink-blur-grow: the image is reduced so its long side
is `blur_long_side` pixels, lightly blurred, and enlarged back, which looks like a huge Gaussian
at a tiny fraction of its cost. The stylized level is a drawing (blur/stylize.py). Exposed
regions NudeNet finds are filled solid in every level but the two colour ones; faces it finds
are filled in every level but `color_faces`, which is shown only on a deliberate reveal.
Every output is re-encoded from pixels, so no EXIF, GPS or comment survives. The same decode
gives the PDQ hash of the unmasked picture (blur/hashing.py), so a re-upload can be recognised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from blur import hashing, stylize
from blur.config import BlurConfig
from blur.detect import Detection, Detector
from blur.errors import DerivationFailed

_MASK_GRAY = 96  # a flat, mid-dark fill: clearly a mask, not part of the scene


@dataclass(frozen=True)
class ImageLevels:
    blurred: bytes
    stylized: bytes
    grayscale: bytes
    color: bytes  # faces blocked
    color_faces: bytes  # nothing blocked: only for a deliberate reveal of faces
    detections: list[Detection]
    pdq: hashing.PdqHash


def _reduce_flag(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The largest JPEG DCT reduction (1/2, 1/4, 1/8) that still leaves max_side pixels."""
    for factor, flag in ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4)):
        if max(width, height) // factor >= max_side:
            return factor, flag
    if max(width, height) // 2 >= max_side:
        return 2, cv2.IMREAD_REDUCED_COLOR_2
    return 1, cv2.IMREAD_COLOR


def decode(data: bytes, *, max_side: int, size_hint: tuple[int, int] | None = None) -> np.ndarray:
    """BGR pixels, EXIF orientation applied, long side at most max_side."""
    flag = cv2.IMREAD_COLOR
    if size_hint is not None:
        _, flag = _reduce_flag(*size_hint, max_side)
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if pixels is None:
        raise DerivationFailed("the image could not be decoded")
    return fit(pixels, max_side)


def fit(pixels: np.ndarray, max_side: int) -> np.ndarray:
    height, width = pixels.shape[:2]
    if max(width, height) <= max_side:
        return pixels
    scale = max_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def blur_gray(gray: np.ndarray, *, long_side: int, max_side: int) -> np.ndarray:
    """Shapes stay, details go; strength is relative to the image, not a fixed kernel."""
    height, width = gray.shape[:2]
    scale = long_side / max(width, height)
    tiny = cv2.resize(
        gray,
        (max(2, round(width * scale)), max(2, round(height * scale))),
        interpolation=cv2.INTER_AREA,
    )
    tiny = cv2.GaussianBlur(tiny, (3, 3), 0)
    out_scale = min(1.0, max_side / max(width, height))
    size = (max(1, round(width * out_scale)), max(1, round(height * out_scale)))
    return cv2.resize(tiny, size, interpolation=cv2.INTER_CUBIC)


def mask(pixels: np.ndarray, boxes: Sequence[tuple[int, ...]], scale: float) -> None:
    """Fill each box (in coordinates of an image `scale` times this one) in place, solid."""
    for x, y, w, h in boxes:
        x0, y0 = int(x / scale), int(y / scale)
        x1, y1 = int(np.ceil((x + w) / scale)), int(np.ceil((y + h) / scale))
        pixels[max(0, y0) : y1, max(0, x0) : x1] = _MASK_GRAY


def encode_jpeg(pixels: np.ndarray, quality: int) -> bytes:
    ok, buf = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise DerivationFailed("the image could not be encoded")
    return buf.tobytes()


def masked_boxes(detections: Sequence[Detection], config: BlurConfig) -> list[tuple[int, ...]]:
    return [d.box for d in detections if d.label in config.masked_classes]


def face_boxes(
    detections: Sequence[Detection], config: BlurConfig, width: int, height: int
) -> list[tuple[int, ...]]:
    """Faces found, each grown by `face_margin` a side (hair, ears, a chin the box cut off)."""
    boxes = []
    for d in detections:
        if d.label not in config.face_classes or d.score < config.face_min_score:
            continue
        x, y, w, h = d.box
        dx, dy = w * config.face_margin, h * config.face_margin
        x0, y0 = max(0, int(x - dx)), max(0, int(y - dy))
        x1, y1 = min(width, int(np.ceil(x + w + dx))), min(height, int(np.ceil(y + h + dy)))
        boxes.append((x0, y0, x1 - x0, y1 - y0))
    return boxes


def derive(
    data: bytes,
    *,
    config: BlurConfig,
    detector: Detector | None,
    size_hint: tuple[int, int] | None = None,
) -> ImageLevels:
    color = decode(data, max_side=config.max_side, size_hint=size_hint)
    detections = detector.detect(color) if detector is not None else []
    height, width = color.shape[:2]
    faces = face_boxes(detections, config, width, height)
    boxes = masked_boxes(detections, config) + faces
    gray = cv2.cvtColor(color, cv2.COLOR_BGR2GRAY)
    fingerprint = hashing.pdq(gray)  # PDQ hashes luma; this is the picture as sent, unmasked
    blurred = blur_gray(gray, long_side=config.blur_long_side, max_side=config.blurred_max_side)
    drawn = stylize.stylize(
        gray,
        max_side=config.stylized_max_side,
        work_side=config.stylize_work_side,
        tones=config.stylize_tones,
    )
    quality = config.jpeg_quality
    color_faces = encode_jpeg(color, quality)
    if boxes:
        mask(blurred, boxes, scale=width / blurred.shape[1])
        mask(drawn, boxes, scale=width / drawn.shape[1])
        gray = gray.copy()
        mask(gray, boxes, scale=1.0)
    if faces:
        color = color.copy()
        mask(color, faces, scale=1.0)
    return ImageLevels(
        blurred=encode_jpeg(blurred, quality),
        stylized=encode_jpeg(drawn, quality),
        grayscale=encode_jpeg(gray, quality),
        color=encode_jpeg(color, quality) if faces else color_faces,
        color_faces=color_faces,
        detections=detections,
        pdq=fingerprint,
    )
