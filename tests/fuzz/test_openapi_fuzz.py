"""Schemathesis against the served OpenAPI document, as each of the five roles.

This is the run of issue 15 made affordable: `st run` with every check (`--checks all`) and every
phase (examples, coverage, fuzzing and the stateful phase that follows the document's `links`),
once per role (admin, a vendor key, a reviewer key, a lead key, a counsellor key), against the
real app under uvicorn on the suite's real Redis. Deterministic generation and a small
`--max-examples` keep it repeatable and within a few minutes on two cores. The fixture makes the
accounts through the admin API and seeds items, so the reviewer's and the lead's operations reach
real code, not 404s.

A failure names the role, the operation and the check: the goal is no 5xx and no answer outside
the document. The one leeway beyond the document is a cursor's 422 (see CONFIG and st_checks.py).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from api import paging
from api.main import create_app
from api.settings import Settings
from tests.live_server import serving

CHECKS = Path(__file__).with_name("st_checks.py")  # only_the_unpredictable_422
ADMIN = "fuzz-admin-key-0123456789abcdef0123456789"
MAX_EXAMPLES = 4
TEAM, VENDOR, REVIEWER = "fuzz-team", "fuzz-vendor", "fuzz-ana"

CONFIG = """
# No state carried between runs (schemathesis replays past crashes first): each run is the same.
[cache]
enabled = false

[phases.stateful]
max-steps = 6
generation.max-examples = 15

[phases.coverage]
generate-duplicate-query-parameters = false
unexpected-methods = ["OPTIONS", "TRACE"]
"""

# What a schema-valid request may get (positive_data_acceptance), where it is more than the
# default: answers that are right although no schema can say so. A claim while a break is
# enforced (423); media bytes that are not an image or a video (415: `format: binary` cannot
# say which bytes).
ACCEPTED = ["2xx", "401", "403", "404", "409", "429"]
EXPECTED = {
    "POST /v1/items": [*ACCEPTED, "415"],
    "POST /v1/assignments": ["2xx", "401", "403", "404", "423", "429"],
}
# The 422s no schema can predict, by problem type: the operations ("METHOD /path", a regex) that
# may answer it to a schema-valid request. Those operations accept 422 too, and st_checks.py
# fails each of their 422s that is not of the type named here. `_leeway` adds "invalid-cursor"
# for every paged list: a cursor of the codec's shape that the service did not issue.
LEEWAY = {
    # a reference to an account that does not exist (a team, vendor or reviewer)
    "invalid-reference": (
        r"^(POST /v1/reviewers|PATCH /v1/(reviewers|vendors)/\{\w+\}|POST /v1/keys)$"
    ),
    # bytes of a supported format that do not decode (an empty part, a truncated file)
    "undecodable-media": r"^POST /v1/items$",
    # two well-formed dates that make no record (from after to, over 400 days, before 1970)
    "invalid-date-range": r"^GET /v1/me/record(/signed)?$",
    # a view level less protective than the one the reviewer's team chose for that category
    "less-protective-than-team": r"^PUT /v1/me/preferences$",
}


def _names(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def _leeway(document: dict[str, Any]) -> dict[str, str]:
    """LEEWAY, and the paged lists (those with a `cursor` parameter) for invalid cursors."""
    paged = [
        re.escape(name)
        for name, operation in _names(document)
        if any(
            p["in"] == "query" and p["name"] == "cursor" for p in operation.get("parameters", [])
        )
    ]
    return LEEWAY | {"invalid-cursor": "^(" + "|".join(paged) + ")$"}


def _acceptance(document: dict[str, Any]) -> str:
    """One config block per operation whose valid requests may get more than the default."""
    leeway = _leeway(document)
    blocks = []
    for name, _ in _names(document):
        expected = EXPECTED.get(name, ACCEPTED)
        if any(re.search(names, name) for names in leeway.values()):
            expected = [*expected, "422"]
        if expected != ACCEPTED:
            blocks.append(
                f"[[operations]]\ninclude-name = '{name}'\n"
                "[operations.checks.positive_data_acceptance]\n"
                f"expected-statuses = {expected!r}\n"
            )
    return "\n".join(blocks)


def _own(role: str, document: dict[str, Any]) -> list[str]:
    """The operation ids the role may call (`x-roles`; those without one go to admin)."""
    return [
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if role in operation.get("x-roles", ["admin"])
    ]


def _ids(document: dict[str, Any], keep: Callable[[dict[str, Any]], bool]) -> str:
    """A regex matching the ids of the operations `keep` picks."""
    ids = [
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if keep(operation)
    ]
    return "^(" + "|".join(re.escape(i) for i in ids) + ")$"


def _config(role: str, document: dict[str, Any]) -> str:
    """CONFIG, the statuses valid requests may get (`_acceptance`), and the coverage phase
    (hundreds of boundary cases per operation) only where the role may call the operation
    (`x-roles`), the operations any key may call as admin only; elsewhere the examples and
    fuzzing phases still check the 401/403 answers."""
    config = CONFIG + "\n" + _acceptance(document)
    if role != "admin":
        skipped = _ids(document, lambda o: role not in o.get("x-roles", ["admin"]))
        config += f"""
