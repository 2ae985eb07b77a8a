"""Quick exit, by the button and by Esc three times: nothing of the conversation is left."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.live_servers import FakeRasa, Gateway
from tests.widget.browsing import (
    CANARY,
    Watch,
    assert_nothing_left,
    chat_after_another_site,
    gateway_knows,
    record_beacons,
    say,
)

pytestmark = pytest.mark.widget


def test_the_exit_button_leaves_nothing_behind(
    context: BrowserContext, page: Page, gateway: Gateway, rasa: FakeRasa, watch: Watch
) -> None:
    beacons = record_beacons(page)
    chat_after_another_site(page, gateway, "tl")
    session = rasa.received[-1]["sender"]
    exit_button = page.get_by_role("link", name="Umalis sa page na ito")
    expect(exit_button).to_be_visible()
    exit_button.click()
    assert_nothing_left(context, page, gateway, session, beacons)
    assert watch.errors == []


def test_esc_three_times_leaves_nothing_behind(
    context: BrowserContext, page: Page, gateway: Gateway, rasa: FakeRasa, watch: Watch
) -> None:
    beacons = record_beacons(page)
    chat_after_another_site(page, gateway, "es")
    session = rasa.received[-1]["sender"]
    page.get_by_role("textbox").focus()  # Esc works wherever the focus is
    page.keyboard.press("Escape")
    expect(page.get_by_role("status")).to_have_text("Pulsa Esc 2 veces más para salir")
    page.keyboard.press("Escape")
    expect(page.get_by_role("status")).to_have_text("Pulsa Esc una vez más para salir")
    expect(page).to_have_url(f"{gateway.url}/")  # not yet
    page.keyboard.press("Escape")
    assert_nothing_left(context, page, gateway, session, beacons)
    assert watch.errors == []


def test_esc_presses_far_apart_do_not_add_up(page: Page, gateway: Gateway) -> None:
    page.clock.install()
    page.goto(gateway.url)
    for _ in range(3):
        page.keyboard.press("Escape")
        page.clock.run_for(3500)
    expect(page).to_have_url(f"{gateway.url}/")


def test_reloading_the_page_also_forgets_the_conversation(
    page: Page, gateway: Gateway, rasa: FakeRasa
) -> None:
    page.goto(gateway.url)
    say(page, CANARY)
    session = rasa.received[-1]["sender"]
    assert gateway_knows(gateway, session)
    page.reload()
    expect(page.locator("#log")).not_to_contain_text(CANARY)
    deadline = time.monotonic() + 5
    while gateway_knows(gateway, session):
        assert time.monotonic() < deadline, "the gateway still holds the conversation"
        time.sleep(0.1)
