"""On a narrow phone screen, as a new user: chat, switch language, Esc three times, gone.

Also what the page costs and how it reads there: under 60 KB over the wire, nothing wider
than the screen, the exit always in view and never covered, tap targets of 44 px, and
every text at WCAG AA contrast.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.live_servers import FakeRasa, Gateway
from tests.widget.assistant import GREETING
from tests.widget.browsing import (
    Watch,
    assert_nothing_left,
    chat_after_another_site,
    new_context,
    record_beacons,
    say,
)

pytestmark = pytest.mark.widget

PHONE = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
PAGE_BUDGET_BYTES = 60 * 1024

CONTRAST_FAILURES = """() => {
    const parse = (css) => {
        const [r, g, b, a = 1] = css.match(/[\\d.]+/g).map(Number);
        return { r, g, b, a };
    };
    const channel = (v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    };
    const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
    const background = (element) => {
        for (let e = element; e; e = e.parentElement) {
            const colour = parse(getComputedStyle(e).backgroundColor);
            if (colour.a > 0) return colour;
        }
        return { r: 255, g: 255, b: 255, a: 1 };
    };
    const failures = [];
    for (const element of document.querySelectorAll("body *")) {
        const hasText = [...element.childNodes].some(
            (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
        const box = element.getBoundingClientRect();
        if (!hasText || box.width === 0 || element.closest(".visually-hidden")) continue;
        const [light, dark] = [luminance(parse(getComputedStyle(element).color)),
                               luminance(background(element))].sort((x, y) => y - x);
        const ratio = (light + 0.05) / (dark + 0.05);
        if (ratio < 4.5) failures.push(`${element.tagName}.${element.className} ${ratio.toFixed(2)}`);
    }
    return failures;
}"""

UNCOVERED = """(element) => {
    const box = element.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return box.top >= 0 && box.bottom <= window.innerHeight && element.contains(hit);
}"""


@pytest.fixture
def phone(browser: Browser, gateway: Gateway) -> Iterator[BrowserContext]:
    context = new_context(browser, gateway, **PHONE)
    yield context
    context.close()


def test_the_whole_page_weighs_under_60_kb_over_the_wire(
    phone: BrowserContext, gateway: Gateway
) -> None:
    page = phone.new_page()
    sizes: dict[str, int] = {}

    def count(request: object) -> None:
        measured = request.sizes()  # type: ignore[attr-defined]
        sizes[request.url] = measured["responseBodySize"] + measured["responseHeadersSize"]  # type: ignore[attr-defined]

    page.on("requestfinished", count)
    page.goto(gateway.url, wait_until="networkidle")
    assert set(sizes) == {
        f"{gateway.url}/{path}"
        for path in ("", "static/style.css", "static/app.js", "static/icon.svg")
    }
    total = sum(sizes.values())
    print(f"page weight: {total} bytes over the wire ({len(sizes)} requests)")
    assert total < PAGE_BUDGET_BYTES


def test_a_new_user_on_a_phone_chats_switches_language_and_leaves_without_a_trace(
    phone: BrowserContext, gateway: Gateway, rasa: FakeRasa
) -> None:
    page: Page = phone.new_page()
    watch = Watch(page)
    beacons = record_beacons(page)
    chat_after_another_site(page, gateway, "en")
    for number in range(8):  # enough to scroll the conversation well past the screen
        say(page, f"message {number}")

    # Nothing is wider than the screen; the exit is in view and on top of everything.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    exit_link = page.get_by_role("link", name="Exit this page")
    assert exit_link.evaluate(UNCOVERED)
    page.locator("#log").evaluate("log => log.scrollTo(0, log.scrollHeight / 2)")
    assert exit_link.evaluate(UNCOVERED)
    assert page.get_by_role("textbox").evaluate(UNCOVERED)
    # Every control is big enough to tap.
    for control in [
        exit_link,
        page.get_by_role("combobox"),
        page.get_by_role("textbox"),
        page.get_by_role("button", name="Send"),
        page.get_by_role("button", name="Visa").first,
    ]:
        box = control.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
    assert page.evaluate(CONTRAST_FAILURES) == []

    # Switch to Thai by tapping; the interface follows, the conversation goes on.
    page.get_by_role("combobox").select_option("th")
    expect(page.get_by_role("link", name="ออกจากหน้านี้")).to_be_visible()
    page.get_by_role("textbox").fill("ต้องการความช่วยเหลือ")
    page.get_by_role("button", name="ส่ง").tap()
    expect(page.locator(".msg.bot[lang=th]").first).to_contain_text(GREETING["th"])
    assert page.evaluate(CONTRAST_FAILURES) == []
    session = rasa.received[-1]["sender"]

    for _ in range(3):
        page.keyboard.press("Escape")
    assert_nothing_left(phone, page, gateway, session, beacons)
    assert watch.errors == []
