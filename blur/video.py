"""Safe versions of a video: blurred grayscale WebM, sharp grayscale WebM, a keyframe sheet.

Both WebMs are silent (OpenCV writes no audio) and VP8: this OpenCV build cannot encode H.264 and
browsers cannot play mp4v. Frames are thinned to `video_fps` and reduced to `video_max_side`.
NudeNet looks at one frame per `video_detect_every_seconds`; the regions it masks stay masked
until the next sampled frame. The colour level is the original file (see strip.py). The same pass
hashes one unmasked frame per second of footage with PDQ, as vPDQ does (blur/hashing.py).
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from blur import hashing, image
from blur.config import BlurConfig
from blur.detect import Detection, Detector
from blur.errors import DerivationFailed

_FOURCC = cv2.VideoWriter.fourcc(*"VP80")
_SHEET_TILE = 320  # long side of one keyframe on the contact sheet


@dataclass(frozen=True)
class VideoLevels:
    blurred: bytes
    grayscale: bytes
    sheet: bytes
    detections: list[Detection]
    seconds: float
    pdq: list[hashing.PdqHash]  # one per second of footage, in order


def _even(n: float) -> int:
    return max(2, int(n) // 2 * 2)


def _sheet(tiles: list[np.ndarray], quality: int) -> bytes:
    columns = math.ceil(math.sqrt(len(tiles)))
    rows = math.ceil(len(tiles) / columns)
    height, width = tiles[0].shape[:2]
    sheet = np.full((rows * height, columns * width), 0, np.uint8)
    for n, tile in enumerate(tiles):
        r, c = divmod(n, columns)
        sheet[r * height : (r + 1) * height, c * width : (c + 1) * width] = tile
    return image.encode_jpeg(sheet, quality)


class _Writers:
    def __init__(self, directory: str, fps: float, size: tuple[int, int]) -> None:
        self.paths = [os.path.join(directory, f"{name}.webm") for name in ("blurred", "gray")]
        self.writers = [cv2.VideoWriter(p, _FOURCC, fps, size, False) for p in self.paths]
        if not all(w.isOpened() for w in self.writers):
            raise DerivationFailed("the WebM encoder is not available")

    def write(self, blurred: np.ndarray, gray: np.ndarray) -> None:
        self.writers[0].write(blurred)
        self.writers[1].write(gray)

    def finish(self) -> tuple[bytes, bytes]:
        for w in self.writers:
            w.release()
        blurred, gray = (Path(p).read_bytes() for p in self.paths)
        return blurred, gray


def derive(path: str, *, config: BlurConfig, detector: Detector | None) -> VideoLevels:
    capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    if not capture.isOpened():
        raise DerivationFailed("the video could not be opened")
    try:
        return _derive(capture, config, detector)
    finally:
        capture.release()


def _derive(
    capture: cv2.VideoCapture, config: BlurConfig, detector: Detector | None
) -> VideoLevels:
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
    height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    scale = min(1.0, config.video_max_side / max(width, height))
    size = (_even(width * scale), _even(height * scale))
    step = max(1, round(fps / config.video_fps))
    detect_step = max(1, round(fps * config.video_detect_every_seconds))
    hash_step = hashing.every_frame_for_a_second(fps)
    if total:
        detect_step = max(detect_step, math.ceil(total / config.video_max_detections))
    sheet_at = {int(i) for i in np.linspace(0, max(total - 1, 0), config.sheet_frames)}
    if not total:
        sheet_at = {int(i * fps) for i in range(config.sheet_frames)}
    detections: list[Detection] = []
    boxes: list[tuple[int, ...]] = []
    tiles: list[np.ndarray] = []
    fingerprints: list[hashing.PdqHash] = []
    with tempfile.TemporaryDirectory(prefix="safeshift-video-") as tmp:
        writers = _Writers(tmp, fps / step, size)
        index = -1
        while True:
            index += 1
            hashed = index % hash_step == 0
            used = index % step == 0 or index % detect_step == 0 or index in sheet_at
            wanted = hashed or used
            if not (capture.read()[0] if wanted else capture.grab()):
                break
            if not wanted:
                continue
            ok, frame = capture.retrieve()
            if not ok:
                break
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            if hashed:  # before any mask: the footage as sent
                fingerprints.append(hashing.pdq(frame, at=index / fps))
                if not used:
                    continue
            if detector is not None and index % detect_step == 0:
                found = detector.detect(frame)
                detections.extend(found)
                boxes = image.masked_boxes(found, config)
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            blurred = image.blur_gray(gray, long_side=config.blur_long_side, max_side=max(size))
            image.mask(gray, boxes, scale=1.0)
            image.mask(blurred, boxes, scale=1.0)
            if index % step == 0:
                writers.write(blurred, gray)
            if index in sheet_at:
                tiles.append(image.fit(blurred, _SHEET_TILE))
        blurred_webm, gray_webm = writers.finish()
    if not tiles:
        raise DerivationFailed("no frame of the video could be decoded")
    return VideoLevels(
        blurred=blurred_webm,
        grayscale=gray_webm,
        sheet=_sheet(tiles, config.jpeg_quality),
        detections=detections,
        seconds=(index / fps) if fps else 0.0,
        pdq=fingerprints,
    )
