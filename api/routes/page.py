"""``GET /``: the chat page and its two static files, all served from ``api/static``."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
async def index() -> FileResponse:
    """Serve the chat page."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")


@router.get("/static/app.js")
async def app_js() -> FileResponse:
    """Serve the page's script."""
    return FileResponse(STATIC_DIR / "app.js", media_type="text/javascript; charset=utf-8")


@router.get("/static/style.css")
async def style_css() -> FileResponse:
    """Serve the page's stylesheet."""
    return FileResponse(STATIC_DIR / "style.css", media_type="text/css; charset=utf-8")
