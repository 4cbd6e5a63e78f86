"""The media pipeline on a 1080p JPEG, against raw OpenCV and NudeNet in the same run.

    python bench/blur.py [--rounds 30] [--uploads 40] [--json PATH] [--no-ingest]

Medians in ms of:
  floor_ms            raw OpenCV: one full decode and three JPEG encodes of the decoded picture
  pipeline_ms         the service's levels (blur.image.derive) without detection
  stylize_ms          the stylized filter alone on the decoded 1080p luma, before its encode
  detect_ms           nudenet.NudeDetector().detect on the decoded picture (NudeNet's own session)
  pipeline_detect_ms  every level as the worker makes them: blurred, stylized, grayscale, colour
                      with and without faces, detection, faces and regions filled, PDQ hash
  censor_ms           nudenet.NudeDetector().censor, file in and file out: the peer tool
Targets: pipeline_ms <= 1.3 x floor_ms; stylize_ms <= 0.5 x floor_ms;
pipeline_detect_ms <= 1.5 x floor_ms + detect_ms.

Then the stylized filter's candidates (docs/views.md): structure kept and detail kept against the
original (blur/measures.py), averaged over scikit-image's public-domain photos (astronaut,
coffee, chelsea, rocket; scikit-image is a bench and test need only) and a synthetic 1080p scene,
with each one's cost on the 1080p luma. `cv2.stylization` is timed once, as the slow reference.

Then ingest-to-queued through HTTP: a real uvicorn on a loopback port with one in-process media
worker, each upload a distinct 1080p JPEG, timed from the POST until GET says `queued`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from statistics import median, quantiles
from typing import Any

import cv2
import httpx
import nudenet
import numpy as np
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.main import create_app
from api.settings import Settings
from blur import detect, image, measures, stylize
from blur.config import BlurConfig
from embedded_redis import EmbeddedRedis
from tests.synthetic import scene

ADMIN_KEY = "bench-admin-key-0123456789abcdef0123456789"


def timed(fn: Callable[[], object], rounds: int) -> float:
    fn()  # warm up: first calls allocate and load
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return round(median(samples), 2)


def kernels(rounds: int) -> dict[str, float]:
    config = BlurConfig()
    quality = [cv2.IMWRITE_JPEG_QUALITY, config.jpeg_quality]
    data = cv2.imencode(".jpg", scene(1920, 1080), quality)[1].tobytes()
    decoded = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    peer = nudenet.NudeDetector()
    ours = detect.shared(threads=config.detector_threads)
    plain = config.model_copy(update={"detect": False})

    def floor() -> None:
        pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        for _ in range(3):
            cv2.imencode(".jpg", pixels, quality)

    luma = cv2.cvtColor(decoded, cv2.COLOR_BGR2GRAY)

    def stylized() -> None:
        stylize.stylize(
            luma,
            max_side=config.stylized_max_side,
            work_side=config.stylize_work_side,
            tones=config.stylize_tones,
        )

    with tempfile.TemporaryDirectory() as tmp:
        source, censored = Path(tmp, "in.jpg"), Path(tmp, "out.jpg")
        source.write_bytes(data)
        return {
            "floor_ms": timed(floor, rounds),
            "pipeline_ms": timed(lambda: image.derive(data, config=plain, detector=None), rounds),
            "stylize_ms": timed(stylized, rounds),
            "detect_ms": timed(lambda: peer.detect(decoded), rounds),
            "pipeline_detect_ms": timed(
                lambda: image.derive(data, config=config, detector=ours), rounds
            ),
            "censor_ms": timed(lambda: peer.censor(str(source), output_path=str(censored)), rounds),
            "detector_threads": config.detector_threads,
        }


def _fit(pixels: np.ndarray, side: int) -> np.ndarray:
    return image.fit(pixels, side)


def _served(drawn: np.ndarray, like: np.ndarray, side: int = 960) -> np.ndarray:
    height, width = like.shape[:2]
    scale = min(1.0, side / max(width, height))
    return cv2.resize(drawn, (round(width * scale), round(height * scale)))


def bilateral(gray: np.ndarray) -> np.ndarray:
    """The chosen filter, as the service runs it (blur/stylize.py)."""
    return stylize.stylize(gray, max_side=960, work_side=640, tones=8)


def bilateral_480(gray: np.ndarray) -> np.ndarray:
    return stylize.stylize(gray, max_side=960, work_side=480, tones=6)


def bilateral_hard(gray: np.ndarray) -> np.ndarray:
    """The chosen filter before its lines and tone steps were softened."""
    smooth = cv2.bilateralFilter(_fit(gray, 640), 7, 40, 7)
    lines = cv2.bitwise_not(cv2.Canny(smooth, 40, 100))
    return _served(np.minimum(stylize.quantise(smooth, 8), lines), gray)


def recursive_adaptive(gray: np.ndarray) -> np.ndarray:
    """Domain-transform smoothing (cv2.edgePreservingFilter) and adaptive-threshold lines."""
    small = cv2.cvtColor(_fit(gray, 640), cv2.COLOR_GRAY2BGR)
    smooth = cv2.edgePreservingFilter(small, flags=cv2.RECURS_FILTER, sigma_s=30, sigma_r=0.3)
    smooth = cv2.cvtColor(smooth, cv2.COLOR_BGR2GRAY)
    lines = cv2.adaptiveThreshold(
        cv2.medianBlur(smooth, 3), 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 9, 6
    )
    return _served(np.minimum(stylize.quantise(smooth, 8), lines), gray)


def median_adaptive(gray: np.ndarray) -> np.ndarray:
    """The classic cartoon: median blur, adaptive-threshold lines."""
    smooth = cv2.medianBlur(_fit(gray, 640), 5)
    lines = cv2.adaptiveThreshold(smooth, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 9, 5)
    return _served(np.minimum(stylize.quantise(smooth, 8), lines), gray)


def mean_shift(colour: np.ndarray) -> np.ndarray:
    """Mean-shift segmentation of the small colour picture, Canny lines."""
    smooth = cv2.cvtColor(cv2.pyrMeanShiftFiltering(_fit(colour, 640), 10, 24), cv2.COLOR_BGR2GRAY)
    drawn = np.minimum(stylize.quantise(smooth, 8), cv2.bitwise_not(cv2.Canny(smooth, 40, 100)))
    return _served(drawn, colour)


def reference(colour: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(cv2.stylization(colour), cv2.COLOR_BGR2GRAY)


def photos() -> dict[str, np.ndarray]:
    """Benign public-domain photos that ship inside scikit-image, and the synthetic scene."""
    import skimage.data  # a bench and test need only: not a dependency of the service

    found = {
        name: cv2.cvtColor(getattr(skimage.data, name)(), cv2.COLOR_RGB2BGR)
        for name in ("astronaut", "coffee", "chelsea", "rocket")
    }
    found["scene_1080p"] = scene(1920, 1080)
    return found


def candidates(rounds: int) -> dict[str, dict[str, float]]:
    """Structure and detail kept, mean over the photos; ms on the 1080p scene's luma."""
    config = BlurConfig()
    pictures = photos()
    big = pictures["scene_1080p"]
    big_gray = cv2.cvtColor(big, cv2.COLOR_BGR2GRAY)
    filters: dict[str, tuple[Callable[[np.ndarray], np.ndarray], bool]] = {
        "bilateral_canny_640 (chosen)": (bilateral, False),
        "bilateral_canny_480": (bilateral_480, False),
        "bilateral_canny_640_hard": (bilateral_hard, False),
        "recursive_adaptive_640": (recursive_adaptive, False),
        "median_adaptive_640": (median_adaptive, False),
        "meanshift_canny_640": (mean_shift, True),
        "cv2.stylization (reference)": (reference, True),
        "grayscale level": (lambda g: g, False),
        "blurred level": (
            lambda g: image.blur_gray(g, long_side=config.blur_long_side, max_side=960),
            False,
        ),
    }
    table = {}
    for name, (fn, wants_colour) in filters.items():
        scores = []
        for picture in pictures.values():
            source = picture if wants_colour else cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
            scores.append(measures.all_measures(picture, fn(source)))
        row = {key: round(float(np.mean([s[key] for s in scores])), 4) for key in scores[0]}
        source = big if wants_colour else big_gray
        slow = "stylization" in name or "meanshift" in name
        row["ms_1080p"] = timed(partial(fn, source), 1 if slow else rounds)
        table[name] = row
    return table


