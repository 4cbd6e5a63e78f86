"""Seen before, the hashes: real pdqhash on pictures decoded by real OpenCV, nothing mocked.

Altered copies must stay within the match distance (31 bits) of their original, distinct
pictures must not, and a blank picture must be flagged as unmatchable (quality < 50). Video gets
one hash per second from the pass that makes its safe levels; the worker hands them on with the
derivatives, and a failed item has none.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
import redis.asyncio as aioredis

from blur import derive, hashing, image, video
from blur.config import BlurConfig
from blur.derive import DerivedMedia
from blur.store import MediaStore
from blur.worker import BlurWorker, enqueue
from tests import synthetic

PLAIN = BlurConfig(detect=False)


def uploaded(pixels: np.ndarray, quality: int = 90) -> hashing.PdqHash:
    """The hash the worker records for these pixels sent as a JPEG."""
    return image.derive(synthetic.jpeg(pixels, quality), config=PLAIN, detector=None).pdq


def landscape(seed: int, width: int = 1280, height: int = 720) -> np.ndarray:
    """A smooth colour field with a few soft shapes: a calmer picture than synthetic.scene."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (4, 6, 3)).astype(np.uint8)
    pixels = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    for _ in range(6):
        centre = (int(rng.integers(0, width)), int(rng.integers(0, height)))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        cv2.circle(pixels, centre, int(rng.integers(20, height // 3)), colour, -1, cv2.LINE_AA)
    return pixels


def altered(pixels: np.ndarray) -> dict[str, bytes]:
    height, width = pixels.shape[:2]
    marked = pixels.copy()
    corner = (int(width * 0.7), int(height * 0.95))
    cv2.putText(marked, "@reposter", corner, cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 3)
    half = cv2.resize(pixels, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
    return {
        "jpeg30": synthetic.jpeg(pixels, 30),
        "half": synthetic.jpeg(half),
        "watermark": synthetic.jpeg(marked),
        "brighter": synthetic.jpeg(cv2.add(pixels, np.full_like(pixels, 25))),
        "png": synthetic.encode(pixels, ".png"),
    }


@pytest.mark.parametrize("picture", [synthetic.scene(1280, 720, seed=5), landscape(7)])
def test_altered_copies_stay_within_the_match_distance(picture: np.ndarray) -> None:
    original = uploaded(picture)
    assert re.fullmatch("[0-9a-f]{64}", original.hash)
    assert original.quality >= hashing.MIN_QUALITY
    for name, data in altered(picture).items():
        copy = image.derive(data, config=PLAIN, detector=None).pdq
        assert hashing.distance(original.hash, copy.hash) <= hashing.MATCH_DISTANCE, name


def test_distinct_pictures_are_far_apart() -> None:
    pictures = [synthetic.scene(640, 360, seed=s) for s in (1, 2, 3)] + [
        landscape(s, 640, 360) for s in (11, 12, 13)
    ]
    hashes = [hashing.pdq(p).hash for p in pictures]
    for i, a in enumerate(hashes):
        for b in hashes[i + 1 :]:
            assert hashing.distance(a, b) > 2 * hashing.MATCH_DISTANCE


def test_a_flat_picture_is_too_plain_to_match() -> None:
    grey = np.full((720, 1280, 3), 128, np.uint8)
    assert uploaded(grey).quality < hashing.MIN_QUALITY
    ramp = np.tile(np.linspace(0, 255, 1280, dtype=np.uint8), (720, 1))
    assert hashing.pdq(ramp).quality < hashing.MIN_QUALITY  # one gentle gradient, no detail


def test_grayscale_and_colour_give_the_same_hash() -> None:
    """The image path hashes the grayscale it already made; PDQ looks at nothing else."""
    picture = landscape(3)
    gray = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
    assert hashing.distance(hashing.pdq(picture).hash, hashing.pdq(gray).hash) <= 2


def test_shrink_keeps_the_long_side_at_512() -> None:
    assert hashing.shrink(np.zeros((1080, 1920), np.uint8)).shape == (288, 512)
    assert hashing.shrink(np.zeros((1920, 1080, 3), np.uint8)).shape == (512, 288, 3)
    small = np.zeros((100, 200, 3), np.uint8)
    assert hashing.shrink(small) is small


def test_packed_hashes_round_trip_compactly() -> None:
    hashes = [hashing.PdqHash(hash="0f" * 32, quality=87, at=t) for t in (0.0, 1.0, 2.002)]
    packed = hashing.pack(hashes)
    assert packed.startswith('[["0f0f') and " " not in packed
    assert len(packed) < 80 * len(hashes)
    assert hashing.unpack(packed) == hashes
    assert hashing.unpack("") == [] and hashing.unpack(hashing.pack([])) == []


def test_distance_counts_differing_bits() -> None:
    zero = "0" * 64
    assert hashing.distance(zero, zero) == 0
    assert hashing.distance(zero, "f" * 64) == 256
    assert hashing.distance(zero, "0" * 63 + "7") == 3


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Buy NOW", "buy now"),
        ("  buy\tnow \n", "buy now"),
        ("buy\u00a0\u2003now", "buy now"),  # no-break and em spaces are whitespace
        ("\uff22\uff55\uff59 now", "buy now"),  # full-width letters (NFKC)
        ("\ufb01ne", "fine"),  # the fi ligature (NFKC)
        ("STRASSE", "straße"),  # case folding, not lower(): sharp s folds to ss
        ("Cafe\u0301", "café"),  # combining accent composes (NFKC)
    ],
)
def test_text_key_ignores_case_width_and_spacing(a: str, b: str) -> None:
    assert hashing.text_key(a) == hashing.text_key(b)


def test_text_key_is_sha256_hex_and_tells_texts_apart() -> None:
    key = hashing.text_key("buy now")
    assert re.fullmatch("[0-9a-f]{64}", key)
    assert key != hashing.text_key("buy no w")
    assert key != hashing.text_key("buy now!")
    assert hashing.text_key("") == hashing.text_key(" \n\t ")


@pytest.mark.parametrize(("fps", "frames"), [(12.0, 36), (25.0, 75)])
def test_video_gets_one_hash_per_second(tmp_path: Path, fps: float, frames: int) -> None:
    """At 25 fps the derivatives keep every 2nd frame; the hash frames (0, 25, 50) come too."""
    source = tmp_path / "clip.mp4"
    source.write_bytes(synthetic.video("mp4", frames=frames, fps=fps))
    levels = video.derive(str(source), config=PLAIN, detector=None)
    assert [h.at for h in levels.pdq] == [0.0, 1.0, 2.0]
    assert all(re.fullmatch("[0-9a-f]{64}", h.hash) for h in levels.pdq)
    assert all(h.quality >= hashing.MIN_QUALITY for h in levels.pdq)
    # The clip's frame at one second is the same picture as that frame hashed on its own.
    capture = cv2.VideoCapture(str(source))
    capture.set(cv2.CAP_PROP_POS_FRAMES, int(fps))
    ok, frame = capture.read()
    capture.release()
    assert ok
    alone = hashing.pdq(frame)
    assert hashing.distance(alone.hash, levels.pdq[1].hash) <= hashing.MATCH_DISTANCE


def test_derived_media_carries_the_hash(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    picture = landscape(21)
    digest = store.put(synthetic.jpeg(picture))
    result = derive.run(
        store=store, digest=digest, kind="image", fmt="jpeg", config=PLAIN, detector=None
    )
    assert len(result.pdq) == 1 and result.pdq[0].at == 0.0
    assert result.pdq[0].hash == hashing.pdq(image.decode(store.read(digest), max_side=2560)).hash
    assert json.loads(result.model_dump_json())["pdq"][0]["hash"] == result.pdq[0].hash


async def test_worker_hands_on_hashes_and_none_for_a_failed_item(
    redis: aioredis.Redis, tmp_path: Path
) -> None:
    store = MediaStore(tmp_path)
    good = store.put(synthetic.jpeg(landscape(31)))
    broken = store.put(b"\xff\xd8\xff\xe0 not really a jpeg" + b"\x00" * 64)
    done: dict[str, DerivedMedia] = {}
    failed: dict[str, str] = {}
    stop = asyncio.Event()

    async def on_done(item_id: str, result: DerivedMedia) -> None:
        done[item_id] = result
        if len(done) + len(failed) == 2:
            stop.set()

    async def on_failed(item_id: str, reason: str) -> None:
        failed[item_id] = reason
        if len(done) + len(failed) == 2:
            stop.set()

    worker = BlurWorker(
        redis=redis,
        store=store,
        config=PLAIN,
        on_done=on_done,
        on_failed=on_failed,
        consumer="test",
        block_ms=50,
    )
    await enqueue(redis=redis, item_id="good", digest=good, kind="image", fmt="jpeg")
    await enqueue(redis=redis, item_id="broken", digest=broken, kind="image", fmt="jpeg")
    await asyncio.wait_for(worker.run(stop), timeout=60)
    assert set(done) == {"good"} and set(failed) == {"broken"}
    (fingerprint,) = done["good"].pdq
    assert fingerprint.quality >= hashing.MIN_QUALITY
    assert re.fullmatch("[0-9a-f]{64}", fingerprint.hash)
