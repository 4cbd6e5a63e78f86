"""The media pipeline on a 1080p JPEG, against raw OpenCV and NudeNet in the same run.

    python bench/blur.py [--rounds 30] [--uploads 40] [--json PATH]

Medians in ms of:
  floor_ms            raw OpenCV: one full decode and three JPEG encodes of the decoded picture
  pipeline_ms         the service's three levels (blur.image.derive) without detection
  detect_ms           nudenet.NudeDetector().detect on the decoded picture (NudeNet's own session)
  pipeline_detect_ms  the three levels with the service's detector (masks and labels included)
  censor_ms           nudenet.NudeDetector().censor, file in and file out: the peer tool
Targets: pipeline_ms <= 1.3 x floor_ms; pipeline_detect_ms <= pipeline_ms + 1.2 x detect_ms.

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
from pathlib import Path
from statistics import median, quantiles

import cv2
import httpx
import nudenet
import numpy as np
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.main import create_app
from api.settings import Settings
from blur import detect, image
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

    with tempfile.TemporaryDirectory() as tmp:
        source, censored = Path(tmp, "in.jpg"), Path(tmp, "out.jpg")
        source.write_bytes(data)
        return {
            "floor_ms": timed(floor, rounds),
            "pipeline_ms": timed(lambda: image.derive(data, config=plain, detector=None), rounds),
            "detect_ms": timed(lambda: peer.detect(decoded), rounds),
            "pipeline_detect_ms": timed(
                lambda: image.derive(data, config=config, detector=ours), rounds
            ),
            "censor_ms": timed(lambda: peer.censor(str(source), output_path=str(censored)), rounds),
            "detector_threads": config.detector_threads,
        }


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
    args = parser.parse_args()
    result: dict[str, float] = kernels(args.rounds)
    result.update(asyncio.run(ingest_latency(args.uploads)))
    floor, pipe, det = result["floor_ms"], result["pipeline_ms"], result["detect_ms"]
    both = result["pipeline_detect_ms"]
    print(f"{'measure (1080p JPEG)':<42}{'median ms':>10}")
    rows = [
        ("raw floor: decode + 3 JPEG encodes", floor, ""),
        ("pipeline, three levels, no detection", pipe, f"{pipe / floor:.2f} x floor (<= 1.30)"),
        ("NudeDetector.detect alone", det, ""),
        (
            "pipeline with detection",
            both,
            f"pipeline + {(both - pipe) / det:.2f} x detect (<= 1.20)",
        ),
        ("NudeDetector.censor (peer)", result["censor_ms"], ""),
        ("ingest to queued over HTTP, p50", result["ingest_p50_ms"], ""),
        ("ingest to queued over HTTP, p95", result["ingest_p95_ms"], ""),
    ]
    for name, value, note in rows:
        print(f"{name:<42}{value:>10.1f}  {note}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
