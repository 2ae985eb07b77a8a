"""Screenshots of the cards on a 360 px phone in every language, for a person to look at.

``KAKEKOMI_SCREENSHOTS=<folder>`` writes them there (tests/widget/references/ holds the ones
a person compared and kept); without it they go to a temporary folder. The test itself checks
what a glance would: nothing wider than the screen, the first Call button on screen.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from actions.hours import JAPAN
from kakekomi_common.languages import CODES as LANGUAGES
from tests.live_servers import FakeRasa, Gateway
from tests.widget.assistant import PASSPORT, contacts_assistant
from tests.widget.browsing import new_context, say
from tests.widget.test_widget_mobile import PHONE

pytestmark = pytest.mark.widget

TWO_AM = datetime.datetime(2026, 12, 8, 2, 0, tzinfo=JAPAN)


@pytest.fixture
def phone(browser: Browser, gateway: Gateway) -> Iterator[BrowserContext]:
    # One device pixel per CSS pixel: 360 px wide images, small enough to keep in the repository.
    context = new_context(browser, gateway, **{**PHONE, "device_scale_factor": 1})
    yield context
    context.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("KAKEKOMI_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("language", LANGUAGES)
def test_cards_at_2am_on_a_360px_phone(
    phone: BrowserContext, gateway: Gateway, rasa: FakeRasa, folder: Path, language: str
) -> None:
    rasa.reset(contacts_assistant(TWO_AM))
    page = phone.new_page()
    page.goto(gateway.url)
    page.get_by_role("combobox").select_option(language)
    say(page, PASSPORT[language])
    cards = page.locator(".msg.cards")
    expect(cards).to_be_visible()
    # Scroll the conversation so that the assistant's answer is at its top, as she sees it.
    page.locator(".msg.bot").first.evaluate(
        """element => { const log = element.parentElement;
            log.scrollTop += element.getBoundingClientRect().top
                - log.getBoundingClientRect().top - 8; }"""
    )
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    call = page.locator(".card .call").first
    box = call.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 640
    page.screenshot(path=folder / f"cards-{language}.png")
    # And every card at once, on a screen as tall as the conversation.
    height = page.evaluate("document.getElementById('log').scrollHeight + 200")
    page.set_viewport_size({"width": 360, "height": height})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=folder / f"cards-{language}-all.png")
