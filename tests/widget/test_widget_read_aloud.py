"""Read aloud: a button on the assistant's messages, only with a voice that runs on the phone.

Chromium's headless build has no voices, so each test installs a fake ``speechSynthesis``
before the page loads (an init script) with the voices a phone might have.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.live_servers import Gateway
from tests.widget.assistant import GREETING
from tests.widget.browsing import Watch, say

pytestmark = pytest.mark.widget

READ_ALOUD = {"en": "Read aloud", "th": "อ่านออกเสียง", "tl": "Basahin nang malakas"}

FAKE_SPEECH = """(voices) => {
    window.__spoken = [];
    window.__cancelled = 0;
    const listeners = [];
    const synth = {
        getVoices: () => window.__voices,
        speak: (u) => window.__spoken.push({ text: u.text, voice: u.voice && u.voice.name, lang: u.lang }),
        cancel: () => { window.__cancelled += 1; },
        addEventListener: (type, listener) => listeners.push(listener),
    };
    window.__voices = voices.slice(0, 0);
    window.__later = voices;
    window.__loadVoices = () => { window.__voices = window.__later; listeners.forEach((l) => l()); };
    Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
    window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; } };
}"""

THAI_LOCAL = {"name": "Kanya", "lang": "th-TH", "localService": True}
THAI_NETWORK = {"name": "Google ไทย", "lang": "th-TH", "localService": False}
ENGLISH_LOCAL = {"name": "Samantha", "lang": "en-US", "localService": True}
FILIPINO_LOCAL = {"name": "Angelo", "lang": "fil-PH", "localService": True}


def with_voices(context: BrowserContext, voices: list[dict]) -> Page:
    # The voices arrive after the page has loaded, as they do on phones.
    context.add_init_script(f"({FAKE_SPEECH})({json.dumps(voices)})")
    page = context.new_page()
    return page


def chat(page: Page, gateway: Gateway, language: str) -> None:
    page.goto(gateway.url)
    page.evaluate("window.__loadVoices()")
    page.get_by_role("combobox").select_option(language)
    say(page, "hello")
    expect(page.locator(".msg.bot").first).to_contain_text(GREETING[language])


def test_a_local_voice_in_her_language_reads_the_message_and_nothing_else(
    context: BrowserContext, gateway: Gateway
) -> None:
    page = with_voices(context, [THAI_NETWORK, ENGLISH_LOCAL, THAI_LOCAL])
    watch = Watch(page)
    chat(page, gateway, "th")
    buttons = page.get_by_role("button", name=READ_ALOUD["th"])
    expect(buttons).to_have_count(2)  # one per assistant message
    buttons.first.click()
    assert page.evaluate("window.__spoken") == [
        {"text": GREETING["th"], "voice": "Kanya", "lang": "th-TH"}
    ]
    assert watch.errors == []


def test_tagalog_is_read_by_a_filipino_voice(context: BrowserContext, gateway: Gateway) -> None:
    page = with_voices(context, [FILIPINO_LOCAL])
    chat(page, gateway, "tl")
    page.get_by_role("button", name=READ_ALOUD["tl"]).first.click()
    assert page.evaluate("window.__spoken[0].voice") == "Angelo"


@pytest.mark.parametrize(
    "voices",
    [[], [THAI_NETWORK], [ENGLISH_LOCAL, THAI_NETWORK]],
    ids=["no-voice", "network-voice-only", "local-voice-in-another-language"],
)
def test_no_button_without_a_local_voice_in_her_language(
    context: BrowserContext, gateway: Gateway, voices: list[dict]
) -> None:
    page = with_voices(context, voices)
    chat(page, gateway, "th")
    expect(page.locator(".read-aloud")).to_have_count(0)
    # Her own messages never get one, whatever the voices.
    expect(page.locator(".msg.me .read-aloud")).to_have_count(0)


def test_no_button_when_the_browser_has_no_speech_synthesis(
    context: BrowserContext, gateway: Gateway
) -> None:
    context.add_init_script(
        "delete Window.prototype.speechSynthesis; delete window.speechSynthesis"
    )
    page = context.new_page()
    watch = Watch(page)
    page.goto(gateway.url)
    assert page.evaluate("'speechSynthesis' in window") is False
    page.get_by_role("combobox").select_option("en")
    say(page, "hello")
    expect(page.locator(".msg.bot").first).to_contain_text(GREETING["en"])
    expect(page.locator(".read-aloud")).to_have_count(0)
    assert watch.errors == []
