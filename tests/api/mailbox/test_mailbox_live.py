"""Reply codes end to end on a real gateway, a real outbox database (SQLite, PostgreSQL) and
the NGO's real receiver: she gets a code, the NGO replies signed and sealed, she reads and
answers with the code, and nothing readable is left in a log, a file or the database."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import psycopg
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519

from api.escalation.outbox.sqlite import OUTBOX_NAME
from kakekomi_ngo.protocol import sign_headers
from kakekomi_ngo.replies import ReplyTarget, encode_public_key
from tests.api.mailbox.conftest import HELP, Setup, reply_target
from tests.live_servers import FakeRasa

CODE = re.compile(r"\d{4} \d{4} \d{4} \d{4}")
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def code_in(message: str) -> str:
    [code] = CODE.findall(message)
    return code


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def database_bytes(setup: Setup) -> bytes:
    """Every row of the mailbox and outbox tables, as bytes."""
    if setup.outbox_url is None:
        with sqlite3.connect(setup.folder / "var" / OUTBOX_NAME) as db:
            rows = db.execute("SELECT * FROM mailbox_messages").fetchall()
            rows += db.execute("SELECT * FROM mailboxes").fetchall()
            rows += db.execute("SELECT * FROM outbox").fetchall()
    else:
        with psycopg.connect(setup.outbox_url) as conn:
            rows = conn.execute("SELECT * FROM mailbox_messages").fetchall()
            rows += conn.execute("SELECT * FROM mailboxes").fetchall()
            rows += conn.execute("SELECT * FROM outbox").fetchall()
    return b"".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for r in rows for v in r
    )


def test_code_reply_read_answer_forget(make_setup, engine: str | None, rasa: FakeRasa) -> None:
    setup: Setup = make_setup(engine, mailbox_rate_limit=100)
    session, message = setup.chat_to_code("th")
    assert "ฉันมีรหัส" in message
    code = code_in(message)
    digits = code.replace(" ", "")
    # Rasa heard /deny for the contact question, never the button or the code.
    assert rasa.received[-1]["message"] == "/deny"
    assert all(digits not in str(body) and "/reply_code" not in str(body) for body in rasa.received)

    [request] = setup.ngo.wait_for_handoffs(1)
    assert request["kind"] == "request" and request["contact"] is None
    assert request["words"] == [HELP]
    target = reply_target(request)

    ngo_text = "ติดต่อเราได้เลย CANARY-ngo-7731"
    body, headers = setup.ngo.signed_reply(target, ngo_text)
    stored = setup.post_raw("/api/ngo/replies", body, headers)
    assert (stored.status_code, stored.json()) == (200, {"status": "stored"})

    # She types it as she may: Thai digits, other spacing.
    typed = code.translate(THAI_DIGITS).replace(" ", "-")
    opened = setup.post("/api/mailbox", {"code": typed, "language": "th"})
    assert opened.status_code == 200, opened.text
    [reply] = opened.json()["messages"]
    assert reply["from"] == "ngo" and reply["text"] == ngo_text
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z", reply["sent_at"])

    her_text = "ขอบคุณค่ะ CANARY-her-5521"
    answered = setup.post("/api/mailbox/reply", {"code": code, "text": her_text})
    assert (answered.status_code, answered.json()) == (202, {"status": "queued"})
    [follow_up] = [h for h in setup.ngo.wait_for_handoffs(2) if h["kind"] == "follow_up"]
    assert follow_up["kind"] == "follow_up" and follow_up["words"] == [her_text]
    assert follow_up["reply"] == request["reply"] and follow_up["contact"] is None
    assert follow_up["language"] == "th"

    thread = setup.post("/api/mailbox", {"code": code}).json()["messages"]
    assert [(m["from"], m["text"]) for m in thread] == [("ngo", ngo_text), ("you", her_text)]

    # Plaintext and the code exist only at the NGO and in her answers: no log, no file of the
    # gateway, no row of the database holds them.
    secrets = [b"CANARY-ngo-7731", b"CANARY-her-5521", digits.encode(), code.encode()]
    log = setup.gateway.log().encode()
    database = database_bytes(setup)
    for secret in secrets:
        assert secret not in log
        assert secret not in database
        for path in files_under(setup.folder):
            assert secret not in path.read_bytes(), path
    assert target["mailbox"].encode() not in log
    # Her copy is stored under an id of its own: the outbox's log lines (escalation.queued
    # id=…, to the second) name the follow-up, and must not date a row of her mailbox.
    assert follow_up["id"].encode() not in database

    forgotten = setup.post("/api/mailbox/forget", {"code": code})
    assert (forgotten.status_code, forgotten.json()) == (200, {"status": "forgotten"})
    assert setup.post("/api/mailbox", {"code": code}).status_code == 404
    assert setup.post("/api/mailbox/forget", {"code": code}).status_code == 404
    late = setup.post_raw("/api/ngo/replies", *setup.ngo.signed_reply(target, "late"))
    assert late.status_code == 404
    assert target["mailbox"].encode() not in database_bytes(setup)
    assert session  # she kept her conversation; the code was never part of it


def test_wrong_and_malformed_codes(make_setup) -> None:
    setup: Setup = make_setup(mailbox_rate_limit=4)
    _, message = setup.chat_to_code()
    code = code_in(message).replace(" ", "")
    wrong = str((int(code) + 1) % 10**16).zfill(16)
    timings = {}
    for name, candidate in (("right", code), ("wrong", wrong)):
        started = time.perf_counter()
        answer = setup.post("/api/mailbox", {"code": candidate})
        timings[name] = time.perf_counter() - started
        assert answer.status_code == (200 if name == "right" else 404)
    assert setup.post("/api/mailbox/reply", {"code": wrong, "text": "hi"}).status_code == 404
    assert setup.post("/api/mailbox/forget", {"code": wrong}).json() == {
        "detail": "no mailbox for this code"
    }
    print(
        f"right code {timings['right'] * 1000:.0f} ms, wrong code {timings['wrong'] * 1000:.0f} ms"
    )
    # Malformed codes are refused before any work and never counted: the limit (4 a minute)
    # is used up by the four well-formed attempts above, not by these.
    for malformed in ("1234", "1234 5678 9012 345a", "1" * 17, "١٢٣٤" * 5, "", "x" * 65):
        refused = setup.post("/api/mailbox", {"code": malformed})
        assert refused.status_code == 422, malformed
        assert malformed not in refused.text or not malformed
    flooded = setup.post("/api/mailbox", {"code": wrong})
    assert flooded.status_code == 429
    assert int(flooded.headers["retry-after"]) >= 1
    # She is not locked out of her chat by it: the chat counts apart.
    assert setup.post("/api/chat", {"session": None, "text": "hello"}).status_code == 200


def test_a_flood_of_guesses_is_stopped_per_client(make_setup) -> None:
    setup: Setup = make_setup(mailbox_rate_limit=10, mailbox_rate_limit_total=1000)
    answers = [setup.post("/api/mailbox", {"code": f"{n:016d}"}) for n in range(14)]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:10] == [404] * 10
    assert set(statuses[10:]) == {429}
    assert all(1 <= int(a.headers["retry-after"]) <= 60 for a in answers[10:])


def test_replies_need_a_fresh_signature_and_a_live_mailbox(make_setup, engine) -> None:
    setup: Setup = make_setup(engine, mailbox_rate_limit=100)
    _, message = setup.chat_to_code()
    code = code_in(message)
    target = reply_target(setup.ngo.wait_for_handoffs(1)[0])
    post = setup.post_raw

    body, headers = setup.ngo.signed_reply(target, "first")
    unsigned = {k: v for k, v in headers.items() if k != "webhook-signature"}
    assert post("/api/ngo/replies", body, unsigned).status_code == 401
    tampered = body.replace(b'"ciphertext":"', b'"ciphertext":"A', 1)
    assert post("/api/ngo/replies", tampered, headers).status_code == 401
    forged = dict(headers)
    forged.update(sign_headers(headers["webhook-id"], body, ed25519.Ed25519PrivateKey.generate()))
    assert post("/api/ngo/replies", body, forged).status_code == 401
    # Just past the 300 s window behind, and far enough ahead that the seconds the request
    # takes on a loaded machine cannot bring it back inside (a CI run took over one).
    now = int(time.time())
    for stale in (now - 301, now + 310):
        old_body, old_headers = setup.ngo.signed_reply(target, "stale", timestamp=stale)
        assert post("/api/ngo/replies", old_body, old_headers).status_code == 401
    assert setup.post("/api/mailbox", {"code": code}).json() == {"messages": []}

    # The real one, twice (a replay inside the window, or the NGO resending): stored once.
    assert post("/api/ngo/replies", body, headers).json() == {"status": "stored"}
    assert post("/api/ngo/replies", body, headers).json() == {"status": "stored"}
    again_body, again_headers = setup.ngo.signed_reply(
        target, "first", reply_id=headers["webhook-id"]
    )
    assert post("/api/ngo/replies", again_body, again_headers).status_code == 200
    assert [m["text"] for m in setup.post("/api/mailbox", {"code": code}).json()["messages"]] == [
        "first"
    ]

    # Signed but wrong: 400; signed for a mailbox nobody has: 404; too large: 413.
    def sign(reply_id: str, content: bytes) -> dict[str, str]:
        return sign_headers(reply_id, content, setup.ngo.signing_key)

    bad = body.replace(b'"version":2', b'"version":1')
    assert post("/api/ngo/replies", bad, sign(headers["webhook-id"], bad)).status_code == 400
    moved, _ = setup.ngo.signed_reply(target, "x")
    assert post("/api/ngo/replies", moved, sign("another-id", moved)).status_code == 400
    nobody = ReplyTarget(mailbox="0" * 32, public_key=target["public_key"])
    assert post("/api/ngo/replies", *setup.ngo.signed_reply(nobody, "x")).status_code == 404
    huge = b'{"pad":"' + b"x" * 70_000 + b'"}'
    assert post("/api/ngo/replies", huge, sign("h1", huge)).status_code == 413

    # 30 days after its last message the mailbox is gone: no reply lands, she reads nothing.
    month_ago = time.time() - 31 * 86_400
    if setup.outbox_url is None:
        with sqlite3.connect(setup.folder / "var" / OUTBOX_NAME) as db:
            db.execute("UPDATE mailboxes SET last_message_at = ?", (month_ago,))
    else:
        with psycopg.connect(setup.outbox_url) as conn:
            conn.execute("UPDATE mailboxes SET last_message_at = %s", (int(month_ago),))
    assert post("/api/ngo/replies", *setup.ngo.signed_reply(target, "late")).status_code == 404
    assert setup.post("/api/mailbox", {"code": code}).status_code == 404


def test_without_the_ngo_signing_key_replies_are_refused(make_setup) -> None:
    setup: Setup = make_setup(ngo_signing_public_key="")
    someone = encode_public_key(x25519.X25519PrivateKey.generate().public_key())
    body, headers = setup.ngo.signed_reply(ReplyTarget(mailbox="0" * 32, public_key=someone), "x")
    assert setup.post_raw("/api/ngo/replies", body, headers).status_code == 503


def test_sigkill_between_the_reply_and_her_read_loses_nothing(make_setup, engine) -> None:
    setup: Setup = make_setup(engine)
    _, message = setup.chat_to_code("es")
    code = code_in(message)
    target = reply_target(setup.ngo.wait_for_handoffs(1)[0])
    stored = setup.post_raw("/api/ngo/replies", *setup.ngo.signed_reply(target, "Hola, Ana"))
    assert stored.status_code == 200
    setup.gateway.process.kill()
    setup.gateway.process.wait(10)
    setup.gateway = setup.restart()
    thread = setup.post("/api/mailbox", {"code": code}).json()["messages"]
    assert [m["text"] for m in thread] == ["Hola, Ana"]
    # Her answer is committed to the outbox before 202: a kill right after still sends it.
    assert setup.post("/api/mailbox/reply", {"code": code, "text": "gracias"}).status_code == 202
    setup.gateway.process.kill()
    setup.gateway.process.wait(10)
    setup.gateway = setup.restart()
    [follow_up] = [h for h in setup.ngo.wait_for_handoffs(2) if h["kind"] == "follow_up"]
    assert follow_up["words"] == ["gracias"] and follow_up["kind"] == "follow_up"
