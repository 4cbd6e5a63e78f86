"""The browser pages: sign-in (`/`), the reviewer's queue (`/review`), the lead's dashboard.

Served by the API process itself, offline: HTML shells from `templates/`, hand-written CSS and
JavaScript from `api/static/`, charts drawn as inline SVG. Nothing is fetched from elsewhere.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from api.pages.config import PageConfig
from api.pages.views import build_router

__all__ = ["PageConfig", "install"]


class _Static(StaticFiles):
    """Static files that a browser must not sniff into another type, revalidated by ETag."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-cache"
        return response


def install(app: FastAPI, config: PageConfig) -> None:
    app.include_router(build_router(config))
    static = Path(str(resources.files("api").joinpath("static")))
    app.mount("/static", _Static(directory=static), name="static")
