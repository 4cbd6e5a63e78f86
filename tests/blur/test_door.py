"""The door refuses what must not come in, cheaply, with the contract's status and a reason."""

from __future__ import annotations

import resource
import time

import pytest

from blur import sniff
from blur.errors import MediaRejected
from blur.limits import MediaLimits
from tests import synthetic

LIMITS = MediaLimits()


@pytest.mark.parametrize(
    "ext,fmt", [(".jpg", "jpeg"), (".png", "png"), (".webp", "webp"), (".gif", "gif")]
)
def test_images_are_sniffed_from_their_bytes(ext: str, fmt: str) -> None:
    info = sniff.inspect(synthetic.encode(synthetic.scene(320, 200), ext), limits=LIMITS)
    assert (info.kind, info.format, info.width, info.height) == ("image", fmt, 320, 200)


@pytest.mark.parametrize("fmt", ["mp4", "webm"])
def test_videos_are_probed(fmt: str) -> None:
    info = sniff.inspect(synthetic.video(fmt, frames=12), limits=LIMITS)
    assert (info.kind, info.format, info.width, info.height) == ("video", fmt, 640, 360)
    assert info.seconds == pytest.approx(1.0, abs=0.2)


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><script>alert(1)</script></html>",
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b"#!/bin/sh\nrm -rf /\n",
        b"%PDF-1.7\n",
        b"\x1a\x45\xdf\xa3\x42\x82\x88matroska" + bytes(40),  # Matroska that is not WebM
    ],
)
def test_anything_else_is_415(data: bytes) -> None:
    with pytest.raises(MediaRejected) as e:
        sniff.inspect(data, limits=LIMITS)
    assert e.value.status == 415


def test_a_decompression_bomb_is_refused_from_its_header() -> None:
    bomb = synthetic.png_bomb(60_000)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(MediaRejected) as e:
        sniff.inspect(bomb, limits=LIMITS)
    assert time.perf_counter() - started < 0.5
    assert e.value.status == 422 and "60000x60000" in e.value.detail
    # ru_maxrss is in KiB on Linux; a decoded canvas would be 10 GB.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 50_000


def test_one_absurd_side_is_a_bomb_too() -> None:
    with pytest.raises(MediaRejected) as e:
        sniff.inspect(
            synthetic.png_bomb(30_000), limits=LIMITS.model_copy(update={"max_side": 20_000})
        )
    assert e.value.status == 422


def test_truncated_and_corrupt_images_are_422() -> None:
    whole = synthetic.jpeg(synthetic.scene(640, 480))
    png = synthetic.encode(synthetic.scene(64, 64), ".png")
    corrupt_png = png[:40] + bytes(len(png) - 52) + png[-12:]
    for data in (whole[: len(whole) // 2], corrupt_png, b"\xff\xd8\xff\xe0" + bytes(20)):
        with pytest.raises(MediaRejected) as e:
            sniff.inspect(data, limits=LIMITS)
        assert e.value.status == 422, data[:8]


def test_too_large_is_413_per_kind() -> None:
    small = LIMITS.model_copy(update={"max_image_bytes": 1000})
    with pytest.raises(MediaRejected) as e:
        sniff.inspect(synthetic.jpeg(synthetic.scene(640, 480)), limits=small)
    assert e.value.status == 413 and "1,000" in e.value.detail


def test_a_broken_video_is_422() -> None:
    clip = synthetic.video("mp4", frames=6)
    with pytest.raises(MediaRejected) as e:
        sniff.inspect(clip[:200], limits=LIMITS)
    assert e.value.status == 422


def test_an_empty_part_is_422() -> None:
    with pytest.raises(MediaRejected) as e:
        sniff.inspect(b"", limits=LIMITS)
    assert e.value.status == 422
