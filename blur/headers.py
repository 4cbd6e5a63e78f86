"""Read an image's type and size from its first bytes, without decoding a single pixel.

This is what refuses a decompression bomb cheaply: a 60000×60000 PNG is a few kilobytes on the
wire and 10 GB as a canvas, so its size must come from the header, before any decoder allocates.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


@dataclass(frozen=True)
class Header:
    format: str  # jpeg, png, webp, gif, mp4, webm
    kind: str  # image or video
    mime: str
    width: int = 0  # 0 for video: read from the stream by the decoder
    height: int = 0


class BadHeader(ValueError):
    """The bytes claim a format but its header is broken or truncated."""


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(data: bytes) -> tuple[int, int]:
    """Walk the marker segments up to the frame header (SOFn), which holds the size."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise BadHeader("JPEG marker expected")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _SOF:
            if pos + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        if marker == 0xDA or length < 2:  # scan data before a frame header: broken
            break
        pos += 2 + length
    raise BadHeader("no JPEG frame header (SOF) found")


def _png(data: bytes) -> tuple[int, int]:
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise BadHeader("PNG without an IHDR chunk")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _gif(data: bytes) -> tuple[int, int]:
    if len(data) < 10:
        raise BadHeader("GIF header truncated")
    width, height = struct.unpack("<HH", data[6:10])
    return width, height


def _webp(data: bytes) -> tuple[int, int]:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    raise BadHeader("WebP without a VP8, VP8L or VP8X chunk")


def _is_webm(data: bytes) -> bool:
    """An EBML document whose DocType is webm (other Matroska files are not accepted)."""
    return data[:4] == b"\x1a\x45\xdf\xa3" and b"\x42\x82\x84webm" in data[:64]


def _is_mp4(data: bytes) -> bool:
    return len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] != b"qt  "


def read(data: bytes) -> Header | None:
    """The header of a supported format, None for anything else (HTML, scripts, PDFs...)."""
    if data[:3] == b"\xff\xd8\xff":
        return Header("jpeg", "image", "image/jpeg", *_jpeg(data))
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return Header("png", "image", "image/png", *_png(data))
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return Header("gif", "image", "image/gif", *_gif(data))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return Header("webp", "image", "image/webp", *_webp(data))
    if _is_mp4(data):
        return Header("mp4", "video", "video/mp4")
    if _is_webm(data):
        return Header("webm", "video", "video/webm")
    return None


def complete(header: Header, data: bytes) -> bool:
    """Whether the file reaches its format's end marker: decoders pad truncated files silently."""
    tail = data[-4096:]
    if header.format == "jpeg":
        return b"\xff\xd9" in tail
    if header.format == "png":
        return b"IEND" in tail
    if header.format == "gif":
        return b"\x3b" in tail
    if header.format == "webp":
        (size,) = struct.unpack("<I", data[4:8])
        return size + 8 <= len(data)
    return True
