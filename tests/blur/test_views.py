"""The stylized level and blocked faces, on a public-domain photo and on synthetic media.

The photo is scikit-image's `astronaut` (public domain, NASA), shipped inside the scikit-image
wheel: a test and bench dependency only. NudeNet finds her face (FACE_FEMALE, ~0.8). The test
looks at the pixels each level serves, decoded as a browser would.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from blur import derive, detect, image, measures, stylize, video
from blur.config import BlurConfig
from blur.detect import Detection
from blur.store import MediaStore
from tests import synthetic

skimage_data = pytest.importorskip("skimage.data")

CONFIG = BlurConfig()
NON_COLOUR = ("blurred", "stylized", "grayscale", "color")  # every level a face is blocked in
FILL = 96  # blur/image.py's mask tone


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return cv2.cvtColor(skimage_data.astronaut(), cv2.COLOR_RGB2BGR)


@pytest.fixture(scope="module")
def detector() -> detect.Detector:
    return detect.shared(threads=1)


@pytest.fixture(scope="module")
def levels(astronaut: np.ndarray, detector: detect.Detector) -> image.ImageLevels:
    data = synthetic.with_metadata(synthetic.jpeg(astronaut))
    return image.derive(data, config=CONFIG, detector=detector)


def _face(levels: image.ImageLevels) -> tuple[int, int, int, int]:
    faces = [d for d in levels.detections if d.label in CONFIG.face_classes]
    assert faces, "NudeNet should find the astronaut's face"
    best = max(faces, key=lambda d: d.score)
    assert best.score >= CONFIG.face_min_score
    return best.box


def _inside(pixels: np.ndarray, box: tuple[int, ...], scale: float) -> np.ndarray:
    x, y, w, h = (v / scale for v in box)
    return pixels[int(y) : int(np.ceil(y + h)), int(x) : int(np.ceil(x + w))]


def test_every_level_but_color_faces_has_no_face_pixels_in_the_detected_box(
    astronaut: np.ndarray, levels: image.ImageLevels
) -> None:
    box = _face(levels)
    width = astronaut.shape[1]
    for name in NON_COLOUR:
        served = synthetic.decode(getattr(levels, name))
        region = _inside(served, box, scale=width / served.shape[1]).astype(float)
        # Solid fill, not blur: one tone up to JPEG ringing at the box's border.
        assert abs(float(np.median(region)) - FILL) <= 2, name
        assert float(region.std()) < 4, name
    original = synthetic.decode(levels.color_faces)
    assert float(_inside(original, box, scale=1.0).std()) > 20  # the face is there
    assert original.ndim == 3


def test_colour_with_faces_blocked_keeps_the_rest_in_colour(
    astronaut: np.ndarray, levels: image.ImageLevels
) -> None:
    color = synthetic.decode(levels.color)
    assert color.ndim == 3
    assert float(np.abs(color[..., 0].astype(int) - color[..., 2]).mean()) > 10
    # Outside the face the colour level is the original (up to JPEG).
    x, y, w, h = _face(levels)
    keep = np.ones(color.shape[:2], bool)
    keep[max(0, y - h) : y + 2 * h, max(0, x - w) : x + 2 * w] = False
    assert float(np.abs(color.astype(int) - astronaut)[keep].mean()) < 6


def test_stylized_keeps_structure_and_drops_texture_and_colour(
    astronaut: np.ndarray, levels: image.ImageLevels
) -> None:
    gray = cv2.cvtColor(astronaut, cv2.COLOR_BGR2GRAY)
    drawn = stylize.stylize(gray, max_side=960)  # the filter, before its encode
    assert drawn.ndim == 2
    assert measures.structure(astronaut, drawn) > 0.8
    assert measures.edge_f1(astronaut, drawn) > 0.8
    assert measures.high_frequency(astronaut, drawn) < 0.6
    assert measures.texture(astronaut, drawn) < 0.05
    # Served: JPEG ringing along the drawn lines is texture too, still far below grayscale's.
    encoded = synthetic.decode(image.encode_jpeg(drawn, CONFIG.jpeg_quality))
    plain = synthetic.decode(image.encode_jpeg(gray, CONFIG.jpeg_quality))
    assert measures.texture(astronaut, encoded) < 0.4 * measures.texture(astronaut, plain)
    served = synthetic.decode(levels.stylized)
    assert served.ndim == 2 and max(served.shape) <= CONFIG.stylized_max_side
    assert b"Exif" not in levels.stylized and b"GPSCAM-SECRET" not in levels.stylized
    assert b"COMMENT-SECRET" not in levels.stylized


def test_stylized_on_a_synthetic_scene_keeps_its_shapes() -> None:
    scene = synthetic.scene(1920, 1080)
    drawn = stylize.stylize(cv2.cvtColor(scene, cv2.COLOR_BGR2GRAY), max_side=960)
    assert drawn.shape == (540, 960)
    assert measures.structure(scene, drawn) > 0.6
    assert measures.texture(scene, drawn) < 0.05


def test_store_keeps_both_colour_levels(tmp_path: Path, astronaut: np.ndarray) -> None:
    store = MediaStore(tmp_path)
    digest = store.put(synthetic.jpeg(astronaut))
    result = derive.run(
        store=store,
        digest=digest,
        kind="image",
        fmt="jpeg",
        config=CONFIG,
        detector=detect.shared(threads=1),
    )
    assert set(result.levels) == set(derive.IMAGE_LEVELS)
    assert result.levels["color"] != result.levels["color_faces"]
    assert all(store.exists(d) for d in result.levels.values())


def test_a_face_moving_between_detections_is_interpolated() -> None:
    before = [(0, 0, 50, 50)]
    after = [(100, 0, 50, 50)]
    boxes = video.between(before, after, 0.5)
    assert (0, 0, 50, 50) in boxes and (100, 0, 50, 50) in boxes  # both held
    assert (50, 0, 50, 50) in boxes  # and where it was half-way
    assert video.between(before, [(600, 400, 50, 50)], 0.5) == [(0, 0, 50, 50), (600, 400, 50, 50)]


def _moving_astronaut(path: Path, frames: int, fps: float) -> list[np.ndarray]:
    """The astronaut sliding right across a dark 640x360 frame, about 100 px a second."""
    face = cv2.resize(cv2.cvtColor(skimage_data.astronaut(), cv2.COLOR_RGB2BGR), (300, 300))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"VP80"), fps, (640, 360))
    assert writer.isOpened()
    drawn = []
    for i in range(frames):
        frame = np.full((360, 640, 3), 30, np.uint8)
        x = int(i * 100 / fps)
        frame[30:330, x : x + 300] = face[:, : 640 - x][:, :300]
        writer.write(frame)
        drawn.append(frame)
    writer.release()
    return drawn


def _read(data: bytes, path: Path) -> list[np.ndarray]:
    path.write_bytes(data)
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


def test_no_video_frame_shows_a_face_a_detection_finds_there(tmp_path: Path) -> None:
    fps = 12.0
    source = tmp_path / "in.webm"
    originals = _moving_astronaut(source, frames=36, fps=fps)
    detector = detect.shared(threads=1)
    levels = video.derive(str(source), config=CONFIG, detector=detector)
    assert any(d.label in CONFIG.face_classes for d in levels.detections)
    served = {name: _read(getattr(levels, name), tmp_path / f"{name}.webm") for name in NON_COLOUR}
    assert all(len(frames) == len(originals) for frames in served.values())
    checked = 0
    for index, original in enumerate(originals):
        # Every frame, not only the detector's: what would a detection on this frame find?
        faces = image.face_boxes(
            [d for d in detector.detect(original) if isinstance(d, Detection)],
            CONFIG.model_copy(update={"face_margin": 0.0}),
            640,
            360,
        )
        for x, y, w, h in faces:
            inner = (x + w // 5, y + h // 5, w * 3 // 5, h * 3 // 5)  # VP8 blurs the border
            for name, frames in served.items():
                pixels = frames[index]
                region = _inside(cv2.cvtColor(pixels, cv2.COLOR_BGR2GRAY), inner, 1.0)
                assert abs(float(np.median(region)) - FILL) <= 6, (name, index)
                assert float(region.std()) < 10, (name, index)
            checked += 1
    assert checked >= 20
    assert synthetic.decode(levels.stylized_sheet).ndim == 2
    color = served["color"][5]
    assert float(np.abs(color[..., 0].astype(int) - color[..., 2]).mean()) > 5  # still colour


def test_video_store_keeps_every_level_and_colour_is_the_original_without_faces(
    tmp_path: Path,
) -> None:
    store = MediaStore(tmp_path)
    digest = store.put(synthetic.video("webm", frames=12))
    result = derive.run(
        store=store, digest=digest, kind="video", fmt="webm", config=CONFIG, detector=None
    )
    assert set(result.levels) == set(derive.VIDEO_LEVELS)
    assert result.levels["color"] == result.levels["color_faces"]  # no face: sound kept
    for name in ("blurred", "stylized", "grayscale"):
        assert result.mime[name] == "video/webm"
        assert b"Lavf" not in store.read(result.levels[name])  # muxer tags blanked
    assert result.mime["stylized_sheet"] == "image/jpeg"
