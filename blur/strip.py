"""Metadata out of original videos, without re-encoding them (the colour level keeps its sound).

Images are re-encoded from pixels, which drops every tag. A video's colour level is the original
file, so its metadata boxes are overwritten in place by zeroed padding of the same length:
offsets stay valid, players skip the padding, and GPS, device names and dates are gone.
"""

from __future__ import annotations

import struct

# MP4: user data, metadata and vendor (XMP) boxes, wherever players look for them.
_MP4_TAGS = {b"udta", b"meta", b"uuid"}
_MP4_DESCEND = {b"moov", b"trak", b"mdia"}
# WebM: Tags, Attachments; inside Info: Title, DateUTC, MuxingApp, WritingApp.
_WEBM_SEGMENT = 0x18538067
_WEBM_INFO = 0x1549A966
_WEBM_DROP = {0x1254C367, 0x1941A469, 0x7BA9, 0x4461, 0x4D80, 0x5741}
_VOID = 0xEC


def _mp4(buf: bytearray, start: int, end: int) -> None:
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", buf[pos : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= end:
            (size,) = struct.unpack(">Q", buf[pos + 8 : pos + 16])
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        if kind in _MP4_TAGS:
            buf[pos + 4 : pos + 8] = b"free"
            buf[pos + header : pos + size] = bytes(size - header)
        elif kind in _MP4_DESCEND:
            _mp4(buf, pos + header, pos + size)
        pos += size


def _vint(buf: bytearray, pos: int, keep_marker: bool) -> tuple[int, int]:
    first = buf[pos]
    length = 8 - first.bit_length() + 1 if first else 9
    if length > 8 or pos + length > len(buf):
        raise ValueError("bad EBML varint")
    value = first if keep_marker else first & ((1 << (8 - length)) - 1)
    for b in buf[pos + 1 : pos + length]:
        value = (value << 8) | b
    return value, length


def _void(buf: bytearray, pos: int, header: int, size: int) -> None:
    """Rewrite an element header as a Void header of the same length (content size unchanged)."""
    size_len = header - 1  # the Void ID is one byte, so its size varint takes the rest
    buf[pos] = _VOID
    buf[pos + 1 : pos + header] = (size | (1 << (7 * size_len))).to_bytes(size_len, "big")


def _webm(buf: bytearray, start: int, end: int) -> None:
    pos = start
    while pos < end:
        element, id_len = _vint(buf, pos, True)
        size, size_len = _vint(buf, pos + id_len, False)
        unknown = size == (1 << (7 * size_len)) - 1
        header = id_len + size_len
        if element in (_WEBM_SEGMENT, _WEBM_INFO):
            _webm(buf, pos + header, end if unknown else min(end, pos + header + size))
            if unknown:
                return
        elif unknown:  # an unknown-size cluster: the rest cannot be skipped safely
            return
        elif element in _WEBM_DROP and header - 1 <= 8:
            _void(buf, pos, header, size)
            buf[pos + header : pos + header + size] = bytes(size)
        pos += header + size


def video(data: bytes, fmt: str) -> bytes:
    """The same video with its metadata blanked; the input unchanged if it cannot be parsed."""
    buf = bytearray(data)
    try:
        if fmt == "mp4":
            _mp4(buf, 0, len(buf))
        elif fmt == "webm":
            _webm(buf, 0, len(buf))
    except (ValueError, IndexError, struct.error):
        return data
    return bytes(buf)
