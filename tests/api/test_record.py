"""A record the reviewer owns, through HTTP: who may read it, its JSON and CSV, the dates it
takes, and a signature anyone can check offline with only `cryptography`, across rotations."""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from record import keys as record_keys
from tests.api.conftest import Api, make_app
from tests.api.test_queue import claim, decide
from tests.conftest import FakeClock

VIOLENT = [{"category": "violence", "severity": 0.9}, {"category": "spam", "severity": 0.2}]
TODAY = "2026-11-18"  # the FakeClock's day (UTC)


async def work(api: Api, key: str, seconds: float) -> None:
    a = await claim(api, key)
    assert a is not None
    api.clock.advance(seconds)
    assert await decide(api, key, a["id"]) == 200


async def record(api: Api, key: str, query: str = "", **headers: str) -> httpx.Response:
    return await api.client.get(
        f"/v1/me/record{query}", headers={"Authorization": f"Bearer {key}", **headers}
    )


def verify(signed: dict[str, str], published: list[dict[str, Any]]) -> dict[str, Any]:
    """What the README shows a doctor's or lawyer's helper: only `cryptography` and the keys."""
    public = next(k["public_key"] for k in published if k["key_id"] == signed["key_id"])
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public))
    payload = base64.b64decode(signed["payload"])
    key.verify(base64.b64decode(signed["signature"]), payload)  # raises InvalidSignature
    return dict(json.loads(payload))


async def a_day(api: Api) -> dict[str, str]:
    """r1 sees a violent item for 60 s, takes a 15-minute pause, then a plain one for 120 s."""
    keys = await api.world()
    await api.text_item(keys["vendor"], "a", labels=VIOLENT)
    await api.text_item(keys["vendor"], "b")
    await work(api, keys["r1"], 60)
    api.clock.advance(900)  # longer than the default 600 s break: a break
    await work(api, keys["r1"], 120)
    return keys


async def test_only_the_reviewer_reads_their_record_and_anyone_reads_the_keys(api: Api) -> None:
    keys = await api.world()
    for path in ("/v1/me/record", "/v1/me/record/signed"):
        assert (await api.client.get(path)).status_code == 401
        for role in ("lead", "vendor"):
            assert (await api.get(path, keys[role])).status_code == 403
        assert (await api.get(path)).status_code == 403  # admin: not a reviewer
        assert (await api.get(path, keys["r1"])).status_code == 200
    assert (await api.client.get("/v1/signing-keys")).status_code == 200
    assert (await api.client.post("/v1/signing-keys/rotate")).status_code == 401
    for role in ("lead", "vendor", "r1"):
        assert (await api.post("/v1/signing-keys/rotate", keys[role])).status_code == 403
    assert (await api.post("/v1/signing-keys/rotate")).status_code == 201