[[operations]]
include-operation-id-regex = "{skipped}"
phases.coverage.enabled = false
"""
    return config


@dataclass(frozen=True)
class Finding:
    role: str
    operation: str
    text: str

    def __str__(self) -> str:
        return f"[{self.role}] {self.operation}\n{self.text}"


def _world(base: str) -> dict[str, str]:
    """The accounts, keys and queued items the roles' operations need, made as a client would."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {ADMIN}"}) as admin:
        for path, body in [
            ("/v1/vendors", {"id": VENDOR, "name": "Fuzz vendor"}),
            ("/v1/teams", {"id": TEAM, "name": "Fuzz team"}),
            ("/v1/reviewers", {"id": REVIEWER, "team": TEAM, "languages": ["en"]}),
            ("/v1/reviewers", {"id": "fuzz-ben", "team": TEAM}),
        ]:
            assert admin.post(path, json=body).status_code == 201, path
        keys = {"admin": ADMIN}
        for role, binding in [
            ("vendor", {"vendor": VENDOR}),
            ("reviewer", {"reviewer": REVIEWER}),
            ("lead", {"team": TEAM}),
            ("counsellor", {"team": TEAM}),
        ]:
            answer = admin.post("/v1/keys", json={"role": role, **binding})
            assert answer.status_code == 201, answer.text
            keys[role] = answer.json()["key"]
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys['vendor']}"}) as v:
        for n in range(12):
            item = {
                "external_id": f"seed-{n}",
                "text": f"seeded text item {n}",
                "priority": n % 10,
                "labels": [{"category": "violence", "severity": round(n / 12, 2)}],
            }
            assert v.post("/v1/items", json=item).status_code == 201
    # An open support request, so the counsellor's list links to one to close.
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys['reviewer']}"}) as r:
        assert r.post("/v1/me/support", json={"note": "seeded"}).status_code == 201
    return keys


@pytest.fixture(scope="module")
def live(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    settings_ = Settings(
        redis_url=redis_url,
        admin_key=SecretStr(ADMIN),
        data_dir=Path(tmp_path_factory.mktemp("fuzz")),
        run_jobs=False,
        blur_workers=0,
        log_json=False,
        auth_failures_per_minute=1_000_000,
    )
    with serving(create_app(settings_), log_level="error") as base:
        yield {"base": base, **_world(base)}


def _findings(role: str, junit: Path) -> list[Finding]:
    found = []
    for case in ET.parse(junit).getroot().iter("testcase"):
        for failure in [*case.iter("failure"), *case.iter("error")]:
            text = (failure.get("message") or "") + "\n" + (failure.text or "")
            found.append(Finding(role, case.get("name", "?"), text.strip()[:1500]))
    return found


def _st(role: str, phases: str, key: str, base: str, work: Path, *extra: str) -> Path:
    """One `st run`; its JUnit report (its console output goes next to it, as .log)."""
    document = httpx.get(f"{base}/openapi.json").json()
    config = work / f"{role}.toml"
    config.write_text(_config(role, document))
    junit = work / f"{role}-{phases.replace(',', '-')}.xml"
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run"),
        f"{base}/openapi.json",
        *("--header", f"Authorization: Bearer {key}"),
        *("--checks", "all"),
        *("--phases", phases),
        *("--max-examples", str(MAX_EXAMPLES)),
        "--generation-deterministic",
        "--no-shrink",
        *("--workers", "1"),
        *("--request-timeout", "20"),
        *("--report", "junit", "--report-junit-path", str(junit)),
        "--no-color",
        *extra,
    ]
    hooks = {
        "SCHEMATHESIS_HOOKS": str(CHECKS),
        "SAFESHIFT_FUZZ_LEEWAY": json.dumps(_leeway(document)),
    }
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=600, cwd=work, env=os.environ | hooks
    )
    junit.with_suffix(".log").write_text(done.stdout + done.stderr)
    if not junit.exists():
        pytest.fail(f"schemathesis did not run for {role}:\n{done.stdout[-3000:]}{done.stderr}")
    return junit


