"""The served OpenAPI document: FastAPI's, with every answer an operation can give written in.

FastAPI documents only the success answer and a 422 of its own shape. A client generated from
that knows nothing of the problem+json answers the contract promises (docs/api-v1.md), nor of
the CSV and media bodies, so this module decorates the generated document in one place:

- `Problem` (RFC 9457, with `errors` for 422 and `break_until`/`reason` for 423) under components,
  and on every error answer as `application/problem+json`;
- which errors each operation can give, derived from the route itself (its auth dependency and
  the roles it requires, its parameters, its body) plus a short table of what only the handler
  knows (409, 423, 415...). Routes stay free of `responses=` boilerplate;
- the non-JSON bodies (CSV exports, media, Prometheus text), 204s, and the 200 of an idempotent
  `POST /v1/items`;
- `links` from the operations that create something to those that use it, which schemathesis'
  stateful phase (and a reader) follows: item -> read it, assignment -> heartbeat/reveal/...,
  key -> revoke it, team -> its policy, reviewer -> read/patch it.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api import deps, paging
from api.problems import MEDIA_TYPE
from scheduler.models import ItemIn

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An error (RFC 9457). `detail` says what was wrong and how to fix it.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "description": "422: every field that was wrong",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {
                        "type": "array",
                        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                    },
                    "msg": {"type": "string"},
                },
            },
        },
        "break_until": {
            "description": "423: when the enforced break ends (RFC 3339)",
            "type": "string",
            "format": "date-time",
        },
        "reason": {"description": "423: why the break is enforced", "type": "string"},
    },
    "additionalProperties": True,
}

DESCRIPTIONS = {
    400: "Malformed body: not JSON, or not UTF-8",
    401: "Missing, unknown or revoked API key (or an ended session)",
    403: "The caller's role may not do this",
    404: "No such resource, or it is outside the caller's scope",
    409: "Conflicts with the current state",
    413: "The body is larger than this operation accepts",
    415: "Unsupported content type or media format",
    422: "Invalid parameters or body; `errors` lists each field",
    423: "A break is enforced: `break_until` and `reason`, and Retry-After",
    429: "Too many requests with unknown keys from this address; see Retry-After",
    503: "Redis is not reachable, or a write was not acknowledged by enough replicas in time;"
    " retrying after Retry-After is safe",
}

_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}
_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {"description": "`Bearer`", "required": True, "schema": {"type": "string"}}
}

# What only the handler knows, by (method, path): statuses beyond those derived from the route.
EXTRA: dict[tuple[str, str], set[int]] = {
    ("POST", "/v1/vendors"): {409},
    ("POST", "/v1/teams"): {409},
    ("POST", "/v1/reviewers"): {409},
    ("POST", "/v1/items"): {400, 413, 415, 422},
    ("POST", "/v1/assignments"): {404, 423},
    ("POST", "/v1/assignments/{assignment_id}/heartbeat"): {409},
    ("POST", "/v1/assignments/{assignment_id}/reveal"): {409},
    ("POST", "/v1/assignments/{assignment_id}/decision"): {409},
    ("POST", "/v1/assignments/{assignment_id}/skip"): {409},
    ("GET", "/v1/alerts"): {404},
    ("GET", "/v1/reviewers/{reviewer_id}/exposure"): {403},
    ("GET", "/v1/media/{token}"): {403},
    ("POST", "/v1/session"): {400, 401, 403, 413, 422, 429},
    ("GET", "/readyz"): {503},
    ("GET", "/v1/me/record/signed"): {503},  # the stored key sealed under another secret
    ("GET", "/v1/support"): {404},  # another team's (api/deps.py counselled_team)
    ("GET", "/v1/checkins"): {404},
}

# Answers with a body other than JSON: (method, path) -> {status: [content types]}.
_MEDIA = ["image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4", "video/webm"]
CONTENT: dict[tuple[str, str], dict[str, list[str]]] = {
    ("GET", "/v1/teams/{team}/exposure.csv"): {"200": ["text/csv"]},
    ("GET", "/v1/audit.csv"): {"200": ["text/csv"]},
    ("GET", "/v1/media/{token}"): {"200": _MEDIA},
    ("GET", "/metrics"): {"200": ["text/plain"]},
}

# Extra success answers: (method, path) -> {status: description}.
SUCCESS: dict[tuple[str, str], dict[str, str]] = {
    ("POST", "/v1/items"): {
        "201": "Created: the new item",
        "200": "Already known (same `external_id`): the stored item, nothing duplicated",
    },
    ("POST", "/v1/assignments"): {
        "201": "The next item for you",
        "200": "Your current assignment again",
        "204": "No eligible item waits",
    },
}

# Links for the stateful phase: (method, path of the creator) -> [(name, target, parameters)].
# The parameters are runtime expressions on the creator's answer.
LINKS: dict[tuple[str, str], list[tuple[str, tuple[str, str], dict[str, str]]]] = {
    ("POST", "/v1/items"): [
        ("GetItem", ("GET", "/v1/items/{item_id}"), {"item_id": "$response.body#/id"}),
        (
            "FindItem",
            ("GET", "/v1/items"),
            {"external_id": "$response.body#/external_id"},
        ),
    ],
    ("POST", "/v1/assignments"): [
        (name, ("POST", f"/v1/assignments/{{assignment_id}}/{verb}"), {"assignment_id": ref})
        for name, verb, ref in [
            ("Heartbeat", "heartbeat", "$response.body#/id"),
            ("Reveal", "reveal", "$response.body#/id"),
            ("Decide", "decision", "$response.body#/id"),
            ("Skip", "skip", "$response.body#/id"),
        ]
    ],
    ("POST", "/v1/keys"): [
        ("RevokeKey", ("DELETE", "/v1/keys/{key_id}"), {"key_id": "$response.body#/id"}),
    ],
    ("POST", "/v1/teams"): [
        ("GetPolicy", ("GET", "/v1/teams/{team}/policy"), {"team": "$response.body#/id"}),
        ("PutPolicy", ("PUT", "/v1/teams/{team}/policy"), {"team": "$response.body#/id"}),
        ("TeamExposure", ("GET", "/v1/teams/{team}/exposure"), {"team": "$response.body#/id"}),
        (
            "TeamExposureCsv",
            ("GET", "/v1/teams/{team}/exposure.csv"),
            {"team": "$response.body#/id"},
        ),
        ("TeamSupport", ("GET", "/v1/teams/{team}/support"), {"team": "$response.body#/id"}),
        ("PutTeamSupport", ("PUT", "/v1/teams/{team}/support"), {"team": "$response.body#/id"}),
    ],
    # A counsellor's open requests, each to be marked handled (issue 19).
    ("GET", "/v1/support"): [
        (
            "CloseSupport",
            ("POST", "/v1/support/{request_id}/close"),
            {"request_id": "$response.body#/data/0/id"},
        ),
    ],
    ("POST", "/v1/reviewers"): [
        (
            "GetReviewer",
            ("GET", "/v1/reviewers/{reviewer_id}"),
            {"reviewer_id": "$response.body#/id"},
        ),
        (
            "PatchReviewer",
            ("PATCH", "/v1/reviewers/{reviewer_id}"),
            {"reviewer_id": "$response.body#/id"},
        ),
        (
            "ReviewerExposure",
            ("GET", "/v1/reviewers/{reviewer_id}/exposure"),
            {"reviewer_id": "$response.body#/id"},
        ),
    ],
}

_SAFE = {"GET", "HEAD", "OPTIONS"}


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _params(dependant: Dependant) -> Iterator[Any]:
    yield from dependant.path_params
    yield from dependant.query_params
    yield from dependant.header_params
    for sub in dependant.dependencies:
        yield from _params(sub)


def _path_params(dependant: Dependant) -> Iterator[Any]:
    """Path parameters of the route and of every dependency: a scope check such as
    `deps.team_in_scope` takes the path parameter itself, and answers 404 for it."""
    yield from dependant.path_params
    for sub in dependant.dependencies:
        yield from _path_params(sub)


def _roles(call: Any) -> tuple[str, ...] | None:
    """The roles a `deps.require(...)` check admits, read from its closure; None if not one."""
    if getattr(call, "__qualname__", "") != f"{deps.require.__name__}.<locals>.check":
        return None
    roles: tuple[str, ...] = inspect.getclosurevars(call).nonlocals["roles"]
    return roles


def _derived(
    route: routing.RouteContext, method: str, operation: dict[str, Any]
) -> tuple[set[int], bool]:
    """The error statuses the route's own shape implies, and whether it needs a key."""
    calls = list(_calls(route.dependant))
    authed = deps.principal in calls
    roles = [r for r in map(_roles, calls) if r is not None]
    statuses: set[int] = set()
    if authed:
        # 503: every keyed operation reads Redis; a told write also waits for its replicas.
        statuses |= {401, 429, 503}
        # A cookie session's unsafe request from another site is 403 too (api/deps.py).
        if roles or method not in _SAFE:
            statuses.add(403)
    has_body = "requestBody" in operation
    if has_body:
        statuses |= {400, 413, 422}
    if list(_params(route.dependant)):
        statuses.add(422)
    if any(True for _ in _path_params(route.dependant)):
        statuses.add(404)
    if paging._page in calls:
        _cursor(operation)
    if roles:
        operation["x-roles"] = sorted({r for group in roles for r in group})
        allowed = " or ".join(operation["x-roles"])
        note = f"Needs a key with role {allowed}."
        text = operation.get("description", "")
        operation["description"] = f"{text}\n\n{note}".strip() if note not in text else text
    return statuses, authed


