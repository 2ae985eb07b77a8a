"""``kakekomi-ngo inbox`` as a caseworker uses it: a real process, real Chromium, axe-core.

The NGO folder holds handoffs as ``serve`` writes them; replies go to a stand-in for the
gateway's reply route that checks the signature and the body as the gateway does
(tests/ngo/reply_fixtures.py); the whole path on the real gateway is tests/e2e.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.live_servers import ROOT
from tests.ngo.reply_fixtures import (
    CANARY,
    FakeGateway,
    Her,
    NgoSigning,
    fake_gateway,
    request,
    write_handoff,
)
from tests.widget.browsing import Watch
from tests.widget.test_widget_accessibility import AXE, WCAG_22_AA, violations

pytestmark = pytest.mark.widget

XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@dataclass
class RunningInbox:
    """A ``kakekomi-ngo inbox`` process and the address it printed."""

    process: subprocess.Popen[str]
    url: str
    folder: Path

    def stop(self) -> str:
        self.process.terminate()
        _, err = self.process.communicate(timeout=10)
        return err


def start_inbox(folder: Path, *options: str) -> RunningInbox:
    command = [sys.executable, "-m", "kakekomi_ngo", "inbox", "--folder", str(folder),
               "--port", "0", *options]  # fmt: skip
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    line = process.stdout.readline() if process.stdout else ""
    if "open http://" not in line:
        process.kill()
        raise RuntimeError(f"the inbox did not start: {line!r} {process.communicate()[1]}")
    return RunningInbox(process, line.split()[-1], folder)


@dataclass
class Setup:
    inbox: RunningInbox
    gateway: FakeGateway
    her: Her


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    her, signing = Her(), NgoSigning.make(tmp_path / "keys")
    folder = tmp_path / "inbox"
    write_handoff(folder, request("req-old", None, created_at="2026-01-01T01:00:00Z",
                                  urgency="emergency", language="tl", words=[XSS]))  # fmt: skip
    write_handoff(folder, request("req-code", her, created_at="2026-01-02T01:00:00Z"))
    follow_up = request("fol-1", her, created_at="2026-01-03T01:00:00Z", kind="follow_up",
                        words=["ยังอยู่ที่หอพัก"], topics=[])  # fmt: skip
    write_handoff(folder, follow_up)
    with fake_gateway(signing) as gateway:
        inbox = start_inbox(folder, "--gateway", gateway.url, "--signing-key",
                            str(signing.private_path))  # fmt: skip
        yield Setup(inbox, gateway, her)
        log = inbox.stop()
    assert CANARY not in log and "ยัง" not in log


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(locale="ja-JP")
    ctx.route(lambda url: not url.startswith("http://127.0.0.1"), lambda route: route.abort())
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


def case(page: Page, key: str) -> object:
    return page.locator(f"#case-{key}")


def test_the_caseworker_reads_cases_newest_first_with_labels_in_both_languages(
    setup: Setup, context: BrowserContext
) -> None:
    page = context.new_page()
    watch = Watch(page)
    page.goto(setup.inbox.url)
    expect(page).to_have_title("Kakekomi 受信箱 Inbox")
    articles = page.locator("article")
    # The case with her follow-up (newest activity) first, then the older emergency.
    expect(articles).to_have_count(2)
    expect(articles.nth(0)).to_have_id(f"case-{setup.her.mailbox}")
    expect(articles.nth(1)).to_have_id("case-req-old")
    thread = articles.nth(0)
    expect(thread).to_contain_text("ช่วยด้วย นายจ้างยึดพาสปอร์ต")
    expect(thread).to_contain_text("ยังอยู่ที่หอพัก")
    expect(thread.locator("li")).to_have_count(2)  # the follow-up sits with its request
    expect(thread).to_contain_text("本人の返事 Her answer")
    expect(thread).to_contain_text("返信コード")
    expect(thread).to_contain_text("Thai / ไทย (th)")
    expect(thread).to_contain_text("新規 New")
    expect(thread.locator("div.words").first).to_have_attribute("lang", "th")
    old = articles.nth(1)
    expect(old).to_contain_text("緊急 Emergency")
    expect(old).to_contain_text("line: rosa-line")
    # Her words are text, never markup: nothing ran, and no reply box without a code.
    expect(old.locator("div.words")).to_have_text(XSS)
    assert old.locator("img, script").count() == 0
    assert old.locator("textarea").count() == 0
    assert watch.dialogs == [] and watch.errors == []


def test_the_caseworker_replies_from_the_inbox(setup: Setup, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(setup.inbox.url)
    thread = page.locator(f"#case-{setup.her.mailbox}")
    thread.get_by_label("返信（本人の言語で）").fill(CANARY)
    thread.get_by_role("button", name="送信 Send").click()
    expect(page.get_by_role("status")).to_contain_text("送信しました")
    thread = page.locator(f"#case-{setup.her.mailbox}")
    expect(thread).to_contain_text("返信済み Replied")
    expect(thread.locator("li.ngo")).to_contain_text(CANARY)
    [body] = setup.gateway.received
    assert CANARY.encode() not in body
    assert setup.her.open(body)["text"] == CANARY
    [record] = (setup.inbox.folder / "sent").glob("*.json")
    assert json.loads(record.read_text("utf-8"))["answers"] == ["req-code", "fol-1"]
    # A reload does not send it again (POST, redirect, GET).
    page.reload()
    expect(page.locator(f"#case-{setup.her.mailbox} li.ngo")).to_have_count(1)
    assert len(setup.gateway.received) == 1


def test_a_refused_reply_keeps_her_text_in_the_box(setup: Setup, context: BrowserContext) -> None:
    setup.gateway.status = 404
    page = context.new_page()
    page.goto(setup.inbox.url)
    thread = page.locator(f"#case-{setup.her.mailbox}")
    thread.get_by_label("返信（本人の言語で）").fill("ยังอยู่ไหม")
    thread.get_by_role("button", name="送信 Send").click()
    expect(page.get_by_role("status")).to_contain_text("メールボックスはもうありません")
    expect(page.locator(f"#case-{setup.her.mailbox} textarea")).to_have_value("ยังอยู่ไหม")
    assert not (setup.inbox.folder / "sent").exists()


def test_mark_handled_until_she_writes_again(setup: Setup, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(setup.inbox.url)
    page.locator("#case-req-old").get_by_role("button", name="対応済みにする Mark handled").click()
    expect(page.get_by_role("status")).to_contain_text("対応済みにしました")
    expect(page.locator("#case-req-old")).to_contain_text("対応済み Handled")
    assert json.loads((setup.inbox.folder / "handled" / "req-old.json").read_text())["covers"] == [
        "req-old"
    ]
    page.locator(f"#case-{setup.her.mailbox}").get_by_role("button", name="Mark handled").click()
    expect(page.locator(f"#case-{setup.her.mailbox}")).to_contain_text("対応済み Handled")
    later = request("fol-2", setup.her, created_at="2026-01-04T01:00:00Z", kind="follow_up",
                    words=["มีใครอยู่ไหม"], topics=[])  # fmt: skip
    write_handoff(setup.inbox.folder, later)
    page.reload()
    expect(page.locator(f"#case-{setup.her.mailbox}")).to_contain_text("新規 New")


def test_no_accessibility_violations(setup: Setup, browser: Browser) -> None:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): make widget-deps")
    context = browser.new_context(bypass_csp=True)  # only to add axe's script
    page = context.new_page()
    page.goto(setup.inbox.url)
    assert violations(page) == []
    page.locator("#case-req-old").get_by_role("button", name="Mark handled").click()
    expect(page.get_by_role("status")).to_be_visible()
    page.add_script_tag(path=str(AXE))
    assert page.evaluate("(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
                         ".then(r => r.violations.map(v => v.id))", WCAG_22_AA) == []  # fmt: skip
    context.close()


def test_only_this_computer_with_the_address_and_the_page_may_use_it(setup: Setup) -> None:
    url = setup.inbox.url
    token_path = url.split("/", 3)[3]
    answer = httpx.get(url, trust_env=False)
    assert answer.status_code == 200
    csp = answer.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "form-action 'self'" in csp and "script" not in csp
    # DNS rebinding: a page on another name that resolves to 127.0.0.1.
    rebound = httpx.get(url, headers={"host": f"evil.example:{url.split(':')[2][:5]}"})
    assert rebound.status_code == 421
    # Without the secret part of the address: nothing.
    assert httpx.get(url.replace(token_path, "x" * len(token_path))).status_code == 404
    assert httpx.get(url.rsplit("/", 2)[0] + "/").status_code == 404
    # A form from anywhere else: no CSRF token, or another origin.
    form = {"case": "req-old", "csrf": "guess"}
    assert httpx.post(url + "handled", data=form).status_code == 403
    page_csrf = answer.text.split('name="csrf" value="')[1].split('"')[0]
    form["csrf"] = page_csrf
    evil = httpx.post(url + "handled", data=form, headers={"origin": "https://evil.example"})
    assert evil.status_code == 403
    assert not (setup.inbox.folder / "handled").exists()
    assert httpx.post(url + "handled", data=form).status_code == 303
    assert (setup.inbox.folder / "handled" / "req-old.json").exists()


def test_the_inbox_refuses_to_listen_beyond_this_computer(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kakekomi_ngo", "inbox", "--folder", str(tmp_path),
         "--host", "0.0.0.0", "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 1
    assert "listens on this computer only" in done.stderr
