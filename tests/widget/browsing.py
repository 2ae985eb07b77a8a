"""Helpers that drive the page as she would, in a browser profile that reaches nothing else."""

from __future__ import annotations

import time
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.live_servers import Gateway

EXIT_URL = "https://neutral.example/"
START_URL = "https://start.example/"


def _stub(route: Route) -> None:
    url = route.request.url
    if url.startswith((EXIT_URL, START_URL)):
        title = "Weather" if url.startswith(EXIT_URL) else "News"
        route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body=f"<!doctype html><title>{title}</title><p>{title}</p>",
        )
    else:
        route.abort()  # nothing leaves this machine


def new_context(browser: Browser, gateway: Gateway, **options: Any) -> BrowserContext:
    """A fresh browser profile in which only the gateway and the stubs answer."""
    context = browser.new_context(**options)
    context.route(lambda url: not url.startswith(gateway.url), _stub)
    context.set_default_timeout(10_000)
    return context


class Watch:
    """What the page did that it never should: dialogs, uncaught errors."""

    def __init__(self, page: Page) -> None:
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def say(page: Page, text: str) -> None:
    """Type a message and press Enter, as she would; wait until the answer has arrived."""
    before = page.locator("#log > li").count()
    page.locator("#text").fill(text)
    page.locator("#text").press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#log > li').length > n + 1"
        " && document.getElementById('log').getAttribute('aria-busy') === 'false'",
        arg=before,
    )


CANARY = "kinuha ng amo ang pasaporte ko CANARY-5d1e"

STORAGE_IN_PAGE = """async () => ({
    cookie: document.cookie,
    local: localStorage.length,
    session: sessionStorage.length,
    databases: (await indexedDB.databases()).length,
    caches: (await caches.keys()).length,
})"""
NOTHING_STORED = {"cookie": "", "local": 0, "session": 0, "databases": 0, "caches": 0}


def chat_after_another_site(page: Page, gateway: Gateway, language: str) -> None:
    """She comes from another page, opens the chat, picks her language and writes."""
    page.goto(START_URL)
    page.goto(gateway.url)
    page.get_by_role("combobox").select_option(language)
    say(page, CANARY)
    expect(page.locator("#log")).to_contain_text(CANARY)
    assert page.evaluate(STORAGE_IN_PAGE) == NOTHING_STORED


def gateway_knows(gateway: Gateway, session: str) -> bool:
    """Whether the gateway still holds this conversation (it answers in it, or starts anew)."""
    response = httpx.post(
        f"{gateway.url}/api/chat",
        json={"session": session, "text": "/ping"},
        trust_env=False,
    )
    return bool(response.json()["session"] == session)


def assert_nothing_left(
    context: BrowserContext, page: Page, gateway: Gateway, session: str, beacons: list[str]
) -> None:
    expect(page).to_have_url(EXIT_URL)
    expect(page).to_have_title("Weather")
    # The chat's history entry was replaced: Back goes to the page before it.
    cdp = context.new_cdp_session(page)
    history: dict[str, Any] = cdp.send("Page.getNavigationHistory")
    urls = [entry["url"] for entry in history["entries"]]
    assert urls[-2:] == [START_URL, EXIT_URL]
    assert not any(url.startswith(gateway.url) for url in urls)
    page.go_back()
    expect(page).to_have_url(START_URL)
    page.go_forward()
    expect(page).to_have_url(EXIT_URL)
    # No cookie, no storage of any kind for any origin.
    state = context.storage_state(indexed_db=True)
    assert state["cookies"] == [] and state["origins"] == []
    # No page of this browser holds a word of the conversation.
    for open_page in context.pages:
        assert CANARY not in open_page.content()
    # The gateway was told to forget, by a beacon, and did.
    assert beacons == [f"{gateway.url}/api/chat/{session}/forget"]
    deadline = time.monotonic() + 5
    while gateway_knows(gateway, session):
        assert time.monotonic() < deadline, "the gateway still holds the conversation"
        time.sleep(0.1)


def record_beacons(page: Page) -> list[str]:
    beacons: list[str] = []
    page.on("request", lambda r: beacons.append(r.url) if r.url.endswith("/forget") else None)
    return beacons
