"""Synthetic test media drawn with OpenCV and NumPy: no real photos, nothing graphic."""

from __future__ import annotations

import struct
import tempfile
import zlib
from pathlib import Path

import cv2
import numpy as np


def scene(width: int = 1920, height: int = 1080, seed: int = 1) -> np.ndarray:
    """A busy colour picture: textured background, shapes, text (plenty of fine detail)."""
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.integers(0, 255, (height, width, 3), np.uint8), (3, 3), 0)
    for _ in range(40):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.circle(img, centre, int(rng.integers(10, height // 5)), colour, -1)
    for row in range(0, height, max(40, height // 12)):
        cv2.putText(img, "SAFESHIFT 0123456789", (10, row), 0, 1.0, (255, 255, 255), 2)
    return img


def jpeg(img: np.ndarray, quality: int = 90) -> bytes:
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def encode(img: np.ndarray, ext: str) -> bytes:
    ok, buf = cv2.imencode(ext, img)
    assert ok
    return buf.tobytes()


def _exif(orientation: int, make: bytes) -> bytes:
    """A little-endian TIFF block: Orientation and Make (a stand-in for camera and GPS data)."""
    entries = 2
    make_offset = 8 + 2 + entries * 12 + 4
    ifd = struct.pack("<H", entries)
    ifd += struct.pack("<HHIHH", 0x0112, 3, 1, orientation, 0)
    ifd += struct.pack("<HHII", 0x010F, 2, len(make) + 1, make_offset)
    body = b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + make + b"\x00"
    return b"Exif\x00\x00" + body


def with_metadata(data: bytes, *, orientation: int = 1, make: bytes = b"GPSCAM-SECRET") -> bytes:
    """A JPEG with an EXIF segment (orientation, camera make) and a comment segment."""
    app1 = _exif(orientation, make)
    comment = b"COMMENT-SECRET location 48.85N 2.35E"
    return (
        data[:2]
        + b"\xff\xe1"
        + struct.pack(">H", len(app1) + 2)
        + app1
        + b"\xff\xfe"
        + struct.pack(">H", len(comment) + 2)
        + comment
        + data[2:]
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(side: int = 60_000) -> bytes:
    """A valid PNG header claiming side×side pixels, with a tiny compressed body."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    data = zlib.compress(b"\x00" * 65536, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def video(fmt: str = "mp4", *, frames: int = 36, fps: float = 12.0, size=(640, 360)) -> bytes:
    """A short moving-shapes clip, mp4 (mp4v) or webm (VP8)."""
    fourcc = cv2.VideoWriter.fourcc(*("mp4v" if fmt == "mp4" else "VP80"))
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / f"clip.{fmt}")
        writer = cv2.VideoWriter(path, fourcc, fps, size)
        assert writer.isOpened()
        for i in range(frames):
            frame = scene(*size, seed=i % 3)
            cv2.circle(frame, (20 + i * 12, size[1] // 2), 40, (0, 0, 255), -1)
            writer.write(frame)
        writer.release()
        return Path(path).read_bytes()


def sharpness(gray: np.ndarray) -> float:
    return float(cv2.Laplacian(gray, cv2.CV_64F).var())


def decode(data: bytes, flags: int = cv2.IMREAD_UNCHANGED) -> np.ndarray:
    img = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    assert img is not None
    return img