def _fuzz(role: str, key: str, base: str, work: Path) -> tuple[list[Finding], str]:
    """Every operation through examples, coverage (the role's own) and fuzzing; then the
    stateful phase over the role's own operations only, or a vendor's scenarios would all start
    at admin's creators and stop at their 403."""
    document = httpx.get(f"{base}/openapi.json").json()
    own = "|".join(re.escape(i) for i in _own(role, document))
    runs = [  # stateful first: after fuzzing, the reviewer is on a long break (claims are 423)
        _st(role, "stateful", key, base, work, "--include-operation-id-regex", f"^({own})$"),
        _st(role, "examples,coverage,fuzzing", key, base, work),
    ]
    found = [f for junit in runs for f in _findings(role, junit)]
    return found, "".join(junit.with_suffix(".log").read_text() for junit in runs)


def test_every_role_every_check_no_5xx_and_nothing_outside_the_document(
    live: dict[str, str], tmp_path: Path
) -> None:
    findings: list[Finding] = []
    took = []
    for role in ("admin", "vendor", "reviewer", "lead", "counsellor"):
        started = time.monotonic()
        found, out = _fuzz(role, live[role], live["base"], tmp_path)
        findings += found
        phases = re.findall(r"(\w+) \(in ([\d.]+)s\)", out)
        spent = " ".join(f"{name.lower()} {float(s):.0f}" for name, s in phases)
        took.append(f"{role} {time.monotonic() - started:.0f} s [{spent}]")
    summary = f"{len(findings)} failures ({', '.join(took)}):\n\n"
    assert not findings, summary + "\n\n".join(map(str, findings))


def test_the_document_names_every_error_as_a_problem_and_links_resolve() -> None:
    """The cheap half, without a server: the shape api/openapi.py promises."""
    document = create_app(Settings(admin_key=SecretStr(ADMIN))).openapi()
    operations = {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    ids = {operation["operationId"] for operation in operations.values()}
    problem = {"$ref": "#/components/schemas/Problem"}
    for key, operation in operations.items():
        for status, answer in operation["responses"].items():
            if status[0] in "45":
                assert answer["content"] == {"application/problem+json": {"schema": problem}}, key
            for link in answer.get("links", {}).values():
                assert link["operationId"] in ids, (key, link)
        if "security" in operation:
            assert {"401", "429"} <= set(operation["responses"]), key
    assert "HTTPValidationError" not in document["components"]["schemas"]
    claim = operations["POST", "/v1/assignments"]["responses"]
    assert {"200", "201", "204", "423"} <= set(claim)
    assert "Retry-After" in claim["423"]["headers"]
    assert set(operations["POST", "/v1/items"]["responses"]) >= {"200", "201", "415", "413"}
    for path in ("/v1/audit.csv", "/v1/teams/{team}/exposure.csv"):
        assert list(operations["GET", path]["responses"]["200"]["content"]) == ["text/csv"]
    assert "503" in operations["GET", "/readyz"]["responses"]
    assert operations["DELETE", "/v1/keys/{key_id}"]["x-roles"] == ["admin"]
    # 404 from the scope checks, which take the path parameter themselves (api/deps.py).
    for key in [
        ("GET", "/v1/reviewers/{reviewer_id}/exposure"),
        ("PUT", "/v1/teams/{team}/policy"),
        ("POST", "/v1/assignments/{assignment_id}/decision"),
    ]:
        assert "404" in operations[key]["responses"], key
    # A cursor the codec issues fits the documented shape; a made-up string does not.
    for path in ("/v1/audit", "/v1/alerts", "/v1/items", "/v1/teams/{team}/exposure"):
        (cursor,) = [p for p in operations["GET", path]["parameters"] if p["name"] == "cursor"]
        shape = re.compile(cursor["schema"]["pattern"])
        assert shape.search(paging.encode(b"secret", path, "1234-0"))
        assert not shape.search("") and not shape.search("not a cursor")
    # JSON Schema's names for Pydantic's bounds, so clients and schemathesis honour them.
    sla = document["components"]["schemas"]["ItemIn"]["properties"]["sla_seconds"]["anyOf"][0]
    assert sla == {"type": "integer", "exclusiveMinimum": 0, "maximum": 90 * 86400}
    assert not re.search(r'"(gt|ge|lt|le)":', json.dumps(document))