async def _until_queued(client: httpx.AsyncClient, key: str, item_id: str) -> None:
    """Poll tightly: the figure is the latency a vendor polling GET /v1/items would see."""
    while True:
        r = await client.get(f"/v1/items/{item_id}", headers=key_header(key))
        if r.json()["status"] != "processing":
            return
        await asyncio.sleep(0.002)


def key_header(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def ingest_latency(uploads: int) -> dict[str, float]:
    pictures = [
        cv2.imencode(".jpg", scene(1920, 1080, seed=n), [cv2.IMWRITE_JPEG_QUALITY, 90])[1]
        for n in range(uploads + 1)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        server = EmbeddedRedis(Path(tmp, "redis"))
        settings = Settings(
            redis_url=server.start(),
            data_dir=Path(tmp),
            admin_key=ADMIN_KEY,
            run_jobs=False,
            blur_workers=1,
            log_json=False,
        )
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="on"
        )
        web = uvicorn.Server(config)
        serving = asyncio.create_task(web.serve())
        try:
            while True:  # uvicorn offers no event for "listening"
                if web.started:
                    break
                await asyncio.sleep(0.01)
            port = web.servers[0].sockets[0].getsockname()[1]
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                admin = key_header(ADMIN_KEY)
                await client.post("/v1/vendors", headers=admin, json={"id": "v", "name": "V"})
                vendor = {"role": "vendor", "vendor": "v"}
                r = await client.post("/v1/keys", headers=admin, json=vendor)
                key = r.json()["key"]
                samples = []
                for n, picture in enumerate(pictures):
                    start = time.perf_counter()
                    r = await client.post(
                        "/v1/items",
                        headers=key_header(key),
                        files={"media": ("p.jpg", picture.tobytes(), "image/jpeg")},
                        data={"item": json.dumps({"external_id": f"bench-{n}"})},
                    )
                    assert r.status_code == 201, r.text
                    await _until_queued(client, key, r.json()["id"])
                    if n:  # the first one loads the detector
                        samples.append((time.perf_counter() - start) * 1000)
        finally:
            web.should_exit = True
            await serving
            server.stop()
    cuts = quantiles(samples, n=20)
    return {"ingest_p50_ms": round(median(samples), 1), "ingest_p95_ms": round(cuts[18], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--uploads", type=int, default=40)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-ingest", action="store_true", help="skip the HTTP ingest figure")
    args = parser.parse_args()
    result: dict[str, Any] = kernels(args.rounds)
    if not args.no_ingest:
        result.update(asyncio.run(ingest_latency(args.uploads)))
    floor, pipe, det = result["floor_ms"], result["pipeline_ms"], result["detect_ms"]
    both, drawn = result["pipeline_detect_ms"], result["stylize_ms"]
    print(f"{'measure (1080p JPEG)':<42}{'median ms':>10}")
    rows = [
        ("raw floor: decode + 3 JPEG encodes", floor, ""),
        ("pipeline, all levels, no detection", pipe, f"{pipe / floor:.2f} x floor (<= 1.30)"),
        ("stylized filter alone", drawn, f"{drawn / floor:.2f} x floor (<= 0.50)"),
        ("NudeDetector.detect alone", det, ""),
        (
            "pipeline with detection, faces, hash",
            both,
            f"{both / (1.5 * floor + det):.2f} x (1.5 floor + detect) (<= 1.00)",
        ),
        ("NudeDetector.censor (peer)", result["censor_ms"], ""),
    ]
    if not args.no_ingest:
        rows += [
            ("ingest to queued over HTTP, p50", result["ingest_p50_ms"], ""),
            ("ingest to queued over HTTP, p95", result["ingest_p95_ms"], ""),
        ]
    for name, value, note in rows:
        print(f"{name:<42}{value:>10.1f}  {note}")
    table = candidates(args.rounds)
    result["stylize_candidates"] = table
    print(
        f"\n{'stylized candidate':<30}{'structure':>10}{'edge F1':>9}{'HF kept':>9}"
        f"{'texture':>9}{'ms 1080p':>10}"
    )
    for name, row in table.items():
        print(
            f"{name:<30}{row['structure']:>10.3f}{row['edge_f1']:>9.3f}"
            f"{row['high_frequency']:>9.3f}{row['texture']:>9.4f}{row['ms_1080p']:>10.1f}"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
