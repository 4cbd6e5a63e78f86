"""A schemathesis check loaded into `st run` (SCHEMATHESIS_HOOKS) by test_openapi_fuzz.py.

A few operations may answer 422 to a request the document calls valid, for a reason no schema can
express (a cursor the service did not issue, a reference to an account that does not exist, media
bytes that do not decode). The fuzz config lets those operations answer 422 to valid data; this
check takes the leeway back for everything but that reason: such a 422 must be the problem type
named for the operation (LEEWAY, a JSON object `{type: regex on "METHOD /path"}` the test passes
in SAFESHIFT_FUZZ_LEEWAY). An invalid cursor counts only if the request sent a cursor.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import schemathesis

LEEWAY: dict[str, str] = json.loads(os.environ.get("SAFESHIFT_FUZZ_LEEWAY", "{}"))
PROBLEMS = "https://safeshift.dev/problems/"


@schemathesis.check
def only_the_unpredictable_422(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 422 to a schema-valid request is allowed only for what no schema can say."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return None
    name = f"{case.operation.method.upper()} {case.operation.path}"
    allowed = {kind for kind, names in LEEWAY.items() if re.search(names, name)}
    if not allowed:
        return None  # positive_data_acceptance alone judges this operation's 422s
    try:
        kind = str(response.json().get("type", "")).removeprefix(PROBLEMS)
    except ValueError:
        kind = ""
    if kind == "invalid-cursor" and "cursor" not in (case.query or {}):
        kind = "invalid-cursor without a cursor"
    if kind not in allowed:
        raise AssertionError(
            f"{name} refused a schema-valid request (422) for a reason the document can "
            f"express: it may only be {sorted(allowed)} here.\n{response.text[:300]}"
        )
    return None
