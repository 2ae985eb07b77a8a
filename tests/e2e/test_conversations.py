"""Conversations through /api/chat on the real stack, in every language."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import httpx
import pytest
import yaml

from tests.e2e.conftest import ROOT, RunningStack

pytestmark = pytest.mark.e2e


@cache
def answers() -> dict[str, dict[str, str]]:
    """Each response's text per language, from bot/domain/responses.yml."""
    raw = yaml.safe_load((ROOT / "bot" / "domain" / "responses.yml").read_text(encoding="utf-8"))
    texts: dict[str, dict[str, str]] = {}
    for name, variations in raw["responses"].items():
        for variation in variations:
            conditions = variation.get("condition") or [{"value": "en"}]
            texts.setdefault(name, {})[conditions[0]["value"]] = variation["text"]
    return texts


# What a frightened person might type, per language and topic. Not in the training data.
QUESTIONS = {
    "en": {
        "ask_rights": "my boss keeps my passport and dont pay me, is that allowed",
        "ask_visa": "my visa expired long time ago, will they deport me if i go to police",
        "ask_debt": "the broker says i still owe 3 million yen and it gets bigger every month",
        "ask_shelter": "i ran away and have nowhere to sleep tonight",
    },
    "ja": {
        "ask_rights": "社長がパスポートを返してくれません。給料もありません。これは違法ですか",
        "ask_visa": "ビザがきれています。警察に行ったら強制送還されますか",
        "ask_debt": "ブローカーに300万円の借金があると言われて、給料から引かれています",
        "ask_shelter": "今夜とまるところがありません。安全な場所はありますか",
    },
    "th": {
        "ask_rights": "นายจ้างยึดพาสปอร์ตไว้ ไม่จ่ายเงินเดือนเลย แบบนี้ผิดกฎหมายไหม",
        "ask_visa": "วีซ่าหมดนานแล้ว ถ้าไปหาตำรวจจะโดนส่งกลับไหม",
        "ask_debt": "นายหน้าบอกว่าติดหนี้สามล้านเยน หักจากเงินเดือนทุกเดือน",
        "ask_shelter": "หนีออกมาแล้ว คืนนี้ไม่มีที่นอน มีที่พักปลอดภัยไหม",
    },
    "tl": {
        "ask_rights": "kinuha ng amo ko yung passport ko tapos di nila ako sinasahuran, legal ba yun",
        "ask_visa": "overstay na ako, pag pumunta ba ako sa pulis idedeport ako",
        "ask_debt": "sabi ng broker may utang daw ako na 3 milyon yen at kinakaltas sa sahod ko",
        "ask_shelter": "tumakas ako wala akong matutulugan ngayong gabi",
    },
    "es": {
        "ask_rights": "el patron tiene mi pasaporte y no me paga, eso es legal?",
        "ask_visa": "se me vencio la visa, si voy a la policia me deportan?",
        "ask_debt": "el que me trajo dice que le debo 3 millones de yenes y me lo quitan del sueldo",
        "ask_shelter": "me escape y no tengo donde dormir esta noche",
    },
    "zh": {
        "ask_rights": "社长扣着我的护照 工资也三个月没给了 这样合法吗",
        "ask_visa": "在留卡过期半年了 去找警察的话会被遣返吗",
        "ask_debt": "中介说我还欠他们八十万日元 每个月从工资里扣",
        "ask_shelter": "我从会社跑出来了 今晚没地方睡 有安全的地方吗",
    },
    "vi": {
        "ask_rights": "công ty giữ hộ chiếu của em mà không trả lương, vậy có đúng luật không",
        "ask_visa": "visa em hết hạn lâu rồi, đi trình báo công an có bị trục xuất không",
        "ask_debt": "môi giới bảo em còn nợ 150 triệu, tháng nào cũng trừ vào lương",
        "ask_shelter": "em bỏ trốn rồi, tối nay không có chỗ ngủ",
    },
    "my": {
        "ask_rights": "ရှချောက ပတ်စပို့ သိမ်းထားပြီး လစာလည်း မပေးဘူး ဒါ ဥပဒေနဲ့ ညီလား",
        "ask_visa": "ဗီဇာ ကုန်တာ ကြာပြီ ရဲဆီ သွားရင် မြန်မာပြည် ပြန်ပို့မှာလား",
        "ask_debt": "ပွဲစားက ယန်း သုံးသန်း အကြွေးရှိတယ်တဲ့ လစာထဲက လတိုင်း ဖြတ်တယ်",
        "ask_shelter": "ထွက်ပြေးလာတာ ဒီည အိပ်စရာ မရှိဘူး ဘေးကင်းတဲ့ နေရာ ရှိလား",
    },
    "ne": {
        "ask_rights": "रेस्टुरेन्टको साहुले पासपोर्ट राखेको छ र चार महिनादेखि तलब दिएको छैन, यो कानुनी हो?",
        "ask_visa": "मेरो भिसाको म्याद गइसक्यो, प्रहरीकहाँ गएँ भने नेपाल फर्काइदिन्छ?",
        "ask_debt": "म्यानपावरले भन्छ अझै ११ लाख ऋण बाँकी छ, हरेक महिना ब्याज थपिन्छ",
        "ask_shelter": "म भागेर आएँ, आज राति सुत्ने कुनै ठाउँ छैन",
    },
    "id": {
        "ask_rights": "paspor aku dipegang kumiai dan gaji 2 bulan belum dibayar, boleh gitu?",
        "ask_visa": "visa aku udah lama habis, kalo aku ke polisi bakal dideportasi gak",
        "ask_debt": "lpk bilang utangku masih 60 juta dan tiap bulan dipotong dari gaji",
        "ask_shelter": "aku udah keluar dari asrama dan malam ini gak ada tempat tidur",
    },
}
# Known gap (issue 11): with ten languages in one model and DangerGuard's help_confidence
# 0.18, this Burmese rights question gets the help answer (it offers to pass her request on
# and lists 110 and 119), not the rights answer. Strict: once it passes, remove the mark.
KNOWN_MISSES = {
    ("my", "ask_rights"): "Burmese rights question answered as a help request (issue 11)",
}
CASES = [
    pytest.param(
        lang,
        intent,
        text,
        marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[(lang, intent)])]
        if (lang, intent) in KNOWN_MISSES
        else [],
    )
    for lang, topics in QUESTIONS.items()
    for intent, text in topics.items()
]
SCRIPT = {
    "th": re.compile(r"[\u0E00-\u0E7F]"),
    "ja": re.compile(r"[\u3040-\u30FF\u4E00-\u9FFF]"),
    "zh": re.compile(r"[\u4E00-\u9FFF]"),
    "my": re.compile(r"[\u1000-\u109F]"),
    "ne": re.compile(r"[\u0900-\u097F]"),
}


