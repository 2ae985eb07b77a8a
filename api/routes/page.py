"""``GET /``: the chat page and its static files, all served from ``api/static``.

The page is rendered once, at start-up, with two things it must hold before anything can
fail: the quick exit's destination and the emergency numbers in every language, so the
widget can show them even when the gateway no longer answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from api.directory import EmergencyContact
from api.fallback import HEADERS
from api.language import LANGUAGES
from kakekomi_common.languages import REGISTERED

STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "static"
_HTML: Final = "text/html; charset=utf-8"

router = APIRouter(include_in_schema=False)


def _dial(phone: str) -> str:
    return re.sub(r"[^0-9+]", "", phone)


def emergency_markup(contacts: Sequence[EmergencyContact]) -> str:
    """One ``<section data-lang>`` per language: the fallback header and a tel: link per number."""
    sections = []
    for language in LANGUAGES:
        items = []
        for contact in contacts:
            label = escape(f"{contact.name(language)}: {contact.phone}")
            dial = _dial(contact.phone)
            link = f'<a href="tel:{dial}">{label}</a>' if dial else label
            items.append(f"<li>{link}</li>")
        sections.append(
            f'<section data-lang="{language}" lang="{language}">'
            f"<p>{escape(HEADERS[language])}</p><ul>{''.join(items)}</ul></section>"
        )
    return "\n".join(sections)


def language_options() -> str:
    """The language picker's choices, each named in its own language (the shared list)."""
    return "\n      ".join(
        f'<option value="{info.code}" lang="{info.code}">{escape(info.native_name)}</option>'
        for info in REGISTERED
    )


def render_page(exit_url: str, contacts: Sequence[EmergencyContact]) -> bytes:
    """The chat page with the exit link, the language picker and the emergency numbers."""
    template = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    page = (
        template.replace("{{exit_url}}", escape(exit_url))
        .replace("{{language_options}}", language_options())
        .replace("{{emergency}}", emergency_markup(contacts))
    )
    return page.encode("utf-8")


@router.get("/")
async def index(request: Request) -> Response:
    """Serve the chat page."""
    page: bytes = request.app.state.page
    return Response(page, media_type=_HTML)


@router.get("/static/app.js")
async def app_js() -> FileResponse:
    """Serve the page's script."""
    return FileResponse(STATIC_DIR / "app.js", media_type="text/javascript; charset=utf-8")


@router.get("/static/style.css")
async def style_css() -> FileResponse:
    """Serve the page's stylesheet."""
    return FileResponse(STATIC_DIR / "style.css", media_type="text/css; charset=utf-8")


@router.get("/static/icon.svg")
async def icon() -> FileResponse:
    """Serve the page's plain, neutral icon."""
    return FileResponse(STATIC_DIR / "icon.svg", media_type="image/svg+xml")
