"""``GET /``: the chat page and its static files."""

from __future__ import annotations

import gzip
import re

import httpx
import pytest

from api.routes.page import accepts_gzip

pytestmark = pytest.mark.anyio


async def test_the_page_is_served_as_html_with_a_neutral_title_and_five_languages(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert "<title>Chat</title>" in page
    for value, label in [
        ("en", "English"),
        ("ja", "日本語"),
        ("th", "ไทย"),
        ("tl", "Tagalog"),
        ("es", "Español"),
    ]:
        assert re.search(rf'<option value="{value}"[^>]*>{label}</option>', page)
    assert '<textarea id="text"' in page


async def test_the_page_has_no_inline_script_and_no_external_asset(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/")).text
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", page, flags=re.S)
    assert scripts == [""]  # one script, loaded from src, with no body
    # What the page loads comes from this origin; the only other addresses are links: the
    # quick exit's neutral site and the emergency numbers to call.
    loaded = re.findall(r'<(?:link|script)\b[^>]*(?:src|href)="([^"]+)"', page)
    assert loaded == ["/static/icon.svg", "/static/style.css", "/static/app.js"]
    links = re.findall(r'<a\b[^>]*href="([^"]+)"', page)
    assert links[0] == "https://www.google.com/"
    assert links[1:] and all(re.fullmatch(r"tel:11[089]", link) for link in links[1:])
    assert len(re.findall(r'(?:src|href)="', page)) == len(loaded) + len(links)
    assert not re.search(r"\son[a-z]+\s*=", page)  # no inline event handler either
    assert not re.search(r"\sstyle\s*=", page)  # nor inline style


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/static/app.js", "text/javascript; charset=utf-8"),
        ("/static/style.css", "text/css; charset=utf-8"),
    ],
)
async def test_static_files_are_served_with_their_content_type(
    client: httpx.AsyncClient, path: str, content_type: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert len(response.content) > 100


async def test_the_script_renders_with_text_content_only(client: httpx.AsyncClient) -> None:
    script = (await client.get("/static/app.js")).text
    assert "textContent" in script
    for unsafe in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert unsafe not in script
    assert "localStorage" not in script and "sessionStorage" not in script


async def test_other_static_paths_are_not_served(client: httpx.AsyncClient) -> None:
    for path in ("/static/index.html", "/static/../main.py", "/static/", "/static/x.js"):
        assert (await client.get(path)).status_code == 404


@pytest.mark.parametrize("path", ["/", "/static/app.js", "/static/style.css", "/static/icon.svg"])
async def test_every_file_is_sent_gzipped_to_a_browser_that_accepts_it(
    client: httpx.AsyncClient, path: str
) -> None:
    plain = await client.get(path, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    async with client.stream("GET", path, headers={"accept-encoding": "gzip, br"}) as response:
        assert response.headers["content-encoding"] == "gzip"
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert gzip.decompress(raw) == plain.content
    if path == "/static/app.js":  # the biggest file: a third of it, or less, on the wire
        assert len(raw) < len(plain.content) / 3
    compressed = await client.get(path, headers={"accept-encoding": "gzip, deflate, br"})
    assert compressed.headers["content-encoding"] == "gzip"
    assert compressed.headers["vary"] == "accept-encoding"
    assert compressed.headers["cache-control"] == "no-store"
    assert compressed.content == plain.content  # httpx decodes it: the same bytes


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, gzip;q=0.8, *;q=0.1", True),
        ("*", True),
        ("gzip;q=0", False),
        ("*;q=0", False),
        ("identity", False),
        ("", False),
        ("deflate, br", False),
        ("gzip;q=nonsense", False),
        ("*;q=0.5, gzip;q=0", False),
    ],
)
def test_accept_encoding_is_read_with_its_qualities(header: str, expected: bool) -> None:
    assert accepts_gzip(header) is expected