@pytest.mark.parametrize(("language", "intent", "text"), CASES)
@pytest.mark.parametrize("chosen", [True, False], ids=["widget-language", "detected-language"])
def test_answers_each_topic_in_the_persons_language(
    stack: RunningStack, language: str, intent: str, text: str, chosen: bool
) -> None:
    response = stack.chat(text, language=language if chosen else None)
    assert response.status_code == 200
    body = response.json()
    assert body["language"] == language
    messages = [m["text"] for m in body["messages"]]
    assert messages[0] == answers()[f"utter_{intent}"][language]
    # Then the contacts for that topic, from the directory, marked for checking.
    assert len(messages) >= 2 and re.search(r"\d", messages[1])
    assert messages[-1] == answers()["utter_contacts_check"][language]
    if language in SCRIPT:
        assert SCRIPT[language].search(messages[0])
    if language == "zh":  # Chinese, not the Japanese answer: no kana
        assert not re.search(r"[\u3040-\u30FF]", messages[0])


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "hes outside the door with a knife please"),
        ("ja", "いま男がドアの前にいます。殺される"),
        ("th", "เขากำลังมา มีมีดด้วย ช่วยด้วย"),
        ("tl", "papunta na siya dito, papatayin daw ako"),
        ("es", "ya viene para aca y me dijo que me va a matar"),
        ("zh", "他拿着刀在门外 说要杀了我 快来人"),
        ("vi", "nó đứng ngoài cửa cầm dao, nó bảo sẽ giết em"),
        ("my", "သူ ဓားကိုင်ပြီး တံခါးရှေ့ ရောက်နေပြီ ကျွန်မကို သတ်မယ်တဲ့"),
        ("ne", "ऊ चक्कु बोकेर ढोकामा आइपुग्यो, मलाई मारिदिन्छु भन्दैछ"),
        ("ne", "sahu le malai kutdai cha, bachaunus"),
        ("id", "dia udah di depan pintu bawa pisau, katanya mau bunuh aku"),
    ],
)
def test_danger_gets_110_and_119_before_anything_else(
    stack: RunningStack, language: str, text: str
) -> None:
    body = stack.chat(text).json()
    first = body["messages"][0]["text"]
    assert "110" in first and "119" in first
    assert first.index("110") < first.index("119")
    texts = [m["text"] for m in body["messages"]]
    assert answers()["utter_emergency"][language] in texts


