"""What the quick exit could leave behind: a first message still waiting, a tab a link opened.

Issue 15, item 3 and "also look at". The page does not know the conversation's id until the
first answer arrives, so it cannot send the forget beacon: the gateway must keep nothing of
a conversation whose first answer found her gone. A link of the assistant opens a new tab,
which must go with the chat.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.live_servers import FakeRasa, Gateway
from tests.widget.assistant import LINK_HREFS, assistant
from tests.widget.browsing import CANARY, EXIT_URL, START_URL, Watch, gateway_knows, say

pytestmark = pytest.mark.widget


def test_exit_during_her_first_message_leaves_nothing_in_the_gateway(
    context: BrowserContext, page: Page, gateway: Gateway, rasa: FakeRasa, watch: Watch
) -> None:
    answered = threading.Event()

    def held(body: dict[str, Any]) -> tuple[int, Any]:
        rasa.released.wait(timeout=20)
        try:
            return assistant(body)
        finally:
            answered.set()

    rasa.reply = held
    page.goto(START_URL)
    page.goto(gateway.url)
    page.locator("#text").fill(CANARY)
    page.locator("#text").press("Enter")
    deadline = time.monotonic() + 10
    while not rasa.received:
        assert time.monotonic() < deadline, "her message never reached the assistant"
        time.sleep(0.02)
    session = rasa.received[-1]["sender"]
    page.get_by_role("link", name="Exit this page").click()
    expect(page).to_have_url(EXIT_URL)
    rasa.released.set()  # the assistant answers only now, after she left
    assert answered.wait(timeout=10)
    time.sleep(0.5)  # the gateway finishes that request
    rasa.reply = assistant
    assert not gateway_knows(gateway, session)
    assert CANARY not in page.content()
    assert watch.errors == []


def test_exit_closes_the_tab_an_assistant_link_opened(
    context: BrowserContext, page: Page, gateway: Gateway, watch: Watch
) -> None:
    context.route(
        LINK_HREFS[0],
        lambda route: route.fulfill(
            content_type="text/html", body="<!doctype html><title>ISA</title><p>visa</p>"
        ),
    )
    page.goto(gateway.url)
    say(page, "links please")
    with context.expect_page() as opening:
        page.locator(".msg.bot a").first.click()
    tab = opening.value
    tab.wait_for_url(LINK_HREFS[0])
    page.bring_to_front()
    page.get_by_role("link", name="Exit this page").click()
    expect(page).to_have_url(EXIT_URL)
    if not tab.is_closed():
        tab.wait_for_event("close", timeout=5000)
    assert context.pages == [page]
    assert watch.errors == []
