"""The inbox page: every case in the NGO folder as HTML, labels in Japanese and English.

Everything that came from her (words, contact, language, topics) is escaped; the page has
no script and loads nothing else (its one style sheet is inline, allowed by its hash).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from html import escape
from typing import Any, Final

from kakekomi_common.languages import BY_CODE
from kakekomi_ngo.folder import Case, Message
from kakekomi_ngo.send import MAX_REPLY_CHARS, OUTCOMES

JAPAN: Final = timezone(timedelta(hours=9), "JST")
STYLE: Final = """
body{font-family:system-ui,"Noto Sans CJK JP","Noto Sans Thai",sans-serif;margin:0;
color:#1a1a1a;background:#f4f4f4;line-height:1.5}
header,main{max-width:60rem;margin:0 auto;padding:0 1rem}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin:0 0 .5rem}
article{background:#fff;border:1px solid #767676;border-radius:6px;padding:1rem;margin:0 0 1rem}
article.emergency{border:3px solid #a4001d}
.badge{display:inline-block;padding:0 .4rem;border-radius:4px;background:#a4001d;color:#fff}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0 0 .5rem}
dt{font-weight:bold}dd{margin:0}
ol{list-style:none;padding:0}
li{border-left:4px solid #595959;padding:.3rem .6rem;margin:.4rem 0;background:#f8f8f8}
li.ngo{border-left-color:#00603a;background:#eef7f2}
.meta{font-size:.9rem;color:#3d3d3d;margin:0}
.words p{white-space:pre-wrap;overflow-wrap:anywhere;margin:.2rem 0}
textarea{width:100%;box-sizing:border-box;min-height:6rem;font:inherit}
button{font:inherit;padding:.3rem .9rem;margin:.3rem .5rem .3rem 0;cursor:pointer}
.notice{padding:.5rem 1rem;border-radius:6px;font-weight:bold}
.ok{background:#dff3e6;border:2px solid #00603a}.err{background:#fde8e8;border:2px solid #a4001d}
a{color:#004a99}
"""
STYLE_HASH: Final = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
CSP: Final = (
    f"default-src 'none'; style-src 'sha256-{STYLE_HASH}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
_LANG_TAG = re.compile(r"[a-z]{2,3}")

STATUS: Final = {"new": ("新規", "New"), "replied": ("返信済み", "Replied"),
                 "handled": ("対応済み", "Handled")}  # fmt: skip
URGENCY: Final = {"emergency": ("緊急", "Emergency"), "normal": ("通常", "Normal")}


def both(japanese: str, english: str) -> str:
    """A label in Japanese, then English (marked as such for screen readers)."""
    return f'{escape(japanese)} <span lang="en">{escape(english)}</span>'


@dataclass(frozen=True)
class Notice:
    """A message at the top of the page: the outcome of the last action."""

    code: str
    case: str = ""


def _time(value: object) -> str:
    try:
        moment = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return escape(str(value))
    local = moment.astimezone(JAPAN).strftime("%Y-%m-%d %H:%M")
    return f'<time datetime="{escape(str(value))}">{local} JST</time>'


def _language(code: object) -> str:
    info = BY_CODE.get(str(code))
    if info is None:
        return escape(str(code or "?"))
    return f"{escape(info.english_name)} / {escape(info.native_name)} ({escape(info.code)})"


def _contact(case: Case) -> str:
    if case.reply_target() is not None:
        return both(
            "返信コード（本人がコードで返信を読みます）",
            "Reply code (she reads your reply with it)",
        )
    for message in reversed(case.incoming()):
        contact = message.data.get("contact")
        if isinstance(contact, Mapping):
            method, value = escape(str(contact.get("method"))), escape(str(contact.get("value")))
            return f'{method}: <span dir="auto">{value}</span>'
    return both("なし", "None")


def _topics(case: Case) -> str:
    lists = [m.data.get("topics") for m in case.incoming()]
    topics = dict.fromkeys(
        t for ts in lists if isinstance(ts, list) for t in ts if isinstance(t, str)
    )
    return ", ".join(f"<code>{escape(t)}</code>" for t in topics) or "—"


def _message(message: Message) -> str:
    data: Mapping[str, Any] = message.data
    if message.sender == "ngo":
        who = both("あなたの団体からの返信", "Your reply")
        words = [str(data.get("text", ""))]
        lang = ""
    else:
        kind = data.get("kind", "request")
        who = both("本人の返事", "Her answer") if kind == "follow_up" else both("相談", "Request")
        if data.get("urgency") == "emergency":
            who += ' <span class="badge">' + both(*URGENCY["emergency"]) + "</span>"
        given = data.get("words")
        words = [str(w) for w in given] if isinstance(given, list) else []
        code = str(data.get("language", ""))
        lang = f' lang="{code}"' if _LANG_TAG.fullmatch(code) else ""
    paragraphs = "".join(f"<p>{escape(w)}</p>" for w in words) or "<p>—</p>"
    return (
        f'<li class="{message.sender}"><p class="meta">{who} · {_time(message.at)}</p>'
        f'<div class="words"{lang} dir="auto">{paragraphs}</div></li>'
    )


def _reply_box(case: Case, csrf: str, can_send: bool, draft: str) -> str:
    if case.reply_target() is None:
        return ""
    if not can_send:
        return "<p>" + both(
            "返信するには、inbox を --gateway と --signing-key を付けて起動してください。",
            "To reply, start the inbox with --gateway and --signing-key.",
        ) + "</p>"  # fmt: skip
    field = escape(f"text-{case.key}")
    return (
        f'<form method="post" action="reply"><input type="hidden" name="csrf" value="{csrf}">'
        f'<input type="hidden" name="case" value="{escape(case.key)}">'
        f'<label for="{field}">' + both("返信（本人の言語で）", "Reply (in her language)")
        + f'</label><textarea id="{field}" name="text" maxlength="{MAX_REPLY_CHARS}" required>'
        f"{escape(draft)}</textarea><button type=\"submit\">" + both("送信", "Send")
        + "</button></form>"
    )  # fmt: skip


def _case(case: Case, csrf: str, can_send: bool, draft: str) -> str:
    key = escape(case.key)
    status, urgency = case.status(), case.urgency()
    first = case.incoming()[0].data if case.incoming() else {}
    title = both("相談", "Request") + " · " + _time(first.get("created_at", ""))
    if urgency == "emergency":
        title = '<span class="badge">' + both(*URGENCY["emergency"]) + "</span> " + title
    facts = [
        (both("状態", "Status"), both(*STATUS[status])),
        (both("緊急度", "Urgency"), both(*URGENCY[urgency])),
        (both("言語", "Language"), _language(first.get("language"))),
        (both("話題", "Topics"), _topics(case)),
        (both("連絡方法", "Contact"), _contact(case)),
    ]
    rows = "".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in facts)
    messages = "".join(_message(m) for m in case.messages)
    handled = (
        ""
        if status == "handled"
        else f'<form method="post" action="handled"><input type="hidden" name="csrf" '
        f'value="{csrf}"><input type="hidden" name="case" value="{key}">'
        f'<button type="submit">' + both("対応済みにする", "Mark handled") + "</button></form>"
    )
    return (
        f'<article id="case-{key}" class="{urgency}" aria-labelledby="title-{key}">'
        f'<h2 id="title-{key}">{title}</h2><dl>{rows}</dl><ol>{messages}</ol>'
        f"{_reply_box(case, csrf, can_send, draft)}{handled}</article>"
    )


def _notice(notice: Notice | None) -> str:
    if notice is None:
        return ""
    if notice.code == "handled":
        text, ok = both("対応済みにしました。", "Marked handled."), True
    elif notice.code in OUTCOMES:
        ok, english, japanese = OUTCOMES[notice.code]
        text = both(japanese, english)
    else:
        return ""
    return f'<p role="status" class="notice {"ok" if ok else "err"}">{text}</p>'


def render(
    cases: list[Case],
    *,
    csrf: str,
    can_send: bool,
    notice: Notice | None = None,
    draft: str = "",
    unreadable: int = 0,
) -> str:
    """The whole page; `draft` refills the reply box of the notice's case after a failure."""
    body = "".join(
        _case(c, csrf, can_send, draft if notice and notice.case == c.key else "") for c in cases
    )
    if not cases:
        body = "<p>" + both("まだ相談はありません。", "No requests yet.") + "</p>"
    if unreadable:
        japanese = f"読めないファイルが {unreadable} 件あります。"
        body += "<p>" + both(japanese, f"{unreadable} file(s) could not be read.") + "</p>"
    return (
        '<!doctype html><html lang="ja"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="same-origin">'
        f"<title>Kakekomi 受信箱 Inbox</title><style>{STYLE}</style></head><body>"
        "<header><h1>Kakekomi " + both("受信箱", "Inbox") + "</h1>"
        '<p><a href="./">' + both("更新", "Reload") + "</a> · "
        + both("新しい順", "Newest first") + "</p></header>"
        f"<main>{_notice(notice)}{body}</main></body></html>"
    )  # fmt: skip
