"""When the assistant, the limits or the gateway fail her, the emergency numbers are there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from api.fallback import HEADERS
from tests.live_servers import FakeRasa, Gateway, start_gateway
from tests.widget.assistant import GREETING
from tests.widget.browsing import EXIT_URL, Watch, new_context, say

pytestmark = pytest.mark.widget

# The test directory's numbers (tests/live_servers.py), named in Thai.
THAI_LINES = ["ตำรวจ: 110", "รถพยาบาล: 119"]
THAI_OFFLINE = "ตอนนี้เชื่อมต่อไม่ได้ ถ้าคุณตกอยู่ในอันตราย โทร:"


@pytest.fixture
def own_gateway(rasa: FakeRasa, tmp_path: Path) -> Iterator[Gateway]:
    """A gateway this test may stop; three messages a minute so the limit is reached."""
    server = start_gateway(tmp_path, rasa.port, exit_url=EXIT_URL, rate_limit=3)
    yield server
    server.stop()


@pytest.fixture
def own_context(browser: Browser, own_gateway: Gateway) -> Iterator[BrowserContext]:
    context = new_context(browser, own_gateway)
    yield context
    context.close()


def last_emergency(page: Page) -> Locator:
    block = page.locator(".msg.emergency").last
    expect(block).to_be_visible()
    expect(block).to_have_attribute("lang", "th")
    return block


def test_every_failure_shows_the_numbers_in_her_language(
    own_context: BrowserContext, own_gateway: Gateway, rasa: FakeRasa
) -> None:
    page = own_context.new_page()
    watch = Watch(page)
    page.goto(own_gateway.url)
    page.get_by_role("combobox").select_option("th")

    say(page, "สวัสดี")  # 1: the assistant answers
    expect(page.locator(".msg.bot").first).to_contain_text(GREETING["th"])

    rasa.reply = lambda body: (500, {"error": "model not loaded"})
    say(page, "ช่วยด้วย")  # 2: the assistant fails: the gateway's 503 carries the numbers
    block = last_emergency(page)
    expect(block.locator("p")).to_have_text([HEADERS["th"], *THAI_LINES])

    rasa.reset()
    say(page, "ช่วยด้วย")  # 3: fine again
    say(page, "ช่วยด้วย")  # 4: her conversation's third message since the first
    say(page, "ช่วยด้วย")  # 5: past three a minute: wait, and the numbers meanwhile
    block = last_emergency(page)
    expect(block.locator("p")).to_contain_text(["ส่งข้อความมากเกินไป กรุณารอ"])
    expect(block.locator("a")).to_have_text(THAI_LINES)

    own_gateway.stop()  # 6: the gateway is gone: the page already holds the numbers
    say(page, "ช่วยด้วย")
    block = last_emergency(page)
    expect(block.locator("p")).to_have_text(THAI_OFFLINE)
    links = block.locator("a")
    expect(links).to_have_text(THAI_LINES)
    assert links.evaluate_all("as => as.map(a => a.getAttribute('href'))") == ["tel:110", "tel:119"]
    # Nothing spins, and she can still write and leave.
    expect(page.locator("#log")).to_have_attribute("aria-busy", "false")
    expect(page.get_by_role("status")).to_have_text("")
    expect(page.get_by_role("textbox")).to_be_editable()
    page.get_by_role("link", name="ออกจากหน้านี้").click()
    expect(page).to_have_url(EXIT_URL)
    assert watch.errors == []
