"""The NGO folder: handoffs ``serve`` writes, replies sent, "handled" marks, as cases.

Layout (docs/ngo-toolkit.md):

- ``<id>.json``: one decrypted handoff each (a request, or her follow-up from the mailbox);
- ``sent/<reply id>.json``: each reply the NGO sent (``reply`` or the inbox), with its text;
- ``handled/<case>.json``: a "handled" mark, naming the handoffs it covers;
- ``.seen-ids`` (serve's) and ``.inbox-token`` (the inbox's secret address).

A case is a request with its follow-ups (same ``reply.mailbox``), or one handoff alone.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from kakekomi_ngo.files import PRIVATE_FILE_MODE, atomic_write, ensure_private_dir
from kakekomi_ngo.protocol import MalformedRequest, is_valid_id
from kakekomi_ngo.replies import ReplyTarget, SealedReply, is_mailbox_id, reply_target

SENT_DIR: Final = "sent"
HANDLED_DIR: Final = "handled"
TOKEN_NAME: Final = ".inbox-token"  # noqa: S105 - a file name, not a secret
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,128}")


@dataclass(frozen=True)
class Message:
    """One entry of a case: a handoff from her, or a reply the NGO sent."""

    id: str
    sender: str  # "her" or "ngo"
    at: str
    data: Mapping[str, Any]


@dataclass
class Case:
    """A request and everything after it, oldest first."""

    key: str
    messages: list[Message] = field(default_factory=list)
    handled_covers: frozenset[str] = frozenset()

    def incoming(self) -> list[Message]:
        """Her messages (handoffs), oldest first."""
        return [m for m in self.messages if m.sender == "her"]

    def latest_at(self) -> str:
        """When the last thing happened in this case (minute resolution)."""
        return max((m.at for m in self.messages), default="")

    def urgency(self) -> str:
        """``emergency`` if any of her messages was one."""
        urgent = any(m.data.get("urgency") == "emergency" for m in self.incoming())
        return "emergency" if urgent else "normal"

    def reply_target(self) -> ReplyTarget | None:
        """Where a reply goes, if she chose a code; the newest handoff that says so wins."""
        for message in reversed(self.incoming()):
            try:
                target = reply_target(dict(message.data))
            except MalformedRequest:
                continue
            if target is not None:
                return target
        return None

    def status(self) -> str:
        """``handled`` (marked, nothing new since), ``replied`` (answered since), or ``new``."""
        ids = {m.id for m in self.incoming()}
        if ids and ids <= self.handled_covers:
            return "handled"
        for message in self.messages:
            if message.sender == "ngo" and ids <= set(message.data.get("answers", ())):
                return "replied"
        return "new"


def _load(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _case_key(handoff: Mapping[str, Any], handoff_id: str) -> str:
    reply = handoff.get("reply")
    mailbox = reply.get("mailbox") if isinstance(reply, Mapping) else None
    if isinstance(mailbox, str) and is_mailbox_id(mailbox):
        return mailbox
    return handoff_id


def _order(message: Message) -> tuple[str, int, str]:
    # At the same minute her message comes before the answer to it.
    return (message.at, 0 if message.sender == "her" else 1, message.id)


class NgoFolder:
    """Reads the folder into cases; records replies sent and "handled" marks."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def handoffs(self) -> list[tuple[str, dict[str, Any]]]:
        """Every readable handoff file as (id, handoff); files that do not parse are skipped."""
        found = []
        for file in sorted(self.path.glob("*.json")):
            handoff_id = file.stem
            data = _load(file)
            if data is not None and is_valid_id(handoff_id) and data.get("id") == handoff_id:
                found.append((handoff_id, data))
        return found

    def unreadable(self) -> int:
        """How many ``*.json`` files are not handoffs this folder can show."""
        return sum(1 for _ in self.path.glob("*.json")) - len(self.handoffs())

    def cases(self) -> list[Case]:
        """All cases, the one with the latest activity first."""
        cases: dict[str, Case] = {}
        for handoff_id, data in self.handoffs():
            key = _case_key(data, handoff_id)
            at = str(data.get("created_at", ""))
            cases.setdefault(key, Case(key)).messages.append(Message(handoff_id, "her", at, data))
        for sent in self._records(SENT_DIR):
            case = cases.get(str(sent.get("case", "")))
            if case is not None:
                at = str(sent.get("sent_at", ""))
                case.messages.append(Message(str(sent["id"]), "ngo", at, sent))
        for mark in self._records(HANDLED_DIR):
            case = cases.get(str(mark.get("case", "")))
            if case is not None:
                case.handled_covers = frozenset(str(i) for i in mark.get("covers", ()))
        for case in cases.values():
            case.messages.sort(key=_order)
        return sorted(cases.values(), key=lambda c: (c.latest_at(), c.key), reverse=True)

    def case(self, key: str) -> Case | None:
        """One case by its key (her mailbox, or the handoff id)."""
        return next((c for c in self.cases() if c.key == key), None)

    def case_of(self, handoff_id: str) -> Case | None:
        """The case a handoff belongs to."""
        return next((c for c in self.cases() if any(m.id == handoff_id for m in c.messages)), None)

    def _records(self, subfolder: str) -> Iterable[dict[str, Any]]:
        folder = self.path / subfolder
        if not folder.is_dir():
            return []
        records = (_load(file) for file in sorted(folder.glob("*.json")))
        return [r for r in records if r is not None and isinstance(r.get("id"), str)]

    def record_sent(self, case: Case, reply: SealedReply) -> Path:
        """Keep what was sent (the text, to her mailbox) beside the handoffs, owner-only."""
        record = {
            "id": reply.id,
            "case": case.key,
            "mailbox": reply.mailbox,
            "text": reply.text,
            "sent_at": reply.sent_at,
            "answers": [m.id for m in case.incoming()],
        }
        return self._write(SENT_DIR, reply.id, record)

    def mark_handled(self, case: Case, at: str) -> Path:
        """Mark a case handled; a follow-up arriving later makes it new again."""
        covers = [m.id for m in case.incoming()]
        record = {"id": case.key, "case": case.key, "handled_at": at, "covers": covers}
        return self._write(HANDLED_DIR, case.key, record)

    def _write(self, subfolder: str, name: str, record: Mapping[str, Any]) -> Path:
        folder = ensure_private_dir(self.path / subfolder)
        path = folder / f"{name}.json"
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
        atomic_write(path, text.encode("utf-8"), PRIVATE_FILE_MODE)
        return path

    def inbox_token(self) -> str:
        """The secret part of the inbox's address, made once and kept in the folder (0600)."""
        path = self.path / TOKEN_NAME
        try:
            token = path.read_text("ascii").strip()
        except (OSError, UnicodeDecodeError):
            token = ""
        if _TOKEN.fullmatch(token):
            return token
        ensure_private_dir(self.path)
        token = secrets.token_urlsafe(32)
        atomic_write(path, f"{token}\n".encode("ascii"), PRIVATE_FILE_MODE)
        return token
