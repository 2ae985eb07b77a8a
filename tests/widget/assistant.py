"""The fake assistant the widget talks to: scripted answers in every language, links, XSS."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from actions import cards

Reply = Callable[[dict[str, Any]], tuple[int, Any]]

# What the fake assistant says, per language; it also echoes what she wrote.
GREETING = {
    "en": "I am here to help. You can ask about your visa, your passport or a safe place.",
    "ja": "お手伝いします。ビザ、パスポート、安全な場所について聞けます。",
    "th": "ฉันอยู่ที่นี่เพื่อช่วย ถามเรื่องวีซ่า พาสปอร์ต หรือที่พักที่ปลอดภัยได้",
    "tl": "Nandito ako para tumulong. Magtanong tungkol sa visa, pasaporte o ligtas na lugar.",
    "es": "Estoy aquí para ayudar. Pregunta por tu visa, tu pasaporte o un lugar seguro.",
    "zh": "我在这里帮你。可以问签证、护照或者安全的住处。",
    "ne": "म मद्दत गर्न यहाँ छु। भिसा, पासपोर्ट वा सुरक्षित ठाउँबारे सोध्न सक्नुहुन्छ।",
}
VISA_BUTTON = {
    "en": "Visa",
    "ja": "ビザ",
    "th": "วีซ่า",
    "tl": "Visa",
    "es": "Visa",
    "zh": "签证",
    "ne": "भिसा",
}
VISA_ANSWER = {
    "en": "Your visa is yours: an employer may not keep your passport.",
    "ja": "在留カードとパスポートはあなたのものです。雇い主が預かることはできません。",
    "th": "พาสปอร์ตเป็นของคุณ นายจ้างยึดไว้ไม่ได้",
    "tl": "Iyo ang pasaporte mo: hindi ito puwedeng itago ng amo.",
    "es": "Tu pasaporte es tuyo: el empleador no puede quedárselo.",
    "zh": "护照是你自己的：雇主不能扣着。",
    "ne": "पासपोर्ट तपाईंकै हो: साहुले राख्न पाउँदैन।",
    "vi": "Hộ chiếu là của bạn: chủ không được giữ.",
    "my": "ပတ်စပို့က သင့်ပိုင်ပါ၊ အလုပ်ရှင်က သိမ်းထားခွင့် မရှိပါ။",
    "id": "Paspor itu milikmu: majikan tidak boleh menahannya.",
}

# HTML and script injection as Rasa might relay it (from a poisoned answer or an echo).
XSS_PAYLOADS = [
    "<img src=x onerror=\"window.__xss=1;document.title='pwned'\">",
    "<script>window.__xss=1</script>",
    '<svg onload="window.__xss=1"><circle r="9"/></svg>',
    '"><iframe src="javascript:parent.__xss=1"></iframe>',
    '<a href="javascript:window.__xss=1">tap</a>',
    "javascript:window.__xss=1",
    'https://evil.example/"onmouseover="window.__xss=1"x="',
    "https://evil.example/'><img src=x onerror=window.__xss=1>",
    "data:text/html,<script>window.__xss=1</script>",
    "{{constructor.constructor('window.__xss=1')()}}",
]

LINK_TEXT = (
    "Immigration: https://www.moj.go.jp/isa/index.html. Also https://example.org/a?b=1&c=2, "
    "not http://insecure.example/ nor javascript:alert(1); "
    "窓口はhttps://example.jp/soudan/です。"
)
LINK_HREFS = [
    "https://www.moj.go.jp/isa/index.html",
    "https://example.org/a?b=1&c=2",
    "https://example.jp/soudan/",
]


def assistant(body: dict[str, Any]) -> tuple[int, Any]:
    """The scripted assistant: greets and echoes in the conversation's language."""
    sender, text = body["sender"], body["message"]
    language = body["metadata"]["language"]
    if text == "/ask_visa":
        return 200, [{"recipient_id": sender, "text": VISA_ANSWER[language]}]
    if text == "links please":
        return 200, [{"recipient_id": sender, "text": LINK_TEXT}]
    if text == "inject":
        return 200, [
            {
                "recipient_id": sender,
                "text": payload,
                "buttons": [{"title": payload, "payload": "/x"}],
            }
            for payload in XSS_PAYLOADS
        ]
    return 200, [
        {
            "recipient_id": sender,
            "text": GREETING[language],
            "buttons": [{"title": VISA_BUTTON[language], "payload": "/ask_visa"}],
        },
        {"recipient_id": sender, "text": f"» {text}"},
    ]


# What she writes about her passport, per language (the real model reads it as ask_rights),
# and a message of danger (emergency). The contacts that follow are the real action's
# cards (actions/cards.py) from the real directory at the test's fixed clock.
PASSPORT = {
    "en": "my boss took my passport",
    "ja": "社長にパスポートを取られた",
    "th": "นายจ้างยึดพาสปอร์ตไว้",
    "tl": "kinuha ng amo ang pasaporte ko",
    "es": "mi jefe me quitó el pasaporte",
    "zh": "老板把我的护照拿走了",
    "ne": "साहुले मेरो पासपोर्ट लियो",
    "vi": "chủ lấy hộ chiếu của em rồi",
    "my": "ရှချောက ပတ်စပို့ ယူသွားတယ်",
    "id": "bos ambil paspor saya",
}
DANGER = "he is at the door with a knife"
EMBASSY = "where is my embassy"
CHECK = {
    "en": "Please check these numbers.",
    "ja": "番号を確かめてください。",
    "th": "กรุณาตรวจสอบเบอร์เหล่านี้",
    "tl": "Pakisuri ang mga numerong ito.",
    "es": "Comprueba estos números.",
    "zh": "请核实这些号码。",
    "ne": "यी नम्बरहरू एकपटक जाँच्नुहोस्।",
    "vi": "Hãy kiểm tra lại các số này.",
    "my": "ဒီဖုန်းနံပါတ်တွေကို စစ်ဆေးပါ။",
    "id": "Tolong cek nomor-nomor ini.",
}


def contacts_assistant(now: datetime.datetime) -> Reply:
    """The scripted assistant, which also lists contacts as the real action does at `now`."""

    def reply(body: dict[str, Any]) -> tuple[int, Any]:
        sender, text = body["sender"], body["message"]
        language = body["metadata"]["language"]
        topics = {DANGER: "emergency", EMBASSY: "ask_embassy"}
        topic = topics.get(text) or ("ask_rights" if text in PASSPORT.values() else None)
        message = cards.contacts_message(topic, language, now) if topic else None
        if message is None:
            return assistant(body)
        return 200, [
            {"recipient_id": sender, "text": VISA_ANSWER[language]},
            {"recipient_id": sender, "text": message["text"]},
            {"recipient_id": sender, "custom": {"contacts": message["contacts"]}},
            {"recipient_id": sender, "text": CHECK[language]},
        ]

    return reply
