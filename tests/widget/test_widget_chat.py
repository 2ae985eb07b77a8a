"""A conversation in two languages, by keyboard only, with the language switched mid-way."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.live_servers import FakeRasa, Gateway
from tests.widget.assistant import GREETING, LINK_HREFS, LINK_TEXT, VISA_ANSWER
from tests.widget.browsing import Watch, say

pytestmark = pytest.mark.widget


def test_a_conversation_in_english_then_japanese_without_reload(
    page: Page, gateway: Gateway, rasa: FakeRasa, watch: Watch
) -> None:
    page.goto(gateway.url)
    expect(page).to_have_title("Chat")
    # Keyboard only: the quick exit comes first, then the language, "I have a code" (in the
    # notes above the conversation, where it is seen), the message box, Send.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Exit this page")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("combobox", name="Language")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="I have a code")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("textbox", name="Message")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send")).to_be_focused()

    page.get_by_role("combobox", name="Language").select_option("en")
    say(page, "hello, my boss took my passport")
    log = page.locator("#log")
    expect(log).to_have_attribute("aria-live", "polite")
    expect(log.locator(".msg.bot").first).to_have_text(f"Assistant: {GREETING['en']}")
    first = rasa.received[-1]
    assert first["metadata"]["language"] == "en"

    # Switch to Japanese: the interface changes at once, the page is not reloaded and the
    # conversation so far stays on screen.
    page.evaluate("window.__notReloaded = true")
    page.get_by_role("combobox", name="Language").select_option("ja")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("link", name="このページを出る")).to_be_visible()
    expect(page.get_by_role("textbox", name="メッセージ")).to_have_attribute(
        "placeholder", "ここに書いてください…"
    )
    expect(page.get_by_role("button", name="送信")).to_be_visible()
    assert page.evaluate("window.__notReloaded") is True
    expect(log).to_contain_text("hello, my boss took my passport")

    page.get_by_role("textbox", name="メッセージ").focus()
    say(page, "ビザが切れました")
    expect(log.locator(".msg.bot[lang=ja]").first).to_contain_text(GREETING["ja"])
    second = rasa.received[-1]
    assert second["metadata"]["language"] == "ja"
    assert second["sender"] == first["sender"]  # the same conversation

    # A button is answered by its payload, from the keyboard too.
    button = page.get_by_role("button", name="ビザ").last
    button.focus()
    page.keyboard.press("Enter")
    expect(log.locator(".msg.bot").last).to_have_text(f"アシスタント: {VISA_ANSWER['ja']}")
    assert rasa.received[-1]["message"] == "/ask_visa"
    assert rasa.received[-1]["sender"] == first["sender"]
    expect(log.locator(".msg.me").last).to_have_text("あなた: ビザ")

    assert watch.errors == [] and watch.dialogs == []


def test_https_links_in_the_assistants_text_are_plain_safe_links(
    page: Page, gateway: Gateway, watch: Watch
) -> None:
    page.goto(gateway.url)
    say(page, "links please")
    bubble = page.locator(".msg.bot").last
    # The text reads exactly as the assistant wrote it...
    assert bubble.evaluate("e => e.textContent.replace(/^[^:]+: /, '')") == LINK_TEXT
    # ...and only its https URLs became links, each opening apart, with no referrer.
    links = bubble.locator("a")
    assert links.evaluate_all("as => as.map(a => a.href)") == LINK_HREFS
    for index in range(links.count()):
        link = links.nth(index)
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("referrerpolicy", "no-referrer")
    assert (
        bubble.evaluate("e => e.querySelectorAll('*:not(a):not(span.visually-hidden)').length") == 0
    )
    assert watch.errors == []


def test_switching_to_nepali_shows_the_interface_and_answers_in_devanagari(
    page: Page, gateway: Gateway, rasa: FakeRasa, watch: Watch
) -> None:
    page.goto(gateway.url)
    page.get_by_role("combobox", name="Language").select_option("ne")
    expect(page.locator("html")).to_have_attribute("lang", "ne")
    expect(page.get_by_role("link", name="यो पेज छोड्नुहोस्")).to_be_visible()
    box = page.get_by_role("textbox", name="म्यासेज")
    expect(box).to_have_attribute("placeholder", "यहाँ लेख्नुहोस्…")
    expect(page.get_by_role("button", name="पठाउनुहोस्")).to_be_visible()

    say(page, "साहुले मेरो पासपोर्ट लियो")
    log = page.locator("#log")
    expect(log.locator(".msg.bot[lang=ne]").first).to_contain_text(GREETING["ne"])
    assert rasa.received[-1]["metadata"]["language"] == "ne"
    page.get_by_role("button", name="भिसा").last.click()
    expect(log.locator(".msg.bot").last).to_have_text(f"सहायक: {VISA_ANSWER['ne']}")
    assert rasa.received[-1]["message"] == "/ask_visa"

    # The page loads no font: the system's (fonts-noto-core) must draw Devanagari. With a
    # Devanagari font the conjunct क्ष (three code points) is one glyph, narrower than the two
    # letters कष; without one it is two or three empty boxes, as wide as कष or wider.
    conjunct, two_letters = page.evaluate(
        """() => { const c = document.createElement('canvas').getContext('2d');
            c.font = '32px sans-serif';
            return [c.measureText('क्ष').width, c.measureText('कष').width]; }"""
    )
    assert conjunct < 0.8 * two_letters
    assert watch.errors == [] and watch.dialogs == []
