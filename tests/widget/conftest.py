"""The chat page in real headless Chromium, against the real gateway and a scripted fake Rasa.

Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright for Python. Every
request to another origin is answered by a stub inside the browser, so nothing leaves
this machine: the "neutral site" of the quick exit and the page she came from are stubs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.live_servers import FakeRasa, Gateway, start_gateway
from tests.widget.assistant import assistant
from tests.widget.browsing import EXIT_URL, Watch, new_context

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(reply=assistant).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def gateway(rasa: FakeRasa, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    server = start_gateway(
        tmp_path_factory.mktemp("widget-gateway"),
        rasa.port,
        exit_url=EXIT_URL,
        rate_limit=10_000,
    )
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def fresh_assistant(rasa: FakeRasa) -> None:
    rasa.reset(assistant)


# Module scope: Playwright's sync API holds an event loop in this thread while it runs, so
# it must be gone before any async test elsewhere starts one.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"the widget tests need Debian's Chromium at {CHROMIUM}: apt-get install chromium"
        )
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        headless=True,
    )
    yield chromium
    chromium.close()


@pytest.fixture
def context(browser: Browser, gateway: Gateway) -> Iterator[BrowserContext]:
    ctx = new_context(browser, gateway)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def watch(page: Page) -> Watch:
    return Watch(page)
