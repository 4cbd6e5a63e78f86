"""Safe versions of a video: blurred, stylized and sharp grayscale WebMs, a colour WebM with
faces blocked, and contact sheets of keyframes (blurred and stylized).

Every WebM is silent (OpenCV writes no audio) and VP8: this OpenCV build cannot encode H.264 and
browsers cannot play mp4v. Frames are thinned to `video_fps` and reduced to `video_max_side`.
NudeNet looks at one frame per `video_detect_every_seconds`. A frame between two detections is
masked with the boxes of both (held) and, for a face or region that moved, with its box
interpolated between them, so no frame shows what a neighbouring detection found: frames wait in
memory until the next detection (about a second of them); the last frame gets a detection of
its own, so the tail lies between two as well. The original file, metadata blanked
(strip.py), is `color_faces`, the one level with faces and sound; when no frame had a face,
it is the `color` level too, so a colour reveal keeps its sound. Only a video with a face gets
a second pass that writes the silent colour WebM with those faces blocked. The same pass hashes one
unmasked frame per second of footage with PDQ, as vPDQ does (blur/hashing.py).
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from blur import hashing, image, stylize
from blur.config import BlurConfig
from blur.detect import Detection, Detector
from blur.errors import DerivationFailed

_FOURCC = cv2.VideoWriter.fourcc(*"VP80")
_SHEET_TILE = 320  # long side of one keyframe on the contact sheet
_GRAY_LEVELS = ("blurred", "stylized", "grayscale")

Box = tuple[int, ...]


@dataclass(frozen=True)
class VideoLevels:
    blurred: bytes
    stylized: bytes
    grayscale: bytes
    color: bytes | None  # silent, faces blocked; None if no face was found (the original serves)
    faces: dict[int, list[Box]]  # frame index -> faces blocked in it
    sheet: bytes  # blurred keyframes
    stylized_sheet: bytes
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
    """One VP8 writer per level named; `color` is the one written in colour."""

    def __init__(
        self, directory: str, fps: float, size: tuple[int, int], names: tuple[str, ...]
    ) -> None:
        self.paths = {name: os.path.join(directory, f"{name}.webm") for name in names}
        self.writers = {
            name: cv2.VideoWriter(path, _FOURCC, fps, size, name == "color")
            for name, path in self.paths.items()
        }
        if not all(w.isOpened() for w in self.writers.values()):
            raise DerivationFailed("the WebM encoder is not available")

    def write(self, frames: dict[str, np.ndarray]) -> None:
        for name, frame in frames.items():
            self.writers[name].write(frame)

    def finish(self) -> dict[str, bytes]:
        for w in self.writers.values():
            w.release()
        return {name: Path(p).read_bytes() for name, p in self.paths.items()}


@dataclass
class _Found:
    """What one detection asked to block: exposed regions (not in colour) and faces (in all)."""

    regions: list[Box] = field(default_factory=list)
    faces: list[Box] = field(default_factory=list)


def _nearest(box: Box, others: list[Box]) -> Box | None:
    """The box in `others` that is most likely the same face or region a second later."""
    cx, cy = box[0] + box[2] / 2, box[1] + box[3] / 2
    best, reach = None, 2.0 * max(box[2], box[3])
    for other in others:
        distance = math.hypot(other[0] + other[2] / 2 - cx, other[1] + other[3] / 2 - cy)
        if distance <= reach:
            best, reach = other, distance
    return best


def between(before: list[Box], after: list[Box], t: float) -> list[Box]:
    """Boxes to fill in a frame `t` (0..1) of the way from one detection to the next: both
    sets held, plus each box that has a partner in the other set moved along the line to it."""
    boxes = [*before, *after]
    for box in before:
        partner = _nearest(box, after)
        if partner is not None:
            boxes.append(tuple(round(a + (b - a) * t) for a, b in zip(box, partner, strict=True)))
    return boxes


def derive(path: str, *, config: BlurConfig, detector: Detector | None) -> VideoLevels:
    capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    if not capture.isOpened():
        raise DerivationFailed("the video could not be opened")
    try:
        levels = _derive(capture, config, detector)
    finally:
        capture.release()
    if not levels.faces:
        return levels
    return replace(levels, color=_colour(path, config, levels.faces))


def _colour(path: str, config: BlurConfig, faces: dict[int, list[Box]]) -> bytes:
    """A second pass, only for a video with a face: the colour frames, faces blocked. A VP8
    encode costs as much as the decode and filters together, so a video with no face found
    does not pay for a colour WebM it would not use (its colour level is the original)."""
    capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    if not capture.isOpened():
        raise DerivationFailed("the video could not be opened")
    try:
        fps, size, step = _geometry(capture, config)
        with tempfile.TemporaryDirectory(prefix="safeshift-colour-") as tmp:
            writer = _Writers(tmp, fps / step, size, ("color",))
            index = -1
            while True:
                index += 1
                if index % step:
                    if not capture.grab():
                        break
                    continue
                ok, frame = capture.read()
                if not ok:
                    break
                frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
                image.mask(frame, faces.get(index, []), scale=1.0)
                writer.write({"color": frame})
            return writer.finish()["color"]
    finally:
        capture.release()


def _geometry(capture: cv2.VideoCapture, config: BlurConfig) -> tuple[float, tuple[int, int], int]:
    """Frame rate, derived frame size and the step between kept frames: the same in both passes."""
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
    width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
    height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    scale = min(1.0, config.video_max_side / max(width, height))
    size = (_even(width * scale), _even(height * scale))
    return fps, size, max(1, round(fps / config.video_fps))


class _Render:
    """Turns resized colour frames into every level's frame, and collects the sheets' tiles."""

    def __init__(
        self,
        config: BlurConfig,
        size: tuple[int, int],
        writers: _Writers,
        sheet_at: set[int],
        step: int,
    ) -> None:
        self.config, self.side, self.writers, self.sheet_at = config, max(size), writers, sheet_at
        self.step = step  # every step-th frame is written; the others are only looked at
        # Faces to block in each written frame: the colour pass (`_colour`) repeats them.
        self.faces: dict[int, list[Box]] = {}
        self.tiles: list[np.ndarray] = []
        self.stylized_tiles: list[np.ndarray] = []

    def frame(self, index: int, frame: np.ndarray, regions: list[Box], faces: list[Box]) -> None:
        config = self.config
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        levels = {
            "blurred": image.blur_gray(gray, long_side=config.blur_long_side, max_side=self.side),
            "stylized": stylize.stylize(
                gray,
                max_side=self.side,
                work_side=config.stylize_work_side,
                tones=config.stylize_tones,
            ),
            "grayscale": gray,
        }
        for name in _GRAY_LEVELS:
            image.mask(levels[name], regions + faces, scale=1.0)
        if index % self.step == 0:
            self.writers.write(levels)
            if faces:
                self.faces[index] = faces
        if index in self.sheet_at:
            self.tiles.append(image.fit(levels["blurred"], _SHEET_TILE))
            self.stylized_tiles.append(image.fit(levels["stylized"], _SHEET_TILE))


def _derive(
    capture: cv2.VideoCapture, config: BlurConfig, detector: Detector | None
) -> VideoLevels:
    fps, size, step = _geometry(capture, config)
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
    detect_step = max(1, round(fps * config.video_detect_every_seconds))
    hash_step = hashing.every_frame_for_a_second(fps)
    if total:
        detect_step = max(detect_step, math.ceil(total / config.video_max_detections))
    sheet_at = {int(i) for i in np.linspace(0, max(total - 1, 0), config.sheet_frames)}
    if not total:
        sheet_at = {int(i * fps) for i in range(config.sheet_frames)}
    detections: list[Detection] = []
    fingerprints: list[hashing.PdqHash] = []
    # Frames since the last detection wait here until the next one says what to block.
    pending: list[tuple[int, np.ndarray]] = []
    before, before_at = _Found(), 0

    def look(frame: np.ndarray) -> _Found:
        found = detector.detect(frame) if detector is not None else []
        detections.extend(found)
        return _Found(
            image.masked_boxes(found, config),
            image.face_boxes(found, config, size[0], size[1]),
        )

    def flush(after: _Found, after_at: int) -> None:
        span = max(1, after_at - before_at)
        for at, frame in pending:
            t = (at - before_at) / span
            render.frame(
                at,
                frame,
                between(before.regions, after.regions, t),
                between(before.faces, after.faces, t),
            )
        pending.clear()

    with tempfile.TemporaryDirectory(prefix="safeshift-video-") as tmp:
        writers = _Writers(tmp, fps / step, size, _GRAY_LEVELS)
        render = _Render(config, size, writers, sheet_at, step)
        index = -1
        while True:
            index += 1
            hashed = index % hash_step == 0
            detected = index % detect_step == 0
            used = index % step == 0 or detected or index in sheet_at
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
            if detected:
                now = look(frame)
                flush(now, index)
                before, before_at = now, index
            pending.append((index, frame))
        # The last stretch gets a detection of its own at its last frame, so that it too lies
        # between two detections (a face walking in after the last regular one is caught).
        if pending and pending[-1][0] != before_at:
            flush(look(pending[-1][1]), pending[-1][0])
        flush(before, before_at)
        encoded = render.writers.finish()
    if not render.tiles:
        raise DerivationFailed("no frame of the video could be decoded")
    return VideoLevels(
        blurred=encoded["blurred"],
        stylized=encoded["stylized"],
        grayscale=encoded["grayscale"],
        color=None,
        faces=render.faces,
        sheet=_sheet(render.tiles, config.jpeg_quality),
        stylized_sheet=_sheet(render.stylized_tiles, config.jpeg_quality),
        detections=detections,
        seconds=(index / fps) if fps else 0.0,
        pdq=fingerprints,
    )