async def test_the_record_lists_every_event_work_time_and_breaks(api: Api) -> None:
    keys = await a_day(api)
    r = await record(api, keys["r1"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["reviewer"], body["from"], body["to"]) == ("r1", "2026-10-20", TODAY)
    first, second = body["events"]
    assert first["item_id"] != second["item_id"]
    assert (first["category"], first["severity"], first["level"]) == ("violence", 0.9, "blurred")
    assert (first["seconds"], first["dose"]) == (60, 0.225)  # 1 min x 0.9 x text 0.25
    assert (first["vendor_name"], first["purpose"]) == ("V", None)  # no purpose stated
    assert (second["category"], second["dose"], second["seconds"]) == (None, 0, 120)
    assert first["at"].startswith(TODAY + "T") and first["at"].endswith("Z")
    days = body["days"]
    assert len(days) == 30 and all(d["work_seconds"] == 0 for d in days[:-1])
    assert days[-1] == {"date": TODAY, "work_seconds": 180, "dose": 0.225, "breaks": 1}


async def test_a_short_gap_is_work_not_a_break(api: Api) -> None:
    keys = await api.world()
    for n in range(2):
        await api.text_item(keys["vendor"], f"t{n}")
    await work(api, keys["r1"], 60)
    api.clock.advance(100)  # under the break length: still the same stretch of work
    await work(api, keys["r1"], 60)
    day = (await record(api, keys["r1"], f"?from={TODAY}&to={TODAY}")).json()["days"]
    assert day == [{"date": TODAY, "work_seconds": 220, "dose": 0, "breaks": 0}]


async def test_the_record_as_csv(api: Api) -> None:
    keys = await a_day(api)
    r = await record(api, keys["r1"], f"?from={TODAY}&to={TODAY}", Accept="text/csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["kind"] for row in rows] == ["event", "event", "day"]
    assert (rows[0]["category"], rows[0]["dose"], rows[0]["vendor_name"]) == (
        "violence",
        "0.225",
        "V",
    )
    assert (rows[2]["date"], rows[2]["work_seconds"], rows[2]["breaks"]) == (TODAY, "180.0", "1")


@pytest.mark.parametrize(
    ("query", "words", "title"),
    [
        ("?from=2026-13-01", "YYYY-MM-DD", "Validation failed"),
        ("?to=20261118", "YYYY-MM-DD", "Validation failed"),
        ("?from=yesterday", "YYYY-MM-DD", "Validation failed"),
        ("?to=", "YYYY-MM-DD", "Validation failed"),
        ("?from=2026-11-18&to=2026-11-01", "after `to`", "Invalid date range"),
        ("?from=2025-01-01&to=2026-11-18", "at most 400 days", "Invalid date range"),
        ("?to=0001-01-01", "outside the days", "Invalid date range"),
        ("?from=9999-12-31&to=9999-12-31", "outside the days", "Invalid date range"),
    ],
)
async def test_bad_dates_are_422_with_what_to_send(
    api: Api, query: str, words: str, title: str
) -> None:
    keys = await api.world()
    for path in ("/v1/me/record", "/v1/me/record/signed"):
        r = await api.get(path + query, keys["r1"])
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert words in r.json()["detail"] and r.json()["title"] == title
        assert r.json()["errors"][0]["loc"][0] == "query"


async def test_a_year_is_a_valid_range(api: Api) -> None:
    keys = await api.world()
    r = await record(api, keys["r1"], "?from=2025-10-15&to=2026-11-18")  # 400 days
    assert r.status_code == 200 and len(r.json()["days"]) == 400


async def test_signed_records_verify_after_rotation_and_tampering_fails(api: Api) -> None:
    keys = await a_day(api)
    old = (await api.get("/v1/me/record/signed", keys["r1"])).json()
    assert set(old) == {"payload", "signature", "key_id"}
    published = (await api.client.get("/v1/signing-keys")).json()["data"]
    assert [k["key_id"] for k in published] == [old["key_id"]] and "retired_at" not in published[0]
    assert len(base64.b64decode(published[0]["public_key"])) == 32
    content = verify(old, published)
    assert content["reviewer"] == "r1" and len(content["events"]) == 2

    api.clock.advance(60)
    rotated = await api.post("/v1/signing-keys/rotate")
    assert rotated.json()["retired_key_id"] == old["key_id"]
    new = (await api.get("/v1/me/record/signed", keys["r1"])).json()
    assert new["key_id"] == rotated.json()["key_id"] != old["key_id"]
    published = (await api.client.get("/v1/signing-keys")).json()["data"]
    assert [k["key_id"] for k in published] == [old["key_id"], new["key_id"]]
    assert published[0]["retired_at"].endswith("Z")
    assert verify(old, published) == content  # the old record still verifies
    verify(new, published)

    forged = json.loads(base64.b64decode(old["payload"]))
    forged["events"][0]["dose"] = 0
    canonical = json.dumps(forged, sort_keys=True, separators=(",", ":")).encode()
    with pytest.raises(InvalidSignature):
        verify({**old, "payload": base64.b64encode(canonical).decode()}, published)
    with pytest.raises(InvalidSignature):  # a valid record under another key id
        verify({**old, "key_id": new["key_id"]}, published)


async def test_the_payload_is_the_canonical_bytes(api: Api) -> None:
    keys = await a_day(api)
    signed = (await api.get("/v1/me/record/signed", keys["r1"])).json()
    payload = base64.b64decode(signed["payload"])
    again = json.dumps(
        json.loads(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()
    assert payload == again


async def test_the_private_key_rests_sealed_and_a_wrong_secret_cannot_sign(
    redis: Any, redis_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    secret = "s" * 40
    app = make_app(redis_url, tmp_path / "a", clock, signing_secret=secret)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        public = (await client.get("/v1/signing-keys")).json()["data"][0]
    stored = json.loads(await redis.hget(record_keys.SIGNING_KEYS, public["key_id"]))
    assert set(stored) == {"public_key", "private", "created_at", "retired_at"}
    assert len(base64.b64decode(stored["private"])) == 12 + 32 + 16  # nonce, key, GCM tag
    assert not (tmp_path / "a" / "signing.secret").exists()  # the environment's secret is used

    other = Api(make_app(redis_url, tmp_path / "b", clock), None, clock)  # type: ignore[arg-type]
    async with (
        other.app.router.lifespan_context(other.app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other.app), base_url="http://test"
        ) as client,
    ):
        other.client = client
        keys = await other.world()
        r = await other.get("/v1/me/record/signed", keys["r1"])
        assert r.status_code == 503 and "SAFESHIFT_SIGNING_SECRET" in r.json()["detail"]
        assert (await other.post("/v1/signing-keys/rotate")).status_code == 201
        assert (await other.get("/v1/me/record/signed", keys["r1"])).status_code == 200
    secret_file = tmp_path / "b" / "signing.secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600


async def test_rotation_is_audited(api: Api) -> None:
    r = await api.post("/v1/signing-keys/rotate")
    audit = (await api.get("/v1/audit?action=signing.rotate")).json()["data"]
    assert [e["subject"] for e in audit] == [r.json()["key_id"]]


def readme_snippet() -> str:
    text = (Path(__file__).parents[2] / "README.md").read_text()
    section = text.split("## Your record", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


async def test_the_readme_verification_runs_as_written(
    api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = await a_day(api)
    signed = await api.get("/v1/me/record/signed", keys["r1"])
    await api.post("/v1/signing-keys/rotate")  # verified after a rotation, as a court would
    (tmp_path / "record.json").write_text(signed.text)
    (tmp_path / "signing-keys.json").write_text((await api.client.get("/v1/signing-keys")).text)
    monkeypatch.chdir(tmp_path)
    exec(compile(readme_snippet(), "README.md", "exec"), {})
    assert capsys.readouterr().out == f"r1 2026-10-20 {TODAY} 2 events\n"
    forged = {**signed.json(), "payload": base64.b64encode(b'{"reviewer":"r1"}').decode()}
    (tmp_path / "record.json").write_text(json.dumps(forged))
    with pytest.raises(InvalidSignature):
        exec(compile(readme_snippet(), "README.md", "exec"), {})
