"""Her mailbox in real Chromium: she gets a code in the chat, the NGO answers, she comes back
on a fresh page, opens the answer with the code, replies, deletes it; nothing is kept in the
browser, the quick exit takes the open mailbox with it, and axe finds no violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from kakekomi_common.languages import CODES as LANGUAGES
from kakekomi_ngo.keys import (
    generate_ngo_key,
    load_or_create_signing_key,
    signing_public_key_path,
    write_ngo_key_pair,
)
from tests.api.mailbox.conftest import Ngo, consent_bot, reply_target, write_signing_pair
from tests.live_servers import FakeRasa, Gateway, start_gateway, start_ngo_receiver
from tests.widget.browsing import (
    EXIT_URL,
    NOTHING_STORED,
    START_URL,
    STORAGE_IN_PAGE,
    Watch,
    new_context,
    say,
)
from tests.widget.test_widget_accessibility import AXE, violations
from tests.widget.test_widget_mobile import PHONE

pytestmark = pytest.mark.widget

CODE = re.compile(r"\d{4} \d{4} \d{4} \d{4}")
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
NGO_ANSWER = "พรุ่งนี้โทรหาเราได้ CANARY-ngo-3141"
HER_ANSWER = "ขอบคุณค่ะ CANARY-her-2718"


@dataclass
class World:
    gateway: Gateway
    ngo: Ngo
    rasa: FakeRasa
    answered: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("mailbox-widget")
    rasa = FakeRasa(reply=consent_bot).start()
    gateway_key = folder / "gateway" / "var" / "signing-key.pem"
    load_or_create_signing_key(gateway_key)
    ngo_private, ngo_public = write_ngo_key_pair(folder / "ngo-keys", generate_ngo_key())
    signing_key, signing_public = write_signing_pair(folder / "ngo-keys")
    receiver = start_ngo_receiver(
        ngo_private, signing_public_key_path(gateway_key), folder / "ngo-folder"
    )
    gateway = start_gateway(
        folder / "gateway",
        rasa.port,
        exit_url=EXIT_URL,
        rate_limit=10_000,
        mailbox_rate_limit=10_000,
        ngo_url=receiver.url,
        ngo_public_key=str(ngo_public),
        ngo_signing_public_key=str(signing_public),
        retry_schedule="0.2,0.5,1",
    )
    yield World(gateway, Ngo(receiver, signing_key, signing_public), rasa)
    gateway.stop()
    receiver.stop()
    rasa.stop()


@pytest.fixture
def fresh(browser: Browser, world: World) -> Iterator[BrowserContext]:
    context = new_context(browser, world.gateway, **PHONE)
    yield context
    context.close()


def requests_so_far(world: World) -> int:
    return len([h for h in world.ngo.handoffs() if h["kind"] == "request"])


def get_a_code(page: Page, world: World, language: str) -> str:
    """She asks for help, says yes and taps the code button; the code is in the last bubble."""
    page.goto(world.gateway.url)
    page.get_by_role("combobox").select_option(language)
    say(page, "please help, my boss took my passport")
    page.get_by_role("button", name="Yes", exact=True).click()
    page.get_by_role("button", name="Code", exact=True).click()
    last = page.locator("#log > li.msg.bot").last
    expect(last).to_contain_text(CODE)
    [code] = CODE.findall(last.inner_text())
    return code


def ngo_answers(world: World, before: int, text: str) -> None:
    """The NGO answers the new request, sealed to her key and signed with its own."""
    world.ngo.wait_for_handoffs(before + 1)
    requests = [h for h in world.ngo.handoffs() if h["kind"] == "request"]
    [new] = [h for h in requests if h["reply"]["mailbox"] not in world.answered]
    world.answered.add(new["reply"]["mailbox"])
    body, headers = world.ngo.signed_reply(reply_target(new), text)
    answer = httpx.post(
        f"{world.gateway.url}/api/ngo/replies", content=body, headers=headers, trust_env=False
    )
    assert answer.status_code == 200


def open_mailbox(page: Page, world: World, language: str, typed: str, open_label: str) -> None:
    page.goto(world.gateway.url)
    page.get_by_role("combobox").select_option(language)
    page.locator("#have-code").click()
    page.locator("#mailbox-code").fill(typed)
    page.get_by_role("button", name=open_label, exact=True).click()


def test_she_reads_the_answer_with_her_code_replies_and_deletes_it(
    browser: Browser, world: World, fresh: BrowserContext
) -> None:
    before = requests_so_far(world)
    page = fresh.new_page()
    code = get_a_code(page, world, "th")
    expect(page.locator("#log > li.msg.bot").last).to_contain_text("ฉันมีรหัส")
    fresh.close()  # she closes the page; nothing of it stays in the browser
    ngo_answers(world, before, NGO_ANSWER)

    # The next day, a new page: she types the code in Thai digits.
    context = new_context(browser, world.gateway, **PHONE)
    page = context.new_page()
    watch = Watch(page)
    open_mailbox(page, world, "th", code.translate(THAI_DIGITS), "เปิด")
    mailbox = page.locator(".mailbox")
    expect(mailbox).to_contain_text(NGO_ANSWER)
    expect(mailbox).to_contain_text("องค์กร")
    assert code.replace(" ", "") not in page.content() and code not in page.content()

    page.locator("#mailbox-text").fill(HER_ANSWER)
    page.get_by_role("button", name="ส่งคำตอบ").click()
    expect(mailbox).to_contain_text("ส่งแล้ว")
    expect(mailbox.locator(".msg.me")).to_contain_text(HER_ANSWER)
    world.ngo.wait_for_handoffs(before + 2)
    follow_ups = [h for h in world.ngo.handoffs() if h["kind"] == "follow_up"]
    assert any(h["words"] == [HER_ANSWER] for h in follow_ups)
    assert page.evaluate(STORAGE_IN_PAGE) == NOTHING_STORED

    page.get_by_role("button", name="ลบกล่องข้อความนี้").click()
    again = page.get_by_role("button", name="แตะอีกครั้งเพื่อลบถาวร")
    expect(again).to_be_visible()
    again.click()
    expect(page.locator(".mailbox")).to_have_count(0)
    expect(page.locator("#log")).to_contain_text("ลบกล่องข้อความและข้อความทั้งหมดแล้ว")
    gone = httpx.post(f"{world.gateway.url}/api/mailbox", json={"code": code}, trust_env=False)
    assert gone.status_code == 404
    state = context.storage_state(indexed_db=True)
    assert state["cookies"] == [] and state["origins"] == []
    assert watch.errors == [] and watch.dialogs == []
    context.close()


def test_a_wrong_or_malformed_code_is_explained(world: World, fresh: BrowserContext) -> None:
    page = fresh.new_page()
    open_mailbox(page, world, "en", "1111 2222 3333 4444", "Open")
    status = page.locator(".mailbox [role=status]")
    expect(status).to_contain_text("No mailbox for this code")
    page.locator("#mailbox-code").fill("1234")
    page.get_by_role("button", name="Open", exact=True).click()
    expect(status).to_have_text("A reply code has 16 digits.")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator(".mailbox")).to_have_count(0)


def test_the_quick_exit_takes_the_open_mailbox_with_it(world: World, fresh: BrowserContext) -> None:
    before = requests_so_far(world)
    code = get_a_code(fresh.new_page(), world, "en")
    ngo_answers(world, before, "Call us tomorrow CANARY-exit-1618")
    page = fresh.new_page()
    page.goto(START_URL)
    open_mailbox(page, world, "en", code, "Open")
    expect(page.locator(".mailbox")).to_contain_text("CANARY-exit-1618")
    page.get_by_role("link", name="Exit this page").click()
    expect(page).to_have_url(EXIT_URL)
    page.go_back()
    expect(page).to_have_url(START_URL)
    for open_page in fresh.pages:
        assert "CANARY-exit-1618" not in open_page.content()
    state = fresh.storage_state(indexed_db=True)
    assert state["cookies"] == [] and state["origins"] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_code_message_and_the_open_mailbox_pass_the_audit(
    browser: Browser, world: World, language: str
) -> None:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): make widget-deps")
    context = new_context(browser, world.gateway, bypass_csp=True, **PHONE)
    try:
        page = context.new_page()
        before = requests_so_far(world)
        code = get_a_code(page, world, language)
        ngo_answers(world, before, "See you tomorrow at ten")
        assert violations(page) == []
        page.locator("#have-code").click()
        page.locator("#mailbox-code").fill(code)
        page.locator(".mailbox-open button[type=submit]").click()
        expect(page.locator(".mailbox-messages")).to_contain_text("See you tomorrow at ten")
        assert violations(page) == []
    finally:
        context.close()