def test_a_button_payload_continues_the_conversation_in_its_language(stack: RunningStack) -> None:
    hello = stack.chat("สวัสดีค่ะ").json()
    assert hello["language"] == "th"
    assert hello["messages"][0]["text"] == answers()["utter_greet"]["th"]
    buttons = {b["payload"]: b["title"] for b in hello["messages"][0]["buttons"]}
    assert "/ask_visa" in buttons
    visa = stack.chat("/ask_visa", session=hello["session"]).json()
    assert visa["session"] == hello["session"]
    assert visa["language"] == "th"
    assert visa["messages"][0]["text"] == answers()["utter_ask_visa"]["th"]


def test_switching_language_mid_conversation(stack: RunningStack) -> None:
    first = stack.chat("hello", language="en").json()
    second = stack.chat("kumusta po", session=first["session"], language="tl").json()
    assert second["session"] == first["session"]
    assert second["messages"][0]["text"] == answers()["utter_greet"]["tl"]


def test_taglish_is_answered_in_tagalog(stack: RunningStack) -> None:
    body = stack.chat("pls help po, yung employer ko ayaw ibalik yung passport ko").json()
    assert body["language"] == "tl"
    assert (
        body["messages"][0]["text"]
        in answers()["utter_ask_rights"]["tl"] + answers()["utter_request_help"]["tl"]
    )


@pytest.mark.parametrize(
    "text",
    [
        "chủ lấy hộ chiếu của tôi, tôi phải làm việc không lương",
        "chu lay ho chieu cua toi, toi phai lam viec ko luong",
    ],
)
def test_a_vietnamese_trainee_whose_passport_is_held_gets_a_vietnamese_line(
    stack: RunningStack, text: str
) -> None:
    """Issue 11's first case, with and without tone marks: no English apology, no menu."""
    body = stack.chat(text).json()
    assert body["language"] == "vi"
    first = body["messages"][0]["text"]
    assert first in (answers()["utter_ask_rights"]["vi"], answers()["utter_request_help"]["vi"])
    [listed] = [m for m in body["messages"] if m["contacts"]]
    speaking = [card["id"] for card in listed["contacts"] if card["speaks_your_language"]]
    assert "otit_vietnamese" in speaking
    # OTIT's lines in other languages are not for her (their `audience`, issue 11).
    assert not {"otit_chinese", "otit_indonesian"} & {card["id"] for card in listed["contacts"]}


