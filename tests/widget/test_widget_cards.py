"""Contact cards on a phone, at fixed clocks: who answers now comes first, one tap calls.

The assistant is scripted, but the cards it sends are the real action's (actions/cards.py)
from the real directory at the test's clock, carried by the real gateway to real Chromium.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from actions.hours import JAPAN
from kakekomi_common.languages import CODES as LANGUAGES
from tests.live_servers import FakeRasa, Gateway
from tests.widget.assistant import DANGER, EMBASSY, PASSPORT, contacts_assistant
from tests.widget.browsing import Watch, new_context, say
from tests.widget.test_widget_mobile import PHONE

pytestmark = pytest.mark.widget

WEEKDAY_AFTERNOON = datetime.datetime(2026, 12, 9, 15, 0, tzinfo=JAPAN)  # Wednesday
SUNDAY_NIGHT = datetime.datetime(2026, 12, 6, 23, 30, tzinfo=JAPAN)
HOLIDAY = datetime.datetime(2026, 11, 23, 14, 0, tzinfo=JAPAN)  # Labour Thanksgiving Day
TWO_AM = datetime.datetime(2026, 12, 8, 2, 0, tzinfo=JAPAN)  # a Tuesday

OPEN_NOW = {"en": "Open now", "ja": "いま受付中", "th": "เปิดอยู่ตอนนี้", "tl": "Bukas ngayon"}
CLOSED_NOW = {"en": "Closed now", "th": "ตอนนี้ปิด"}
CALL = {"en": "Call", "ja": "電話する", "th": "โทร", "tl": "Tumawag", "es": "Llamar"}


@pytest.fixture
def phone(browser: Browser, gateway: Gateway) -> Iterator[BrowserContext]:
    context = new_context(browser, gateway, **PHONE)
    yield context
    context.close()


def ask(page: Page, gateway: Gateway, language: str, text: str) -> None:
    page.goto(gateway.url)
    page.get_by_role("combobox").select_option(language)
    say(page, text)
    expect(page.locator(".card").first).to_be_visible()


def shown(page: Page) -> list[str]:
    return page.locator(".card").evaluate_all("cards => cards.map(c => c.dataset.contact)")


OTIT_EN = "otit_english"
LATER = [OTIT_EN, "labour_hotline"]  # closed: a phone first, then the one without


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        # OTIT's Chinese, Vietnamese, Indonesian and Filipino lines are not listed to a Thai
        # writer (their `audience`); its English line is (no Thai line was found).
        (WEEKDAY_AFTERNOON, ["houterasu", "police", "tokyo_police_english", *LATER]),
        (SUNDAY_NIGHT, ["police", "tokyo_police_english", "houterasu", *LATER]),
        (HOLIDAY, ["police", "tokyo_police_english", "labour_hotline", "houterasu", OTIT_EN]),
    ],
    ids=["weekday-afternoon", "sunday-night", "public-holiday"],
)
def test_cards_come_in_the_order_of_who_answers_her_now(
    phone: BrowserContext, gateway: Gateway, rasa: FakeRasa, clock, expected
) -> None:
    rasa.reset(contacts_assistant(clock))
    page = phone.new_page()
    watch = Watch(page)
    ask(page, gateway, "th", PASSPORT["th"])
    assert shown(page) == expected
    first = page.locator(".card").first
    expect(first.locator(".card-state")).to_contain_text(OPEN_NOW["th"])
    # The text they stand for is not shown twice; the check note follows the cards.
    expect(page.locator(".msg.bot", has_text="0570-078377")).to_have_count(1)
    expect(page.locator(".msg.bot").last).to_contain_text("กรุณาตรวจสอบ")
    assert watch.errors == []


def test_a_closed_line_says_when_it_opens_in_japan_time(
    phone: BrowserContext, gateway: Gateway, rasa: FakeRasa
) -> None:
    rasa.reset(contacts_assistant(SUNDAY_NIGHT))
    page = phone.new_page()
    ask(page, gateway, "en", PASSPORT["en"])
    houterasu = page.locator('.card[data-contact="houterasu"] .card-state')
    expect(houterasu).to_have_text("Closed now · opens Mon 09:00")
    expect(page.locator('.card[data-contact="police"] .card-state')).to_have_text("Open now")


def test_at_2am_the_first_thing_under_the_answer_calls_a_line_open_in_her_language(
    phone: BrowserContext, gateway: Gateway, rasa: FakeRasa
) -> None:
    language = "en"
    rasa.reset(contacts_assistant(TWO_AM))
    page = phone.new_page()
    ask(page, gateway, language, PASSPORT[language])
    answer = page.locator(".msg.bot").first
    cards = answer.locator("xpath=following-sibling::li[1]")
    first = cards.locator(".card").first
    expect(first.locator(".card-state")).to_contain_text(OPEN_NOW[language])
    call = first.get_by_role("link", name=CALL[language])
    expect(call).to_be_visible()
    assert call.get_attribute("href") == "tel:0335010110"
    expect(first.locator(".card-langs")).to_have_text("Answers in: English")
    # In view at once, and big enough to hit with a thumb in a hurry.
    box = call.bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 200


@pytest.mark.parametrize("clock", [WEEKDAY_AFTERNOON, SUNDAY_NIGHT, HOLIDAY])
@pytest.mark.parametrize("language", LANGUAGES)
def test_in_an_emergency_110_and_119_are_always_on_top(
    phone: BrowserContext, gateway: Gateway, rasa: FakeRasa, clock, language: str
) -> None:
    rasa.reset(contacts_assistant(clock))
    page = phone.new_page()
    ask(page, gateway, language, DANGER)
    assert shown(page)[:2] == ["police", "ambulance"]
    links = page.locator(".card .call:not(.call-alt)")
    assert [links.nth(i).get_attribute("href") for i in range(2)] == ["tel:110", "tel:119"]


def test_every_card_calls_its_number_names_its_languages_and_keeps_its_mark(
    phone: BrowserContext, gateway: Gateway, rasa: FakeRasa
) -> None:
    rasa.reset(contacts_assistant(WEEKDAY_AFTERNOON))
    page = phone.new_page()
    ask(page, gateway, "es", PASSPORT["es"])
    houterasu = page.locator('.card[data-contact="houterasu"]')
    calls = houterasu.get_by_role("link", name=CALL["es"])
    assert [calls.nth(i).get_attribute("href") for i in range(calls.count())] == [
        "tel:0570078377",
        "tel:05037545430",
    ]
    expect(houterasu.locator(".card-name")).to_have_text(
        "Houterasu (ayuda legal), línea multilingüe *"
    )
    expect(houterasu.locator(".card-help")).to_have_text("Asesoría legal")
    expect(houterasu.locator(".card-langs")).to_contain_text("tailandés")
    expect(houterasu.locator(".card-check")).to_be_visible()
    # No phone, no Call button: the hotline's numbers per language are on its web page.
    labour = page.locator('.card[data-contact="labour_hotline"]')
    expect(labour.get_by_role("link", name=CALL["es"])).to_have_count(0)
    web = labour.get_by_role("link", name="Página web")
    assert (
        web.get_attribute("href")
        == "https://www.check-roudou.mhlw.go.jp/lp/hotline/hotline_eng.html"
    )
    assert web.get_attribute("rel") == "noopener noreferrer"
    # Every card fits the 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_unknown_hours_are_shown_as_unknown_after_the_lines_that_answer(
    phone: BrowserContext, gateway: Gateway, rasa: FakeRasa
) -> None:
    rasa.reset(contacts_assistant(SUNDAY_NIGHT))
    page = phone.new_page()
    ask(page, gateway, "th", EMBASSY)
    assert shown(page)[0] == "thai_mfa_call_centre"  # open around the clock
    thai = page.locator('.card[data-contact="embassy_thailand"]')
    expect(thai.locator(".card-state")).to_have_text("ไม่ทราบเวลาทำการ")
    expect(thai.get_by_role("link", name="เว็บไซต์")).to_be_visible()
    # Thailand's lines and IOM only, no other country's embassy; IOM, closed on Sunday
    # night, comes after the line open around the clock and the embassy of unknown hours.
    assert shown(page) == ["thai_mfa_call_centre", "embassy_thailand", "iom_japan"]


def test_text_follows_the_phones_font_size(
    phone: BrowserContext, gateway: Gateway, rasa: FakeRasa
) -> None:
    rasa.reset(contacts_assistant(WEEKDAY_AFTERNOON))
    page = phone.new_page()
    ask(page, gateway, "en", PASSPORT["en"])
    sizes = """() => [".card-name", ".card .call", ".msg.bot", "#text", ".exit"].map(
        (s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))"""
    before = page.evaluate(sizes)
    page.evaluate("document.documentElement.style.fontSize = '150%'")
    after = page.evaluate(sizes)
    assert after == [pytest.approx(size * 1.5) for size in before]
