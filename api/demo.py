"""`safeshift serve --demo`: a vendor, a team, five reviewers and a few dozen synthetic items.

Everything goes through the same domain calls as the API, so the demo exercises the real paths.
The items are synthetic and benign: text that only *says* what label it carries, and images of
coloured shapes drawn with OpenCV.
"""

from __future__ import annotations

import random
from contextlib import suppress
from typing import Any

import cv2
import numpy as np
from redis.asyncio import Redis

from api.settings import Settings
from blur.limits import MediaLimits
from blur.store import MediaStore
from exposure import keys as exposure_keys
from scheduler import accounts, assignments, intake, queues
from scheduler.errors import AlreadyExists
from scheduler.items import ingest
from scheduler.models import DecisionIn, ItemIn, KeyIn, ReviewerIn, TeamIn, VendorIn
from scheduler.scripts import Scripts
from wellbeing import checkins
from wellbeing.errors import OnBreak

VENDOR, TEAM = "demo-vendor", "demo-team"
REVIEWERS = [
    ("ana", ["en", "es"]),
    ("ben", ["en"]),
    ("chen", ["en", "zh"]),
    ("dara", ["en", "fr"]),
    ("eli", ["en", "de"]),
]
_LABELS = [
    ("violence", 0.9),
    ("gore", 0.8),
    ("sexual", 0.6),
    ("hate", 0.5),
    ("harassment", 0.4),
    ("self_harm", 0.75),
    ("spam", 0.2),
    ("other", 0.1),
]


def synthetic_image(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    image = np.full((480, 640, 3), rng.integers(40, 200, 3), np.uint8)
    for _ in range(8):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        centre = (int(rng.integers(0, 640)), int(rng.integers(0, 480)))
        cv2.circle(image, centre, int(rng.integers(20, 120)), colour, -1)
    cv2.putText(image, f"DEMO {seed}", (30, 450), cv2.FONT_HERSHEY_SIMPLEX, 1.5, (255, 255, 255), 3)
    ok, data = cv2.imencode(".jpg", image)
    return bytes(data) if ok else b""


async def _ignore_existing(coro: Any) -> None:
    with suppress(AlreadyExists):
        await coro


async def seed(*, redis: Redis, settings: Settings, now: float, items: int = 36) -> dict[str, str]:
    """Create the demo world (idempotent) and return fresh keys by name."""
    scripts = Scripts(redis)
    await _ignore_existing(
        accounts.create_vendor(
            scripts=scripts, body=VendorIn(id=VENDOR, name="Demo vendor"), now=now
        )
    )
    await _ignore_existing(
        accounts.create_team(scripts=scripts, body=TeamIn(id=TEAM, name="Demo team"), now=now)
    )
    for name, langs in REVIEWERS:
        await _ignore_existing(
            accounts.create_reviewer(
                redis=redis,
                scripts=scripts,
                now=now,
                body=ReviewerIn(id=name, team=TEAM, languages=langs),
            )
        )
    # Who the work is for (issue 19): what reviewers see above every item.
    await accounts.set_display_name(
        redis=redis, vendor_id=VENDOR, name="Demo video platform", now=now, actor="demo"
    )
    await queues.set_purpose(
        redis=redis,
        queue="default",
        vendor=VENDOR,
        purpose="Reports of harmful posts on a video platform, for removal under its rules",
        now=now,
        actor="demo",
    )
    made = {
        "admin": KeyIn(role="admin"),
        "vendor": KeyIn(role="vendor", vendor=VENDOR),
        "lead": KeyIn(role="lead", team=TEAM),
        "counsellor": KeyIn(role="counsellor", team=TEAM),
    }
    made |= {name: KeyIn(role="reviewer", reviewer=name) for name, _ in REVIEWERS}
    keys = {
        n: (await accounts.create_key(redis=redis, body=b, now=now))["key"] for n, b in made.items()
    }
    await _items(redis, scripts, settings, now, items)
    await _history(redis, scripts, now)
    return keys


async def _history(redis: Redis, scripts: Scripts, now: float) -> None:
    """A morning of work for three reviewers and one low check-in, so the lead's dashboard has
    something to show. Done once: a restart of the demo finds it already there."""
    if await redis.exists(exposure_keys.totals("ana")):
        return
    rng = random.Random(11)
    for n in range(30):
        category, severity = _LABELS[n % len(_LABELS)]
        body = ItemIn(
            external_id=f"demo-past-{n}",
            labels=[{"category": category, "severity": severity}],  # type: ignore[list-item]
            text=f"Synthetic past post {n}, labelled {category} at {severity}.",
        )
        await ingest(
            redis=redis, scripts=scripts, vendor=VENDOR, body=body, media=None, now=now - 5 * 3600
        )
    when = now - 4 * 3600
    for n in range(30):
        reviewer = ("ana", "ben", "chen")[n % 3]
        when += rng.uniform(200, 500)
        with suppress(OnBreak):
            claimed = await assignments.claim(
                scripts=scripts, reviewer=reviewer, now=when, lease_seconds=300
            )
            if claimed is not None:
                decision = DecisionIn(verdict=rng.choice(["approve", "remove"]))  # type: ignore[arg-type]
                await assignments.decide(
                    scripts=scripts,
                    reviewer=reviewer,
                    assignment_id=claimed.assignment_id,
                    decision=decision,
                    now=when + rng.uniform(20, 240),
                )
    await checkins.record(
        scripts=scripts,
        reviewer_id="chen",
        team_id=TEAM,
        body=checkins.CheckinIn(mood=2, note="A hard queue this morning."),
        now=now - 600,
    )


async def _items(redis: Redis, scripts: Scripts, settings: Settings, now: float, n: int) -> None:
    rng = random.Random(7)
    store = MediaStore(settings.media_root)
    for i in range(n):
        category, severity = rng.choice(_LABELS)
        body = ItemIn(
            external_id=f"demo-{i}",
            priority=rng.randint(3, 7),
            sla_seconds=rng.choice([900, 3600, 14400]),
            labels=[{"category": category, "severity": severity}],  # type: ignore[list-item]
            text=f"Synthetic demo post {i}. Its label says {category} at {severity}.",
        )
        common = {
            "redis": redis,
            "scripts": scripts,
            "vendor": VENDOR,
            "now": now,
            "allow_private": True,
        }
        if i % 3 == 0:
            await intake.submit_media(
                store=store, limits=MediaLimits(), body=body, data=synthetic_image(i), **common
            )
        else:
            await intake.submit_text(body=body, **common)
