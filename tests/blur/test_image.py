"""The three image levels: what a reviewer sees by default, and on purpose."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from blur import derive, image
from blur.config import BlurConfig
from blur.detect import Detection, Detector, _decode
from tests import synthetic

CONFIG = BlurConfig()


@pytest.fixture(scope="module")
def original() -> np.ndarray:
    return synthetic.scene(1920, 1080)


@pytest.fixture(scope="module")
def levels(original: np.ndarray) -> image.ImageLevels:
    data = synthetic.with_metadata(synthetic.jpeg(original))
    return image.derive(data, config=CONFIG, detector=None)


def _same_size(level: bytes, like: np.ndarray) -> np.ndarray:
    pixels = synthetic.decode(level, cv2.IMREAD_GRAYSCALE)
    return cv2.resize(pixels, (like.shape[1], like.shape[0]), interpolation=cv2.INTER_LINEAR)


def test_default_view_is_grayscale_and_loses_the_detail(
    original: np.ndarray, levels: image.ImageLevels
) -> None:
    blurred = synthetic.decode(levels.blurred)
    assert blurred.ndim == 2  # one channel: grayscale by construction
    gray = cv2.cvtColor(original, cv2.COLOR_BGR2GRAY)
    ratio = synthetic.sharpness(_same_size(levels.blurred, gray)) / synthetic.sharpness(gray)
    assert ratio < 0.05
    # Shapes stay: the blurred view still follows the picture's large-scale layout.
    coarse = cv2.resize(gray, (48, 27), interpolation=cv2.INTER_AREA).astype(float)
    seen = cv2.resize(blurred, (48, 27), interpolation=cv2.INTER_AREA).astype(float)
    assert np.corrcoef(coarse.ravel(), seen.ravel())[0, 1] > 0.9


def test_grayscale_level_is_sharp_and_colour_level_is_colour(
    original: np.ndarray, levels: image.ImageLevels
) -> None:
    gray_level = synthetic.decode(levels.grayscale)
    gray = cv2.cvtColor(original, cv2.COLOR_BGR2GRAY)
    assert gray_level.ndim == 2
    assert synthetic.sharpness(gray_level) > 0.6 * synthetic.sharpness(gray)
    color = synthetic.decode(levels.color)
    assert color.ndim == 3 and color.shape[:2] == original.shape[:2]
    assert float(np.abs(color[..., 0].astype(int) - color[..., 2]).mean()) > 10


def test_every_level_has_its_metadata_stripped(levels: image.ImageLevels) -> None:
    for data in (levels.blurred, levels.grayscale, levels.color):
        assert b"Exif" not in data
        assert b"GPSCAM-SECRET" not in data and b"COMMENT-SECRET" not in data


def test_orientation_is_applied() -> None:
    portrait = synthetic.with_metadata(synthetic.jpeg(synthetic.scene(400, 300)), orientation=6)
    levels = image.derive(portrait, config=CONFIG, detector=None)
    for data in (levels.blurred, levels.grayscale, levels.color):
        height, width = synthetic.decode(data).shape[:2]
        assert height > width


def test_huge_images_are_decoded_reduced_and_capped() -> None:
    big = synthetic.jpeg(synthetic.scene(6000, 4000))
    levels = image.derive(big, config=CONFIG, detector=None, size_hint=(6000, 4000))
    assert max(synthetic.decode(levels.color).shape[:2]) == CONFIG.max_side
    assert max(synthetic.decode(levels.blurred).shape[:2]) == CONFIG.blurred_max_side


def test_masked_regions_are_flat_in_grayscale_and_blurred() -> None:
    gray = cv2.cvtColor(synthetic.scene(800, 600), cv2.COLOR_BGR2GRAY)
    found = [
        Detection("FEMALE_BREAST_EXPOSED", 0.9, (100, 100, 200, 150)),
        Detection("FACE_FEMALE", 0.9, (500, 100, 100, 100)),  # not a masked class
    ]
    boxes = image.masked_boxes(found, CONFIG)
    assert boxes == [(100, 100, 200, 150)]
    image.mask(gray, boxes, scale=1.0)
    assert gray[100:250, 100:300].std() == 0
    assert gray[100:200, 500:600].std() > 0
    small = cv2.resize(gray, (400, 300))
    image.mask(small, boxes, scale=2.0)
    assert small[50:125, 50:150].std() == 0


def test_detections_become_sexual_labels_with_their_source() -> None:
    found = [
        Detection("BUTTOCKS_EXPOSED", 0.71, (0, 0, 10, 10)),
        Detection("FEMALE_GENITALIA_EXPOSED", 0.35, (0, 0, 10, 10)),  # below min_score
        Detection("FEET_EXPOSED", 0.99, (0, 0, 10, 10)),
    ]
    assert derive.labels(found, CONFIG) == [
        {
            "category": "sexual",
            "severity": 0.71,
            "source": "nudenet",
            "classes": ["BUTTOCKS_EXPOSED"],
        }
    ]
    assert derive.labels([], CONFIG) == []


def test_detector_decodes_boxes_into_the_callers_pixels() -> None:
    """Our NumPy post-processing of the model output: centre boxes, scaled, clipped, NMS'd."""
    output = np.zeros((1, 4 + 18, 2100), np.float32)
    output[0, :4, 0] = (160, 160, 64, 32)  # centre x, y, w, h in model pixels
    output[0, 4 + 2, 0] = 0.9  # BUTTOCKS_EXPOSED
    output[0, :4, 1] = (162, 160, 64, 32)  # an overlapping, weaker duplicate
    output[0, 4 + 2, 1] = 0.5
    (found,) = _decode(output, factor=2.0, width=640, height=480)
    assert found.label == "BUTTOCKS_EXPOSED" and found.score == pytest.approx(0.9)
    assert found.box == (256, 288, 128, 64)


def test_the_shipped_model_runs_offline_on_a_synthetic_image() -> None:
    detector = Detector(threads=1)
    found = detector.detect(synthetic.scene(640, 480))
    assert isinstance(found, list)
    assert all(d.label and 0 <= d.score <= 1 for d in found)
