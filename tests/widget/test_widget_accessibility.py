"""axe-core's audit of the chat page in real Chromium: no WCAG 2.2 AA violation anywhere.

axe-core comes from npm (tests/widget/package.json, installed by ``make widget-deps``:
``npm ci --prefix tests/widget``). It is added to the page under test as a script tag in a
browser profile that bypasses the page's Content-Security-Policy, which would otherwise
(rightly) refuse it; axe only reads the page.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from actions.hours import JAPAN
from kakekomi_common.languages import CODES as LANGUAGES
from tests.live_servers import FakeRasa, Gateway
from tests.widget.assistant import DANGER, PASSPORT, contacts_assistant
from tests.widget.browsing import new_context, say
from tests.widget.test_widget_mobile import PHONE

pytestmark = pytest.mark.widget

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SUNDAY_NIGHT = datetime.datetime(2026, 12, 6, 23, 30, tzinfo=JAPAN)
LOCAL_VOICES = """() => {
    const voices = ["en-US", "ja-JP", "th-TH", "fil-PH", "es-ES", "zh-CN", "vi-VN", "my-MM",
      "ne-NP", "id-ID"].map(
        (lang) => ({ name: lang, lang, localService: true }));
    Object.defineProperty(window, "speechSynthesis", { configurable: true, value: {
        getVoices: () => voices, speak() {}, cancel() {}, addEventListener() {} } });
}"""

AUDIT = """async (tags) => {
    const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations.map((v) =>
        `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}"""


@pytest.fixture
def audited(browser: Browser, gateway: Gateway) -> Iterator[BrowserContext]:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): make widget-deps")
    context = new_context(browser, gateway, bypass_csp=True, **PHONE)
    context.add_init_script(f"({LOCAL_VOICES})()")
    yield context
    context.close()


def violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found: list[str] = page.evaluate(AUDIT, WCAG_22_AA)
    return found


def test_the_audit_finds_a_real_violation(audited: BrowserContext, gateway: Gateway) -> None:
    """The audit can fail: a pale exit button and a nameless button are caught."""
    page = audited.new_page()
    page.goto(gateway.url)
    page.evaluate("document.getElementById('exit').style.background = '#f0a0a0'")
    page.evaluate("""() => { const send = document.getElementById('send');
        send.removeAttribute('aria-label'); send.textContent = ''; }""")
    found = " ".join(violations(page))
    assert "color-contrast" in found and "button-name" in found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_start_page(audited: BrowserContext, gateway: Gateway, language: str) -> None:
    page = audited.new_page()
    page.goto(gateway.url)
    page.get_by_role("combobox").select_option(language)
    assert violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("text", [PASSPORT, {"all": DANGER}], ids=["passport", "emergency"])
def test_a_conversation_with_cards_and_read_aloud(
    audited: BrowserContext, gateway: Gateway, rasa: FakeRasa, language: str, text: dict
) -> None:
    rasa.reset(contacts_assistant(SUNDAY_NIGHT))
    page = audited.new_page()
    page.goto(gateway.url)
    page.get_by_role("combobox").select_option(language)
    say(page, text.get(language) or text["all"])
    expect(page.locator(".card").first).to_be_visible()
    expect(page.locator(".read-aloud").first).to_be_visible()
    assert violations(page) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_offline_with_the_emergency_numbers(
    audited: BrowserContext, gateway: Gateway, language: str
) -> None:
    page = audited.new_page()
    page.goto(gateway.url)
    page.get_by_role("combobox").select_option(language)
    audited.set_offline(True)
    say(page, "hello")
    expect(page.locator(".msg.emergency a[href^='tel:']").first).to_be_visible()
    assert violations(page) == []