# The shape `api/paging.py` gives every cursor: base64url of the position, a dot, base64url of a
# 12-byte tag (16 characters). A cursor of another shape is refused, and schema-invalid; one of
# this shape may still be refused (422): only the service can tell which ones it issued.
CURSOR_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$",
    "maxLength": 512,
}
CURSOR_DESCRIPTION = (
    "`next_cursor` of the previous page, exactly as given. Opaque: only a cursor this service "
    "issued for this same list (path and filters) is accepted; any other is a 422 `Invalid "
    "cursor`, and the fix is to start again without one."
)


def _cursor(operation: dict[str, Any]) -> None:
    """The `cursor` query parameter of a paged list, with the codec's shape and its rule."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query" and parameter["name"] == "cursor":
            parameter["schema"] = {**CURSOR_SCHEMA, "title": "Cursor"}
            parameter["description"] = CURSOR_DESCRIPTION


def _problem_response(
    status: int, existing: dict[str, Any] | None, *, headers_sent: bool
) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": (existing or {}).get("description") or DESCRIPTIONS[status],
        "content": {MEDIA_TYPE: {"schema": PROBLEM_REF}},
    }
    if status == 422:
        answer["description"] = DESCRIPTIONS[422]
    headers: dict[str, Any] = {}
    if status in (423, 503) or (status == 429 and headers_sent):
        headers |= _RETRY_AFTER
    if status == 401 and headers_sent:
        headers |= _WWW_AUTHENTICATE
    if headers:
        answer["headers"] = headers
    return answer


def _operation_ids(schema: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {
        (method.upper(), path): operation["operationId"]
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if "operationId" in operation
    }


def _decorate(
    operation: dict[str, Any], key: tuple[str, str], statuses: set[int], authed: bool
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for code, text in SUCCESS.get(key, {}).items():
        responses[code] = {**responses.get(code, {}), "description": text}
        if code == "204":
            responses[code].pop("content", None)
        else:
            responses[code].setdefault("content", {"application/json": {"schema": {}}})
    for code, types in CONTENT.get(key, {}).items():
        responses.setdefault(code, {"description": "OK"})
        responses[code]["content"] = {
            t: {"schema": {"type": "string", "format": "binary"}} for t in types
        }
    for status in sorted(statuses):
        responses[str(status)] = _problem_response(
            status, responses.get(str(status)), headers_sent=authed
        )
    if authed:
        operation["security"] = [{"bearer": []}]


def _link(
    operation: dict[str, Any],
    ids: dict[tuple[str, str], str],
    links: list[tuple[str, tuple[str, str], dict[str, str]]],
) -> None:
    made = {
        name: {"operationId": ids[target], "parameters": parameters}
        for name, target, parameters in links
        if target in ids
    }
    for status, answer in operation["responses"].items():
        if status in ("200", "201") and "content" in answer:
            answer["links"] = made


def _binding(role: str, field: str | None) -> dict[str, Any]:
    """One branch of KeyIn's `oneOf`: the role, its one binding required, the others absent."""
    others = [f for f in ("vendor", "team", "reviewer") if f != field]
    branch: dict[str, Any] = {
        "properties": {"role": {"const": role}} | {f: {"type": "null"} for f in others},
        "required": ["role", field] if field else ["role"],
    }
    if field:
        branch["properties"][field] = {"type": "string"}
    return branch


