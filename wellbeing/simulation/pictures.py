"""Pictures for the viral-reupload scenario: synthetic originals and altered copies, hashed.

Nothing graphic and nothing downloaded: an original is a smooth random colour field with a
grating, shapes and noise, drawn from (seed, item) alone, 256-384 px a side so hashing is fast.
A copy is its original with a random mix of what re-uploaders do: a re-encode at low JPEG
quality, a resize, an account handle in a corner, a brightness shift. Every picture then goes
the way an upload goes through the media worker: JPEG-encoded, decoded, its grayscale hashed by
blur.hashing.pdq (the real PDQ). Whether a copy is found is therefore the real hash's answer,
not the simulator's: a copy altered too much is missed, as it would be in production.

A copy is made from its root original, not from the copy it was picked through: pixels are
never held for the whole day (2,000 pictures would be ~1 GB), only hashes, and an original is
drawn again when a copy needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import cv2
import numpy as np

from blur import hashing

ALTERATIONS = ("reencode", "resize", "watermark", "brightness")
HANDLE = "@viral_repost"


def original(seed: int, root: int) -> np.ndarray:
    """The BGR picture of item `root`, the same for a seed whoever asks."""
    rng = np.random.default_rng([seed, root, 0])
    width, height = (int(v) for v in rng.integers(256, 385, 2))
    grid = rng.integers(0, 256, (int(rng.integers(2, 7)), int(rng.integers(2, 7)), 3))
    field = cv2.resize(grid.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    # A grating, drawn at a quarter of the size and enlarged: smooth anyway, and 16x less work.
    ys, xs = np.mgrid[0 : height // 4, 0 : width // 4].astype(np.float32)
    theta, waves = rng.uniform(0, np.pi), rng.uniform(3, 25)
    stripes = np.sin((xs * np.cos(theta) + ys * np.sin(theta)) * 8 * np.pi * waves / width)
    stripes = cv2.resize(stripes * np.float32(rng.uniform(5, 40)), (width, height))
    field += stripes[..., None]
    pixels = np.clip(field, 0, 255).astype(np.uint8)
    for _ in range(int(rng.integers(4, 12))):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        radius = int(rng.integers(width // 20, width // 4))
        if rng.random() < 0.5:
            cv2.circle(pixels, centre, radius, colour, -1, cv2.LINE_AA)
        else:
            corner = (centre[0] + radius, centre[1] + int(rng.integers(4, radius + 5)))
            cv2.rectangle(pixels, centre, corner, colour, -1)
    noise = rng.standard_normal((height, width, 1), dtype=np.float32) * rng.uniform(2, 10)
    return np.clip(pixels + noise, 0, 255).astype(np.uint8)


def alter(pixels: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, int, list[str]]:
    """A re-upload: (pixels, JPEG quality of its upload, alterations applied; at least one)."""
    chosen = [name for name in ALTERATIONS if rng.random() < 0.5] or [str(rng.choice(ALTERATIONS))]
    out, quality = pixels, 90
    height, width = out.shape[:2]
    if "resize" in chosen:
        scale = rng.uniform(0.5, 0.85)
        size = (max(32, round(width * scale)), max(32, round(height * scale)))
        out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
    if "brightness" in chosen:
        shift = float(rng.uniform(15, 35)) * (1 if rng.random() < 0.5 else -1)
        out = np.clip(out.astype(np.int16) + round(shift), 0, 255).astype(np.uint8)
    if "watermark" in chosen:
        out = out.copy()
        h, w = out.shape[:2]
        scale = h * 0.045 / 22  # Hershey simplex capitals are ~22 px tall at scale 1
        thick = max(1, round(scale * 2))
        text_w = cv2.getTextSize(HANDLE, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)[0][0]
        at = (max(0, w - text_w - w // 40), h - h // 30)
        cv2.putText(out, HANDLE, at, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick * 3)
        cv2.putText(out, HANDLE, at, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick)
    if "reencode" in chosen:
        quality = int(rng.integers(25, 60))
    return out, quality, chosen


def uploaded_hash(pixels: np.ndarray, quality: int) -> hashing.PdqHash:
    """Hash as the media worker does: the upload's JPEG decoded, its grayscale hashed."""
    ok, data = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok, "OpenCV encodes any 8-bit BGR picture"
    decoded = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
    assert decoded is not None, "OpenCV decodes the JPEG it just encoded"
    return hashing.pdq(decoded)


def hashed(seed: int, index: int, root: int) -> hashing.PdqHash:
    """Item `index`'s hash: its own original when `index == root`, else a copy of `root`."""
    pixels = original(seed, root)
    if index == root:
        return uploaded_hash(pixels, 90)
    copy, quality, _ = alter(pixels, np.random.default_rng([seed, index, 1]))
    return uploaded_hash(copy, quality)


@lru_cache(maxsize=4)
def _packed(seed: int, items: tuple[tuple[int, int], ...]) -> dict[int, str]:
    return {index: hashing.pack([hashed(seed, index, root)]) for index, root in items}


def packed_hashes(seed: int, items: Sequence[tuple[int, int]]) -> dict[int, str]:
    """(index, root) pairs -> each item's `pdq` field (blur.hashing.pack's form), computed once
    per seed and day and kept in memory: every policy of a comparison, and a test asking again,
    reuses them (a day's ~2,000 pictures take tens of seconds to draw and hash)."""
    return _packed(seed, tuple(items))
