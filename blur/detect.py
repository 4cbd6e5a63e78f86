"""NudeNet, loaded once per process, offline, with the thread count we choose.

NudeNet's `NudeDetector()` builds its ONNX Runtime session with default options (every core,
whatever `providers` says), so we open the model file that ships in the wheel ourselves. Pre- and
post-processing are ours too: the image arrives already decoded and reduced, and the output is
decoded with NumPy instead of a Python loop over 2,100 candidate boxes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import nudenet
import numpy as np
import onnxruntime

# The order of the model's output classes (NudeNet 3.x, 320n.onnx).
CLASSES = (
    "FEMALE_GENITALIA_COVERED",
    "FACE_FEMALE",
    "BUTTOCKS_EXPOSED",
    "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED",
    "MALE_BREAST_EXPOSED",
    "ANUS_EXPOSED",
    "FEET_EXPOSED",
    "BELLY_COVERED",
    "FEET_COVERED",
    "ARMPITS_COVERED",
    "ARMPITS_EXPOSED",
    "FACE_MALE",
    "BELLY_EXPOSED",
    "MALE_GENITALIA_EXPOSED",
    "ANUS_COVERED",
    "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
)
MODEL = Path(nudenet.__file__).parent / "320n.onnx"
INPUT = 320  # the model's square input
_CANDIDATE_SCORE = 0.2  # as NudeNet: candidates below are dropped before NMS
_NMS_SCORE, _NMS_IOU = 0.25, 0.45


@dataclass(frozen=True)
class Detection:
    label: str
    score: float
    box: tuple[int, int, int, int]  # x, y, w, h in the caller's image


class Detector:
    def __init__(self, *, threads: int) -> None:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(MODEL), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name

    def detect(self, image: np.ndarray) -> list[Detection]:
        """Exposed and covered body regions in a BGR or grayscale image."""
        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
        height, width = bgr.shape[:2]
        side = max(width, height)
        scale = INPUT / side
        small = cv2.resize(bgr, (max(1, round(width * scale)), max(1, round(height * scale))))
        canvas = np.zeros((INPUT, INPUT, 3), np.uint8)
        canvas[: small.shape[0], : small.shape[1]] = small
        blob = cv2.dnn.blobFromImage(canvas, 1 / 255.0, (INPUT, INPUT), swapRB=True)
        (output,) = self.session.run(None, {self.input_name: blob})
        return _decode(output, side / INPUT, width, height)


def _decode(output: np.ndarray, factor: float, width: int, height: int) -> list[Detection]:
    rows = np.squeeze(output).T  # (candidates, 4 + classes)
    scores = rows[:, 4:]
    best = scores.argmax(axis=1)
    best_score = scores[np.arange(len(rows)), best]
    keep = best_score >= _CANDIDATE_SCORE
    rows, best, best_score = rows[keep], best[keep], best_score[keep]
    if not len(rows):
        return []
    cx, cy, w, h = (rows[:, i] * factor for i in range(4))
    x = np.clip(cx - w / 2, 0, width)
    y = np.clip(cy - h / 2, 0, height)
    w = np.minimum(w, width - x)
    h = np.minimum(h, height - y)
    boxes = np.stack([x, y, w, h], axis=1)
    chosen = cv2.dnn.NMSBoxes(boxes.tolist(), best_score.tolist(), _NMS_SCORE, _NMS_IOU)
    return [
        Detection(
            CLASSES[int(best[i])],
            float(best_score[i]),
            tuple(int(v) for v in boxes[i]),  # type: ignore[arg-type]
        )
        for i in np.array(chosen).reshape(-1)
    ]


_lock = threading.Lock()
_detectors: dict[int, Detector] = {}


def shared(*, threads: int) -> Detector:
    """One model per process and thread setting: ONNX Runtime sessions are safe to share."""
    with _lock:
        if threads not in _detectors:
            _detectors[threads] = Detector(threads=threads)
        return _detectors[threads]
