"""Vendor: send items, read them back (with decisions)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api import bodies
from api.deps import ContextDep, Vendor, VendorOrAdmin
from api.paging import Cursor
from api.problems import Problem, parse_json
from scheduler import intake, items
from scheduler.models import ExternalId, Ident, ItemIn

router = APIRouter(prefix="/v1", tags=["items"])

_ITEM_SCHEMA = {"$ref": "#/components/schemas/ItemIn"}
_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _ITEM_SCHEMA},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["item", "media"],
                    "properties": {
                        "item": {"type": "string", "description": "ItemIn as JSON"},
                        "media": {"type": "string", "format": "binary"},
                    },
                }
            },
        },
    },
    "responses": {
        "200": {"description": "Already known (same external_id): the stored item"},
        "413": {"description": "Too large"},
        "415": {"description": "Unsupported"},
    },
}


def _parse(raw: Any) -> ItemIn:
    try:
        return ItemIn.model_validate(raw)
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False)) from e


async def _json_body(request: Request) -> Any:
    return parse_json(await request.body())


async def _multipart(request: Request) -> tuple[ItemIn, bytes]:
    async with bodies.form(request, max_files=1, max_fields=4, max_part_size=1 << 20) as form:
        media, item = form.get("media"), form.get("item")
        if unknown := sorted(set(form.keys()) - {"media", "item"}):
            # Like the JSON body's unknown fields (extra="forbid"): a typo is not ignored.
            raise RequestValidationError(
                [{"loc": ("body", unknown[0]), "msg": "unknown part", "type": "extra_forbidden"}]
            )
        if not isinstance(media, UploadFile) or not isinstance(item, str):
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "media" if not isinstance(media, UploadFile) else "item"),
                        "msg": "multipart items need a file part 'media' and a JSON part 'item'",
                        "type": "missing",
                    }
                ]
            )
        data = await media.read()
    return _parse(parse_json(item.encode(), "The 'item' part")), data


@router.post("/items", status_code=201, openapi_extra=_OPENAPI)
async def create_item(request: Request, ctx: ContextDep, who: Vendor) -> JSONResponse:
    """Send an item: JSON with `text`, or multipart with `item` (JSON) and `media` (the file)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    vendor = who.vendor or ""
    common = {
        "redis": ctx.redis,
        "scripts": ctx.scripts,
        "vendor": vendor,
        "now": ctx.clock(),
        "allow_private": ctx.settings.allow_private_callbacks,
    }
    if content_type == "application/json":
        body = _parse(await _json_body(request))
        item, created = await intake.submit_text(body=body, **common)
    elif content_type == "multipart/form-data":
        body, data = await _multipart(request)
        item, created = await intake.submit_media(
            store=ctx.store, limits=ctx.limits, body=body, data=data, **common
        )
    else:
        raise Problem(
            415,
            "Unsupported media type",
            "Send application/json (text items) or "
            "multipart/form-data with parts 'item' and 'media'.",
        )
    return JSONResponse(item, status_code=201 if created else 200)


@router.get("/items/{item_id}")
async def get_item(item_id: Ident, ctx: ContextDep, who: VendorOrAdmin) -> dict[str, Any]:
    """An item with its status, labels and, once decided, its decision."""
    return await items.get(redis=ctx.redis, item_id=item_id, vendor=who.vendor)


@router.get("/items")
async def find_items(
    ctx: ContextDep,
    who: Vendor,
    external_id: Annotated[ExternalId, Query(description="the vendor's id for the item")],
    cursor: Cursor,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> dict[str, Any]:
    """Look an item up by your `external_id`: `{data: [item]}` or `{data: []}`."""
    cursor.single_page()  # one row at most
    found = await items.find_by_external_id(
        redis=ctx.redis, vendor=who.vendor or "", external_id=external_id
    )
    return {"data": [found] if found else [], "next_cursor": None}
