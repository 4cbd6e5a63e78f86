"""Video levels: silent grayscale WebMs, a blurred keyframe sheet, and a stripped original."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from blur import strip, video
from blur.config import BlurConfig
from tests import synthetic


def _frames(path: Path) -> list:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_video_levels(fmt: str, tmp_path: Path) -> None:
    source = tmp_path / f"in.{fmt}"
    source.write_bytes(synthetic.video(fmt, frames=24, fps=12))
    levels = video.derive(str(source), config=BlurConfig(), detector=None)
    for name in ("blurred", "grayscale"):
        data = getattr(levels, name)
        assert data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:64]
        path = tmp_path / f"{name}.webm"
        path.write_bytes(data)
        frames = _frames(path)
        assert len(frames) >= 20
        # Decoded as BGR, but every channel equal: no colour survives.
        assert all(abs(int(f[..., 0].mean()) - int(f[..., 2].mean())) <= 2 for f in frames)
    assert b"A_OPUS" not in levels.grayscale and b"A_VORBIS" not in levels.grayscale  # silent
    original = _frames(source)[5]
    blurred = _frames(tmp_path / "blurred.webm")[5]
    gray = _frames(tmp_path / "grayscale.webm")[5]
    sharp = synthetic.sharpness(cv2.cvtColor(original, cv2.COLOR_BGR2GRAY))
    assert synthetic.sharpness(cv2.cvtColor(blurred, cv2.COLOR_BGR2GRAY)) < 0.05 * sharp
    assert synthetic.sharpness(cv2.cvtColor(gray, cv2.COLOR_BGR2GRAY)) > 0.3 * sharp
    sheet = synthetic.decode(levels.sheet)
    assert sheet.ndim == 2 and sheet.shape[0] > 100
    assert levels.seconds == pytest.approx(2.0, abs=0.2)


def test_original_video_metadata_is_blanked_and_still_plays(tmp_path: Path) -> None:
    for fmt in ("mp4", "webm"):
        data = synthetic.video(fmt, frames=12)
        assert b"Lavf" in data  # the muxer's name, as a camera's would be
        clean = strip.video(data, fmt)
        assert len(clean) == len(data) and b"Lavf" not in clean
        path = tmp_path / f"clean.{fmt}"
        path.write_bytes(clean)
        assert len(_frames(path)) == 12


def test_unparseable_video_is_left_alone() -> None:
    assert strip.video(b"\x00\x00\x00\x08ftyp", "mp4") == b"\x00\x00\x00\x08ftyp"
