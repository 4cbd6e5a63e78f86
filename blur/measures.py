"""How much of a picture's structure a derived level keeps, and how much of its detail.

The `stylized` filter was chosen with these (docs/views.md), and tests hold it to them. Both
images are compared in grayscale at the same size, so a level served smaller is not penalised
for its size alone.

- `structure`: correlation of Sobel gradient magnitudes at a 480 px scale, after a light blur:
  do the outlines (shapes, people, objects, lettering) sit where they sat in the original?
- `edge_f1`: F1 of Canny edges of both, matched within 2 px at that scale.
- `high_frequency`: energy of the 2-D spectrum beyond a quarter of the band, as a share of the
  original's at 960 px. Drawn lines are sharp, so a drawing can score above 1 here.
- `texture`: Laplacian energy away from any edge of either image (7 px clear), as a share of
  the original's: the skin, blood and fabric detail a drawing should flatten.
"""

from __future__ import annotations

import cv2
import numpy as np

_STRUCTURE_SIDE = 480
_DETAIL_SIDE = 960


def _gray(pixels: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY) if pixels.ndim == 3 else pixels


def _pair(original: np.ndarray, level: np.ndarray, side: int) -> tuple[np.ndarray, np.ndarray]:
    a = _gray(original)
    height, width = a.shape[:2]
    scale = min(1.0, side / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resize = cv2.INTER_AREA
    return cv2.resize(a, size, interpolation=resize), cv2.resize(
        _gray(level), size, interpolation=resize
    )


def structure(original: np.ndarray, level: np.ndarray) -> float:
    a, b = _pair(original, level, _STRUCTURE_SIDE)

    def magnitude(g: np.ndarray) -> np.ndarray:
        g = cv2.GaussianBlur(g.astype(np.float32), (0, 0), 1.5)
        return cv2.magnitude(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))

    ma, mb = magnitude(a).ravel(), magnitude(b).ravel()
    if ma.std() == 0 or mb.std() == 0:
        return 0.0
    return float(np.corrcoef(ma, mb)[0, 1])


def edge_f1(original: np.ndarray, level: np.ndarray) -> float:
    a, b = _pair(original, level, _STRUCTURE_SIDE)
    ea = cv2.Canny(cv2.GaussianBlur(a, (5, 5), 0), 50, 120) > 0
    eb = cv2.Canny(cv2.GaussianBlur(b, (5, 5), 0), 50, 120) > 0
    near = np.ones((5, 5), np.uint8)
    near_a = cv2.dilate(ea.astype(np.uint8), near) > 0
    near_b = cv2.dilate(eb.astype(np.uint8), near) > 0
    precision = (eb & near_a).sum() / max(1, eb.sum())
    recall = (ea & near_b).sum() / max(1, ea.sum())
    return float(2 * precision * recall / max(1e-9, precision + recall))


def high_frequency(original: np.ndarray, level: np.ndarray) -> float:
    a, b = _pair(original, level, _DETAIL_SIDE)

    def energy(g: np.ndarray) -> float:
        f = g.astype(np.float32) - float(g.mean())
        power = np.abs(np.fft.fft2(f)) ** 2
        fy = np.abs(np.fft.fftfreq(g.shape[0]))[:, None] * 2  # 1.0 is the Nyquist frequency
        fx = np.abs(np.fft.fftfreq(g.shape[1]))[None, :] * 2
        return float(power[np.hypot(fy, fx) > 0.25].sum())

    return energy(b) / max(1e-9, energy(a))


def texture(original: np.ndarray, level: np.ndarray) -> float:
    a, b = _pair(original, level, _DETAIL_SIDE)
    edges = cv2.Canny(cv2.GaussianBlur(a, (5, 5), 0), 50, 120) | cv2.Canny(b, 50, 120)
    clear = cv2.dilate(edges, np.ones((7, 7), np.uint8)) == 0
    la = cv2.Laplacian(a, cv2.CV_32F)[clear]
    lb = cv2.Laplacian(b, cv2.CV_32F)[clear]
    return float((lb**2).sum() / max(1e-9, float((la**2).sum())))


def all_measures(original: np.ndarray, level: np.ndarray) -> dict[str, float]:
    return {
        "structure": round(structure(original, level), 3),
        "edge_f1": round(edge_f1(original, level), 3),
        "high_frequency": round(high_frequency(original, level), 3),
        "texture": round(texture(original, level), 4),
    }
