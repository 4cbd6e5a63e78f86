"""The `stylized` level: flat regions of tone with their edges drawn, in grayscale.

A drawing keeps what a reviewer needs to say what is depicted (outlines of people, objects, text)
and drops what makes a picture visceral (skin and wound texture, fine detail, colour). The filter
was chosen by measurement among four fast candidates (docs/views.md, `bench/blur.py`): the
picture is reduced to `work_side`, smoothed with a bilateral filter (which flattens texture but
stops at edges), quantised to a few tones; Canny edges of the smoothed picture are drawn in dark
lines, both softened by a 3 px blur; the result is enlarged to the served size. Everything heavy
runs on the small picture, so the cost hardly depends on the upload's size.
"""

from __future__ import annotations

import cv2
import numpy as np

# Bilateral filter on the small picture: a 7 px neighbourhood, tones closer than ~40 levels
# merge. Canny thresholds: the outlines of objects, not every ripple the filter left.
_BILATERAL = (7, 40, 7)
_CANNY = (40, 100)


def _fit_size(width: int, height: int, side: int) -> tuple[int, int]:
    scale = min(1.0, side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def quantise(gray: np.ndarray, tones: int) -> np.ndarray:
    """`tones` flat bands, each shown at its middle value."""
    step = 256 // tones
    lut = np.array([min(255, v // step * step + step // 2) for v in range(256)], np.uint8)
    return cv2.LUT(gray, lut)


def stylize(gray: np.ndarray, *, max_side: int, work_side: int = 640, tones: int = 8) -> np.ndarray:
    """The drawing of a grayscale picture, its long side at most `max_side`."""
    height, width = gray.shape[:2]
    small = cv2.resize(gray, _fit_size(width, height, work_side), interpolation=cv2.INTER_AREA)
    smooth = cv2.bilateralFilter(small, *_BILATERAL)
    # Both softened by a 3 px blur: hard one-pixel lines and band steps are high-frequency
    # energy of their own (measured: 3.8x the original's with them, 0.35x without), and
    # softened lines follow the original's outlines better (structure 0.73 -> 0.87).
    edges = cv2.GaussianBlur(cv2.Canny(smooth, *_CANNY), (3, 3), 0)
    tones_only = cv2.GaussianBlur(quantise(smooth, tones), (3, 3), 0)
    # Dark lines over flat tones: where an edge is, the tone goes to black.
    drawn = np.minimum(tones_only, cv2.bitwise_not(edges))
    size = _fit_size(width, height, max_side)
    if size == (drawn.shape[1], drawn.shape[0]):
        return drawn
    return cv2.resize(drawn, size, interpolation=cv2.INTER_LINEAR)