def _tighten(schema: dict[str, Any]) -> None:
    """Rules the handlers check beyond the Pydantic models, written into the document so a
    request it calls valid is one the service accepts (scheduler/accounts.py, intake.py)."""
    models = schema["components"]["schemas"]
    models["KeyIn"]["oneOf"] = [
        _binding("admin", None),
        _binding("vendor", "vendor"),
        _binding("lead", "team"),
        _binding("counsellor", "team"),
        _binding("reviewer", "reviewer"),
    ]
    models["KeyIn"]["description"] = "The role and the one binding it needs (none for admin)."
    callback = models["ItemIn"]["properties"]["callback_url"]
    # An empty string is taken as "no callback", like null.
    https = {"type": "string", "maxLength": 2048, "pattern": r"^(https://[^\s/?#\[\]@]+(/\S*)?)?$"}
    callback["anyOf"] = [https, {"type": "null"}]
    content = schema["paths"]["/v1/items"]["post"]["requestBody"]["content"]
    form = content["multipart/form-data"]
    form["schema"]["properties"]["item"] = {
        "$ref": "#/components/schemas/ItemIn",
        "description": "The item's fields, as a JSON part",
    }
    # No `minLength`: which bytes are media no schema can say (`format: binary`), and an empty
    # part is refused as any other bytes that do not decode.
    form["schema"]["properties"]["media"]["description"] = (
        "The image or video file. Bytes of no supported format are 415; bytes of a supported "
        "format that do not decode (an empty part, a truncated file) are 422."
    )
    form["schema"]["additionalProperties"] = False  # other parts are refused or ignored
    form["encoding"] = {"item": {"contentType": "application/json"}}
    content["application/json"]["schema"] = {
        "allOf": [
            {"$ref": "#/components/schemas/ItemIn"},
            {
                "required": ["text"],
                "properties": {"text": {"type": "string", "pattern": r"\S", "maxLength": 100_000}},
            },
        ],
        "description": "A text item: `text` is required and not blank.",
    }


def document(app: FastAPI) -> dict[str, Any]:
    """The document `/openapi.json` serves, built once per app."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {})
    models = components.setdefault("schemas", {})
    # Models the routes parse by hand (JSON or multipart items).
    item = ItemIn.model_json_schema(ref_template="#/components/schemas/{model}")
    models.update(item.pop("$defs", {}))
    models["ItemIn"] = item
    models["Problem"] = PROBLEM_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        models.pop(unused, None)
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key: `Authorization: Bearer <key>`. The browser pages use a "
            "session cookie from `POST /v1/session` instead.",
        }
    }
    _tighten(schema)
    for route in routing.iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        path = str(route.path_format)
        for method in sorted(route.methods or ()):
            operation = schema["paths"].get(path, {}).get(method.lower())
            if operation is None:
                continue
            key = (method, path)
            statuses, authed = _derived(route, method, operation)
            _decorate(operation, key, statuses | EXTRA.get(key, set()), authed)
    ids = _operation_ids(schema)
    for (method, path), links in LINKS.items():
        operation = schema["paths"].get(path, {}).get(method.lower())
        if operation is not None:
            _link(operation, ids, links)
    app.openapi_schema = schema
    return schema
