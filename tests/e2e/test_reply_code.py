"""She hears back without giving a contact: the whole path of a reply code on the real stack.

Thai, as in issue 13: she asks for help, chooses a reply code instead of a contact, the NGO
answers with `kakekomi-ngo reply` and from `kakekomi-ngo inbox`, she opens her mailbox with
the code, reads both answers and replies, and the NGO receives her answer. Her words and the
NGO's exist in plaintext only in the NGO's folder and in the answers to her.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.conftest import ROOT, NgoReceiver, RunningStack
from tests.e2e.test_conversations import answers
from tests.e2e.test_escalation import ask_for_help, new_handoffs, wait_for

pytestmark = pytest.mark.e2e

HER_REQUEST = "อยากให้องค์กรช่วยหนูหน่อย ไม่กล้าให้เบอร์โทร"
CLI_CANARY = "ngo-cli-canary-5521"
INBOX_CANARY = "ngo-inbox-canary-7784"
HER_CANARY = "her-answer-canary-3310"
CODE = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")


def ngo_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kakekomi_ngo", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def inbox(ngo: NgoReceiver, stack: RunningStack) -> Iterator[str]:
    """`kakekomi-ngo inbox` over the receiver's folder, able to reply; yields its address."""
    process = subprocess.Popen(
        [sys.executable, "-m", "kakekomi_ngo", "inbox", "--folder", str(ngo.inbox),
         "--gateway", stack.url, "--signing-key", str(ngo.ngo_signing_key), "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = process.stdout.readline() if process.stdout else ""
    assert "open http://" in line, process.communicate(timeout=10)
    yield line.split()[-1]
    process.terminate()
    process.communicate(timeout=10)


def reply_from_inbox(url: str, text: str) -> None:
    """What a caseworker does: open the page, write in the case's reply box, send."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        page = browser.get("").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        cases = re.findall(r'action="reply">.*?name="case" value="([^"]+)"', page, re.S)
        assert csrf and cases, "the inbox shows no reply box"
        sent = browser.post("reply", data={"csrf": csrf.group(1), "case": cases[0], "text": text})
        assert sent.status_code == 303
        shown = browser.get(sent.headers["location"].split("/", 2)[-1]).text
        assert text in shown  # the page shows what was sent, under her request


def test_she_asks_without_a_contact_and_reads_the_answers_with_her_code(
    stack: RunningStack, ngo: NgoReceiver, inbox: str
) -> None:
    before = set(ngo.handoffs())
    session = ask_for_help(stack, HER_REQUEST, "th")
    chosen = stack.chat("/reply_code", session=session).json()
    texts = [m["text"] for m in chosen["messages"]]
    assert texts[0] == answers()["utter_queued"]["th"]
    found = [CODE.search(text) for text in texts]
    [code] = [match.group(1) for match in found if match]
    assert any("รหัสตอบกลับ" in text for text in texts)  # told in Thai what the code is

    # The NGO gets her request with a mailbox and her key, and no code.
    wait_for(lambda: len(new_handoffs(ngo, before)) >= 1)
    handoffs = [json.loads(p.read_text(encoding="utf-8")) for p in new_handoffs(ngo, before)]
    [request] = [h for h in handoffs if h.get("reply")]
    request_path = next(p for p in new_handoffs(ngo, before) if request["id"] in p.read_text())
    assert request["language"] == "th" and request["contact"] is None
    assert HER_REQUEST in request["words"]
    mailbox = request["reply"]["mailbox"]
    assert re.fullmatch(r"[0-9a-f]{32}", mailbox)
    assert code.replace(" ", "") not in request_path.read_text(encoding="utf-8")

    # A wrong code reads nothing.
    wrong = "0000 0000 0000 0000" if code != "0000 0000 0000 0000" else "1111 1111 1111 1111"
    assert httpx.post(f"{stack.url}api/mailbox", json={"code": wrong, "language": "th"},
                      timeout=30).status_code == 404  # fmt: skip

    # The NGO answers from the command line, then from its inbox page.
    done = ngo_cli("reply", "--handoff", str(request_path), "--text", f"สวัสดีค่ะ {CLI_CANARY}",
                   "--gateway", stack.url, "--signing-key", str(ngo.ngo_signing_key))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    reply_from_inbox(inbox, f"เราโทรไม่ได้ แต่ตอบทางนี้ได้ {INBOX_CANARY}")

    # The next day she types the code (with Thai digits, as her keyboard may give them).
    thai_digits = code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    opened = httpx.post(f"{stack.url}api/mailbox", json={"code": thai_digits, "language": "th"},
                        timeout=30)  # fmt: skip
    assert opened.status_code == 200, opened.text
    from_ngo = [m["text"] for m in opened.json()["messages"] if m["from"] == "ngo"]
    assert any(CLI_CANARY in text for text in from_ngo)
    assert any(INBOX_CANARY in text for text in from_ngo)

    # She answers; the NGO receives it as a follow-up to the same mailbox.
    seen = set(ngo.handoffs())
    answered = httpx.post(f"{stack.url}api/mailbox/reply",
                          json={"code": code, "text": f"ขอบคุณค่ะ {HER_CANARY}"}, timeout=30)  # fmt: skip
    assert answered.status_code == 202, answered.text
    wait_for(lambda: len(new_handoffs(ngo, seen)) == 1)
    [follow_path] = new_handoffs(ngo, seen)
    follow_up = json.loads(follow_path.read_text(encoding="utf-8"))
    assert follow_up["kind"] == "follow_up" and follow_up["reply"]["mailbox"] == mailbox
    assert follow_up["words"] == [f"ขอบคุณค่ะ {HER_CANARY}"]
    again = httpx.post(f"{stack.url}api/mailbox", json={"code": code, "language": "th"}, timeout=30)
    assert [m["text"] for m in again.json()["messages"] if m["from"] == "you"] == [
        f"ขอบคุณค่ะ {HER_CANARY}"
    ]

    # Plaintext only at the NGO and in her answers: not in the gateway's log, files or database.
    secrets = [CLI_CANARY, INBOX_CANARY, HER_CANARY, code, code.replace(" ", "")]
    log = stack.log.read_text(errors="replace")
    assert not [s for s in secrets if s in log]
    for file in stack.data_dir.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert not [s for s in secrets if s.encode() in data], file
    databases = [p for p in stack.data_dir.rglob("*") if p.suffix in (".db", ".sqlite", ".sqlite3")]
    for path in databases:
        with sqlite3.connect(path) as db:
            dump = "\n".join(db.iterdump())
        assert not [s for s in secrets if s in dump], path

    # She deletes the mailbox; the code opens nothing any more.
    forgot = httpx.post(f"{stack.url}api/mailbox/forget", json={"code": code}, timeout=30)
    assert forgot.status_code == 200
    gone = httpx.post(f"{stack.url}api/mailbox", json={"code": code, "language": "th"}, timeout=30)
    assert gone.status_code == 404
