"""Markup typed by her or relayed by the assistant is shown as text and never runs.

Run twice: with the page's Content-Security-Policy, and with Chromium told to ignore it,
so the rendering is shown safe on its own and not only because the policy blocks scripts.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.live_servers import Gateway
from tests.widget.assistant import XSS_PAYLOADS
from tests.widget.browsing import Watch, new_context, say

pytestmark = pytest.mark.widget

INJECTED = "#log img, #log script, #log svg, #log iframe, #log object, #log embed, #log [style]"


@pytest.fixture(params=["with-csp", "csp-bypassed"])
def xss_context(
    request: pytest.FixtureRequest, browser: Browser, gateway: Gateway
) -> Iterator[BrowserContext]:
    context = new_context(browser, gateway, bypass_csp=request.param == "csp-bypassed")
    yield context
    context.close()


def test_injected_markup_is_shown_as_text_and_never_runs(
    xss_context: BrowserContext, gateway: Gateway
) -> None:
    page: Page = xss_context.new_page()
    watch = Watch(page)
    page.goto(gateway.url)
    # What she types (the assistant echoes it back as its own text)...
    for payload in XSS_PAYLOADS[:4]:
        say(page, payload)
    # ...and what the assistant sends, as text and as button titles.
    say(page, "inject")
    log = page.locator("#log")
    for payload in XSS_PAYLOADS:
        expect(log.locator(".msg.bot", has_text=payload).first).to_be_attached()
        expect(log.get_by_role("button", name=payload, exact=True)).to_be_attached()
    for payload in XSS_PAYLOADS[:4]:
        expect(log.locator(".msg.me", has_text=payload)).to_have_count(1)
    # Hover and tap everything that could carry a handler.
    for link in log.locator("a").all():
        link.hover()
    page.locator(".msg").last.hover()
    page.wait_for_timeout(200)  # an image's onerror fires after a failed load
    assert page.locator(INJECTED).count() == 0
    assert page.evaluate("window.__xss") is None
    assert page.title() == "Chat"
    assert watch.dialogs == [] and watch.errors == []
    # Only https URLs became links; the quoted "attributes" stayed outside them.
    hrefs = log.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == ["https://evil.example/", "https://evil.example/"]
    assert all(href.startswith("https://") for href in hrefs)
