"""Hypothesis against the media door and decoders: any bytes are accepted or refused, never crash.

Inputs are valid synthetic files with random corruption (flipped, truncated, spliced bytes) and
plain random bytes behind real magic numbers, so the fuzzer spends its time past the first check.
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from blur import headers, image
from blur.config import BlurConfig
from blur.errors import DerivationFailed, MediaRejected
from blur.limits import MediaLimits
from blur.sniff import inspect
from tests import synthetic

LIMITS = MediaLimits(max_image_bytes=2 << 20, max_video_bytes=4 << 20)
_SCENE = synthetic.scene(96, 64)
SEEDS = [
    synthetic.jpeg(_SCENE),
    synthetic.encode(_SCENE, ".png"),
    synthetic.encode(_SCENE, ".webp"),
    synthetic.encode(_SCENE, ".bmp"),  # a type the door does not take: 415, not a crash
]
VIDEOS = [
    synthetic.video("mp4", frames=6, size=(160, 120)),
    synthetic.video("webm", frames=6, size=(160, 120)),
]
MAGIC = [
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    b"\x1aE\xdf\xa3",
    b"\x00\x00\x00\x18ftypisom",
]


@st.composite
def corrupted(draw: st.DrawFn, seeds: list[bytes] = SEEDS) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        data = data[: draw(st.integers(1, len(data)))]
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(st.binary(max_size=64))
    return bytes(data)


@st.composite
def behind_magic(draw: st.DrawFn) -> bytes:
    return draw(st.sampled_from(MAGIC)) + draw(st.binary(max_size=512))


def _door(data: bytes) -> None:
    try:
        info = inspect(data, limits=LIMITS)
    except MediaRejected as e:
        assert e.status in (413, 415, 422) and e.detail
        return
    if info.kind == "image":  # accepted: the worker must make its levels or refuse cleanly
        with contextlib.suppress(DerivationFailed):
            image.derive(data, config=BlurConfig(detect=False), detector=None)


@seed(20261123)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted())
def test_corrupted_images_never_crash_the_door_or_the_worker(data: bytes) -> None:
    _door(data)


@seed(20261126)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corrupted(VIDEOS))
def test_corrupted_videos_are_accepted_or_refused_never_crash(data: bytes) -> None:
    _door(data)


@seed(20261124)
@settings(max_examples=300, deadline=None)
@given(st.one_of(behind_magic(), st.binary(max_size=256)))
def test_random_bytes_behind_magic_numbers_are_refused_cleanly(data: bytes) -> None:
    _door(data)


@seed(20261125)
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=128))
def test_the_header_reader_only_says_what_it_knows(data: bytes) -> None:
    with contextlib.suppress(headers.BadHeader):
        headers.read(data)


@pytest.mark.parametrize("data", SEEDS[:3] + VIDEOS)
def test_the_seeds_themselves_pass(data: bytes) -> None:
    assert inspect(data, limits=LIMITS).kind in ("image", "video")