def test_the_vietnamese_embassy_answer_lists_the_embassy(stack: RunningStack) -> None:
    body = stack.chat("em muốn về nước mà bị mất hộ chiếu, đại sứ quán ở đâu").json()
    assert body["language"] == "vi"
    assert body["messages"][0]["text"] == answers()["utter_ask_embassy"]["vi"]
    [listed] = [m for m in body["messages"] if m["contacts"]]
    shown = {card["id"] for card in listed["contacts"]}
    assert "embassy_vietnam" in shown
    # Vietnam's embassy and consulates and IOM: no other country's embassy (issue 11).
    assert not {"embassy_china", "embassy_thailand", "kbri_tokyo", "embassy_nepal"} & shown


def test_an_indonesian_who_wants_to_run_away_gets_help_and_otit_in_indonesian(
    stack: RunningStack,
) -> None:
    # Issue 11: "saya ingin kabur dari majikan" used to get the Japanese answer on medical care.
    body = stack.chat("saya ingin kabur dari majikan").json()
    assert body["language"] == "id"
    texts = [m["text"] for m in body["messages"]]
    assert texts[0] == answers()["utter_request_help"]["id"]
    directory = yaml.safe_load((ROOT / "bot" / "directory.yml").read_text(encoding="utf-8"))
    otit = next(e for e in directory["entries"] if e["id"] == "otit_indonesian")
    assert otit["phone"] in texts[1]


def test_new_conversations_get_unguessable_ids_and_unknown_ones_start_fresh(
    stack: RunningStack,
) -> None:
    ids = {stack.chat("hi").json()["session"] for _ in range(3)}
    assert len(ids) == 3
    assert all(len(i) >= 22 for i in ids)  # >= 128 bits in URL-safe base64
    made_up = stack.chat("hi", session="my-own-session-id").json()["session"]
    assert made_up != "my-own-session-id"


def test_ready_and_healthy(stack: RunningStack) -> None:
    assert httpx.get(f"{stack.url}healthz").status_code == 200
    assert httpx.get(f"{stack.url}readyz").status_code == 200
    page = httpx.get(stack.url)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]


def test_nothing_she_typed_reaches_a_log_or_a_file(stack: RunningStack) -> None:
    canary = "canary-7Kq2 my name is Maria Santos from Davao"
    body = stack.chat(f"help me please {canary}").json()
    assert stack.chat(canary, session=body["session"]).status_code == 200
    logged = stack.log.read_text(errors="replace")
    assert "canary-7Kq2" not in logged and "Maria" not in logged
    assert body["session"] not in logged
    for path in [*stack.data_dir.rglob("*"), *Path(ROOT).glob("*.log")]:
        if path.is_file():
            assert b"canary-7Kq2" not in path.read_bytes(), path


# "I ran away from the company, I have nowhere to sleep tonight", typed in Zawgyi, as many
# Burmese phones still do: the gateway converts it, the answer is the Burmese shelter answer.
ZAWGYI_SHELTER = (
    "\u1000\u102f\u1019\u1078\u100f\u102e\u1000 \u1011\u103c\u1000\u1039\u1031\u103b"
    "\u1015\u1038\u101c\u102c\u1010\u101a\u1039 \u1012\u102e\u100a \u1021\u102d\u1015"
    "\u1039\u1005\u101b\u102c \u1031\u1014\u101b\u102c \u1019\u101b\u103d\u102d\u1018"
    "\u1030\u1038"
)


def test_burmese_typed_in_zawgyi_gets_the_burmese_shelter_answer(stack: RunningStack) -> None:
    body = stack.chat(ZAWGYI_SHELTER).json()
    assert body["language"] == "my"
    messages = [m["text"] for m in body["messages"]]
    assert messages[0] == answers()["utter_ask_shelter"]["my"]
    assert messages[-1] == answers()["utter_contacts_check"]["my"]
