"""``GET /``: the chat page and its static files, all served from ``api/static``.

The page is rendered once, at start-up, with two things it must hold before anything can
fail: the quick exit's destination and the emergency numbers in every language, so the
widget can show them even when the gateway no longer answers.

Everything is read and gzip-compressed once, at start-up, and sent compressed to every
browser that accepts it: she may be on a slow, prepaid phone connection, and nothing is
cached (no-store), so each visit downloads the page again. Only these fixed files are
compressed, never an answer that carries what she typed (no BREACH-style guessing).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.directory import EmergencyContact
from api.fallback import HEADERS
from api.language import LANGUAGES
from kakekomi_common.languages import REGISTERED

STATIC_DIR: Final = Path(__file__).resolve().parent.parent / "static"
_HTML: Final = "text/html; charset=utf-8"
# The page's own files, each with its media type.
_FILES: Final = {
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}

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


@dataclass(frozen=True)
class Asset:
    """One file of the page, as it is and gzip-compressed."""

    body: bytes
    gzipped: bytes
    media_type: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Asset:
        """The file with its compressed form (mtime 0: the same bytes at every start)."""
        return cls(body, gzip.compress(body, compresslevel=9, mtime=0), media_type)


def load_assets(exit_url: str, contacts: Sequence[EmergencyContact]) -> dict[str, Asset]:
    """The page and its static files by path, read and compressed once."""
    assets = {"/": Asset.of(render_page(exit_url, contacts), _HTML)}
    for name, media_type in _FILES.items():
        assets[f"/static/{name}"] = Asset.of((STATIC_DIR / name).read_bytes(), media_type)
    return assets


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (``gzip;q=0`` refuses it)."""
    qualities: dict[str, float] = {}
    for item in accept_encoding.lower().split(","):
        name, _, parameters = item.partition(";")
        quality = parameters.strip().removeprefix("q=").strip() or "1"
        try:
            qualities[name.strip()] = float(quality)
        except ValueError:
            qualities[name.strip()] = 0.0
    return qualities.get("gzip", qualities.get("*", 0.0)) > 0


def _serve(request: Request) -> Response:
    asset: Asset = request.app.state.assets[request.url.path]
    headers = {"vary": "accept-encoding"}
    if accepts_gzip(request.headers.get("accept-encoding", "")):
        headers["content-encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)


@router.get("/")
async def index(request: Request) -> Response:
    """Serve the chat page."""
    return _serve(request)


@router.get("/static/app.js")
async def app_js(request: Request) -> Response:
    """Serve the page's script."""
    return _serve(request)


@router.get("/static/style.css")
async def style_css(request: Request) -> Response:
    """Serve the page's stylesheet."""
    return _serve(request)


@router.get("/static/icon.svg")
async def icon(request: Request) -> Response:
    """Serve the page's plain, neutral icon."""
    return _serve(request)
