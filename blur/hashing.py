"""Fingerprints that let the team recognise what it has already judged ("seen before").

Images and video frames get Meta's PDQ hash (256 bits, shown as 64 hex characters) and its
quality (0-100, how much gradient detail the picture has). Two hashes of the same picture after
re-encoding, resizing, a small watermark or a brightness shift stay within a few dozen bits of
each other; ThreatExchange matches at Hamming distance <= 31 and ignores hashes of quality < 50,
which a flat or nearly blank picture gets (its bits are noise, so it would match anything blank).

The hash is computed from pixels the worker has already decoded, never from a second decode, and
after shrinking them so the long side is `HASH_MAX_SIDE` pixels: PDQ reduces every picture to
64 x 64 internally, so a 1080p frame at full size costs ~10x more CPU than shrink and hash
together, for a hash ~10 bits away (bench/match.py).

Video follows vPDQ: one hash per second of footage, from the frame at every `int(fps)`-th index,
with its timestamp. A video matches a banked one when >= 80% of its hashes (of quality >= 50)
are within 31 bits of some frame of it.

Text items get an exact-duplicate key instead: the SHA-256 of the text after Unicode NFKC, case
folding and whitespace collapsing, so a copy that differs only in case, spacing or compatibility
characters (full-width letters, ligatures) gets the same key.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata

import cv2
import numpy as np
import pdqhash
from pydantic import BaseModel

HASH_MAX_SIDE = 512  # long side fed to PDQ; see the module docstring for why not full size
MATCH_DISTANCE = 31  # ThreatExchange's PDQ match threshold, in bits of 256
MIN_QUALITY = 50  # hashes below this quality are stored but never matched
VIDEO_MATCH_SHARE = 0.8  # vPDQ: share of a video's frame hashes that must match

# PDQ's reference tools print a hash as its sixteen 16-bit words, last word first, each word
# most significant bit first. The binding already returns the 256 bits in that order, so packing
# them big-endian gives the reference spelling (checked against ThreatExchange's test images).


class PdqHash(BaseModel):
    """One PDQ hash: an image's, or a video frame's with its time in the footage."""

    hash: str  # 64 lowercase hex characters, the reference tools' spelling
    quality: int  # 0-100; below MIN_QUALITY the hash is not matched
    at: float = 0.0  # seconds into the video (0 for an image)


def shrink(pixels: np.ndarray, max_side: int = HASH_MAX_SIDE) -> np.ndarray:
    """Long side max_side, by area averaging (what PDQ's own box filters approximate).

    Two steps: first by the largest whole factor that keeps max_side (OpenCV's fast path for
    INTER_AREA; the edge loses fewer pixels than the factor), then to exactly max_side. On a
    1080p picture that is ~30% cheaper than one step, on a 3840 px one ~4x; the hash stays within
    4 bits of the one-step hash (on ThreatExchange's test images, whose reference hashes the
    one-step shrink reproduces bit for bit).
    """
    height, width = pixels.shape[:2]
    factor = max(width, height) // max_side
    if factor >= 2:
        width, height = width // factor, height // factor
        whole = pixels[: height * factor, : width * factor]
        pixels = cv2.resize(whole, (width, height), interpolation=cv2.INTER_AREA)
    if max(width, height) <= max_side:
        return pixels
    scale = max_side / max(width, height)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def to_hex(bits: np.ndarray) -> str:
    """The binding's 256 bits as the reference tools' 64-character hex string."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq(pixels: np.ndarray, *, at: float = 0.0) -> PdqHash:
    """PDQ hash and quality of decoded pixels: BGR as OpenCV decodes, or their luma.

    PDQ hashes luma only (0.299 R + 0.587 G + 0.114 B, OpenCV's grayscale weights), so a caller
    that already has the grayscale picture passes it and saves shrinking two colour channels.
    """
    small = shrink(pixels)
    if small.ndim == 2:
        rgb = cv2.merge([small, small, small])  # the binding wants three channels
    else:
        rgb = cv2.cvtColor(small, cv2.COLOR_BGR2RGB)
    bits, quality = pdqhash.compute(rgb)
    return PdqHash(hash=to_hex(bits), quality=int(quality), at=round(at, 3))


def pack(hashes: list[PdqHash]) -> str:
    """The compact form for an item's `pdq` field: JSON `[[hash, quality, at], ...]`.

    About 80 bytes per hash instead of ~110 with field names; a 10-minute video stores 600.
    """
    rows = [[h.hash, h.quality, h.at] for h in hashes]
    return json.dumps(rows, separators=(",", ":"))


def unpack(text: str) -> list[PdqHash]:
    """The hashes `pack` wrote; an absent or empty field is no hashes."""
    if not text:
        return []
    return [PdqHash(hash=h, quality=q, at=at) for h, q, at in json.loads(text)]


def every_frame_for_a_second(fps: float) -> int:
    """vPDQ's stride: hash frame indices divisible by int(fps), at least every frame."""
    return max(1, int(fps))


def distance(a: str, b: str) -> int:
    """Hamming distance between two hex hashes, in bits."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def text_key(text: str) -> str:
    """SHA-256 hex of the text normalised so trivial variants of one text share a key.

    NFKC folds compatibility forms (full-width letters, ligatures, superscripts); case folding
    is stronger than lower() (German sharp s matches "ss"); it can leave text that NFKC would
    change again, so NFKC runs once more; then every run of Unicode whitespace becomes one space
    and the ends are trimmed.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return hashlib.sha256(" ".join(folded.split()).encode("utf-8")).hexdigest()
