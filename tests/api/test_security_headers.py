"""Every answer tells the browser: keep nothing, send no referrer, run nothing foreign."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import FastAPI

from api.main import create_app
from api.middleware.security_headers import CONTENT_SECURITY_POLICY
from api.settings import Settings
from kakekomi_common.languages import CODES

if TYPE_CHECKING:
    from collections.abc import Callable
    from contextlib import AbstractAsyncContextManager

    from tests.api.conftest import FakeRasa

    Serve = Callable[[FastAPI], AbstractAsyncContextManager[httpx.AsyncClient]]

pytestmark = pytest.mark.anyio

EXPECTED = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin-allow-popups",
    "content-security-policy": CONTENT_SECURITY_POLICY,
}


def assert_private(response: httpx.Response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.request.url, name)
    assert "set-cookie" not in response.headers
    assert "server" not in response.headers


async def test_every_kind_of_answer_carries_the_headers(
    settings: Settings, rasa: FakeRasa, serve: Serve
) -> None:
    app = create_app(
        settings.model_copy(update={"rate_limit": 2}), rasa_transport=httpx.MockTransport(rasa)
    )
    async with serve(app) as client:
        answers = [
            await client.get("/"),
            await client.get("/static/app.js"),
            await client.get("/static/style.css"),
            await client.get("/static/icon.svg"),
            await client.get("/healthz"),
            await client.get("/openapi.json"),
            await client.post("/api/chat", json={"text": "hello"}),  # 200
            await client.post("/api/chat", json={"text": ""}),  # 422
            await client.post("/api/chat", content=b"x" * 20_000),  # 413
            await client.delete(f"/api/chat/{'A' * 32}"),  # 204
            await client.get("/nothing"),  # 404
            await client.get("/api/chat"),  # 405
        ]
        rasa.reply = lambda body: httpx.Response(500)
        answers.append(await client.post("/api/chat", json={"text": "hello"}))  # 503
        answers.append(await client.post("/api/chat", json={"text": "hello"}))  # 429
    assert [a.status_code for a in answers] == [200] * 7 + [422, 413, 204, 404, 405, 503, 429]
    for answer in answers:
        assert_private(answer)


def test_the_policy_allows_only_this_origin_and_no_inline_code() -> None:
    directives = {
        name: value
        for name, _, value in (part.partition(" ") for part in CONTENT_SECURITY_POLICY.split("; "))
    }
    assert directives["default-src"] == "'none'"
    for name in ("script-src", "style-src", "img-src", "connect-src"):
        assert directives[name] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY  # no external origin at all


async def test_only_the_docs_page_asked_for_goes_without_the_policy(
    settings: Settings, rasa: FakeRasa, serve: Serve
) -> None:
    # FastAPI's docs page loads its assets from a CDN; it exists only with KAKEKOMI_API_DOCS.
    for api_docs, docs_status in [(True, 200), (False, 404)]:
        app = create_app(
            settings.model_copy(update={"api_docs": api_docs}),
            rasa_transport=httpx.MockTransport(rasa),
        )
        async with serve(app) as client:
            docs = await client.get("/docs")
            page = await client.get("/")
        assert docs.status_code == docs_status
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        has_policy = "content-security-policy" in docs.headers
        assert has_policy is not api_docs
        assert docs.headers["cache-control"] == "no-store"


# The page itself.


async def test_the_page_is_neutral_and_remembers_nothing(client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    assert "<title>Chat</title>" in page
    assert '<link rel="icon" href="/static/icon.svg" type="image/svg+xml">' in page
    assert '<form id="composer" class="composer" autocomplete="off">' in page
    textarea = page[page.index("<textarea") : page.index("</textarea>")]
    for attribute in ('autocomplete="off"', 'autocorrect="off"', 'spellcheck="false"'):
        assert attribute in textarea
    icon = await client.get("/static/icon.svg")
    assert icon.headers["content-type"] == "image/svg+xml"
    assert b"<script" not in icon.content and b"href" not in icon.content


async def test_the_page_holds_the_exit_and_the_emergency_numbers_in_every_language(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/")).text
    assert '<a id="exit" class="exit" href="https://www.google.com/" rel="noreferrer"' in page
    template = page[page.index('<template id="emergency">') : page.index("</template>")]
    for language, police in [
        ("en", "Police"),
        ("ja", "警察"),
        ("th", "ตำรวจ"),
        ("tl", "Pulis"),
        ("es", "Policía"),
        ("vi", "Cảnh sát"),
    ]:
        assert f'<section data-lang="{language}" lang="{language}">' in template
        assert f'<a href="tel:110">{police}: 110</a>' in template
    assert template.count('<a href="tel:119">') == len(CODES)
    assert "{{" not in page  # every placeholder filled


async def test_directory_text_and_the_exit_url_are_escaped_into_the_page(
    settings: Settings, rasa: FakeRasa, tmp_path: Path, serve: Serve
) -> None:
    directory = tmp_path / "hostile.yml"
    directory.write_text(
        "entries:\n"
        "- {id: x, kind: emergency, name: {en: '<img src=x onerror=alert(1)>'},"
        " phone: '110\"><script>alert(1)</script>', partner_confirmed: false,"
        " source: test, verified: 2025-01-01}\n",
        encoding="utf-8",
    )
    app = create_app(
        settings.model_copy(
            update={"directory_path": directory, "exit_url": "https://example.org/?a=1&b=2"}
        ),
        rasa_transport=httpx.MockTransport(rasa),
    )
    async with serve(app) as client:
        page = (await client.get("/")).text
    assert "<img" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;: 110&quot;&gt;&lt;script&gt;" in page
    assert 'href="tel:1101"' in page  # only digits and + are dialled
    assert 'href="https://example.org/?a=1&amp;b=2"' in page


@pytest.mark.parametrize(
    "url",
    [
        "http://example.org/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "https://user:pw@example.org/",
        'https://example.org/"onclick="x',
        "https://example.org/<x>",
        "//example.org/",
        "https://",
    ],
)
def test_the_exit_url_must_be_a_plain_https_url(url: str) -> None:
    with pytest.raises(ValueError, match="KAKEKOMI_EXIT_URL"):
        Settings(exit_url=url)
