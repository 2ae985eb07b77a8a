"""``GET /``: the chat page and its static files."""

from __future__ import annotations

import re

import httpx
import pytest

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
