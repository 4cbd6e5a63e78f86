"""The door: what an upload really is, and whether it may come in.

The type comes from the bytes, never from the filename or the Content-Type. Size is checked from
the header before any decoding, so a bomb costs microseconds; then the media is decoded once (at
reduced size for images, first frame for video) so that nothing undecodable is ever stored.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

import cv2
import numpy as np

from blur import errors, headers
from blur.limits import MediaLimits

# OpenCV's own guard, for anything that reaches a decoder some other way.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(1 << 28))


@dataclass(frozen=True)
class MediaInfo:
    kind: str  # image or video
    format: str
    mime: str
    width: int
    height: int
    seconds: float = 0.0


def _check_image(header: headers.Header, data: bytes, limits: MediaLimits) -> MediaInfo:
    width, height = header.width, header.height
    if width <= 0 or height <= 0:
        raise errors.undecodable(f"The {header.format} header gives a size of {width}x{height}.")
    if width > limits.max_side or height > limits.max_side or width * height > limits.max_pixels:
        raise errors.undecodable(
            f"The image claims {width}x{height} pixels; the limit is {limits.max_pixels:,} "
            f"pixels and {limits.max_side:,} per side (a decompression bomb is refused unread)."
        )
    if not headers.complete(header, data):
        raise errors.undecodable(f"The {header.format} file is truncated (no end marker).")
    flags = cv2.IMREAD_REDUCED_GRAYSCALE_4 if header.format == "jpeg" else cv2.IMREAD_GRAYSCALE
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if pixels is None or pixels.size == 0:
        raise errors.undecodable(f"The {header.format} data could not be decoded.")
    return MediaInfo("image", header.format, header.mime, width, height)


def _check_video(header: headers.Header, data: bytes, limits: MediaLimits) -> MediaInfo:
    with tempfile.NamedTemporaryFile(suffix=f".{header.format}") as f:
        f.write(data)
        f.flush()
        return probe_video(f.name, header, limits)


def probe_video(path: str, header: headers.Header, limits: MediaLimits) -> MediaInfo:
    """Open the container, check its frame size and length, decode the first frame."""
    capture = cv2.VideoCapture(path, cv2.CAP_FFMPEG)
    try:
        if not capture.isOpened():
            raise errors.undecodable(f"The {header.format} video could not be opened.")
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        frames = capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0.0
        if width <= 0 or height <= 0 or width * height > limits.max_video_pixels:
            raise errors.undecodable(
                f"The video's frames are {width}x{height}; the limit is "
                f"{limits.max_video_pixels:,} pixels per frame."
            )
        seconds = frames / fps if fps > 0 else 0.0
        if seconds > limits.max_video_seconds:
            raise errors.too_large(
                f"The video lasts {seconds:.0f} s; the limit is {limits.max_video_seconds:.0f} s."
            )
        ok, frame = capture.read()
        if not ok or frame is None:
            raise errors.undecodable(f"No frame of the {header.format} video could be decoded.")
    finally:
        capture.release()
    return MediaInfo("video", header.format, header.mime, width, height, seconds)


def inspect(data: bytes, *, limits: MediaLimits) -> MediaInfo:
    """Accept or refuse an upload (raises MediaRejected with the contract's status)."""
    if not data:
        raise errors.undecodable("The media part is empty.")
    if len(data) > limits.max_bytes:
        raise errors.too_large(
            f"The media is {len(data):,} bytes; the limit is {limits.max_bytes:,}."
        )
    try:
        header = headers.read(data)
    except headers.BadHeader as e:
        raise errors.undecodable(f"The media header is broken: {e}.") from e
    if header is None:
        raise errors.unsupported(
            "The bytes are not a JPEG, PNG, WebP or GIF image, nor an MP4 or WebM video "
            "(the type is read from the content, not the file name or Content-Type)."
        )
    limit = limits.max_image_bytes if header.kind == "image" else limits.max_video_bytes
    if len(data) > limit:
        raise errors.too_large(
            f"The {header.kind} is {len(data):,} bytes; the limit for {header.kind}s is {limit:,}."
        )
    if header.kind == "image":
        return _check_image(header, data, limits)
    return _check_video(header, data, limits)
