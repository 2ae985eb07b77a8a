"""Golden tests: how the tokenizer splits what people really type, per language."""

from __future__ import annotations

import unicodedata

import pytest
from kakekomi_bot.tokenizer import ScriptAwareTokenizer
from rasa.shared.nlu.training_data.message import Message


@pytest.fixture(scope="module")
def tokenizer() -> ScriptAwareTokenizer:
    return ScriptAwareTokenizer(ScriptAwareTokenizer.get_default_config())


def tokens(tokenizer: ScriptAwareTokenizer, text: str) -> list[str]:
    return [t.text for t in tokenizer.tokenize(Message({"text": text}), "text")]


GOLDEN = [
    # English: words, inner apostrophes kept, punctuation and emoji dropped
    (
        "en",
        "he took my passport!! what do i do",
        ["he", "took", "my", "passport", "what", "do", "i", "do"],
    ),
    ("en", "i can't go out 😢", ["i", "can't", "go", "out"]),
    ("en", "owe 5,000,000 yen??", ["owe", "5", "000", "000", "yen"]),
    # Spanish: accents, ¿ ¡ and missing accents alike
    ("es", "¿me pueden deportar?", ["me", "pueden", "deportar"]),
    ("es", "no sé q hacer, ayúdame", ["no", "sé", "q", "hacer", "ayúdame"]),
    # Tagalog and Taglish
    ("tl", "kinuha ng boss yung passport ko", ["kinuha", "ng", "boss", "yung", "passport", "ko"]),
    ("tl", "pls help po, overstay na ako", ["pls", "help", "po", "overstay", "na", "ako"]),
    # Thai: no spaces between words
    ("th", "ช่วยด้วย เขากำลังมา", ["ช่วยด้วย", "เขา", "กำลัง", "มา"]),
    ("th", "นายจ้างยึดพาสปอร์ต", ["นายจ้าง", "ยึด", "พาสปอร์ต"]),
    # Japanese: no spaces; punctuation dropped
    ("ja", "パスポートを取られました。", ["パスポート", "を", "取ら", "れ", "まし", "た"]),
    ("ja", "ビザが切れています", ["ビザ", "が", "切れ", "て", "い", "ます"]),
    # Mixed scripts in one message
    ("mixed", "ボスが来る ช่วย help", ["ボス", "が", "来る", "ช่วย", "help"]),
    # Chinese: no spaces, segmented by jieba; Han with kana stays Japanese (Sudachi)
    ("zh", "我的护照被老板拿走了", ["我", "的", "护照", "被", "老板", "拿走", "了"]),
    ("zh", "老板不给我工资，怎么办？", ["老板", "不", "给", "我", "工资", "怎么办"]),
    ("zh", "我的護照被老闆拿走了", ["我", "的", "護照", "被", "老闆", "拿走", "了"]),
    ("zh", "社长拿走了我的passport", ["社长", "拿走", "了", "我", "的", "passport"]),
    ("zh", "在留カード被社长拿走了", ["在", "留", "カード", "被", "社长", "拿走", "了"]),
    ("ja", "在留カードを取られた", ["在留", "カード", "を", "取ら", "れ", "た"]),
    # Burmese: no spaces between words, split into syllables; ။ dropped
    (
        "my",
        "ကျွန်မ အိပ်စရာနေရာ မရှိဘူး",
        ["ကျွန်", "မ", "အိပ်", "စ", "ရာ", "နေ", "ရာ", "မ", "ရှိ", "ဘူး"],
    ),
    ("my", "မန္တလေး။", ["မန္တ", "လေး"]),
    ("my", "အင်္ဂလိပ် စကား", ["အင်္ဂ", "လိပ်", "စ", "ကား"]),
    ("my", "passport ကို ယူသွားတယ်", ["passport", "ကို", "ယူ", "သွား", "တယ်"]),
    # Nepali: Devanagari words keep their vowel signs, virama and joiners; । dropped
    ("ne", "मेरो राहदानी मालिकले लियो", ["मेरो", "राहदानी", "मालिकले", "लियो"]),
    ("ne", "मलाई मद्दत चाहिन्छ।", ["मलाई", "मद्दत", "चाहिन्छ"]),
    ("ne", "रक्\u200dसी", ["रक्\u200dसी"]),
    ("ne", "mero passport sahu le lyo", ["mero", "passport", "sahu", "le", "lyo"]),
    # Vietnamese: words with tone marks, and without
    ("vi", "chủ lấy hộ chiếu của tôi", ["chủ", "lấy", "hộ", "chiếu", "của", "tôi"]),
    ("vi", "cho lay ho chieu cua toi", ["cho", "lay", "ho", "chieu", "cua", "toi"]),
    # Indonesian
    ("id", "saya ingin kabur dari majikan", ["saya", "ingin", "kabur", "dari", "majikan"]),
]


@pytest.mark.parametrize(
    ("language", "text", "expected"), GOLDEN, ids=[g[0] + ":" + g[1] for g in GOLDEN]
)
def test_golden_tokens(
    tokenizer: ScriptAwareTokenizer, language: str, text: str, expected: list[str]
) -> None:
    assert tokens(tokenizer, text) == expected


@pytest.mark.parametrize("text", [g[1] for g in GOLDEN])
def test_offsets_point_at_the_token_in_the_text(tokenizer: ScriptAwareTokenizer, text: str) -> None:
    for token in tokenizer.tokenize(Message({"text": text}), "text"):
        assert text[token.start : token.end] == token.text


def test_japanese_lemma_normalises_inflection(tokenizer: ScriptAwareTokenizer) -> None:
    [taken] = [
        t for t in tokenizer.tokenize(Message({"text": "取られた"}), "text") if t.text == "取ら"
    ]
    assert taken.lemma == "取る"


def lemmas(tokenizer: ScriptAwareTokenizer, text: str) -> list[str]:
    return [t.lemma for t in tokenizer.tokenize(Message({"text": text}), "text")]


def test_traditional_chinese_counts_as_simplified(tokenizer: ScriptAwareTokenizer) -> None:
    assert lemmas(tokenizer, "我的護照被老闆拿走了") == lemmas(tokenizer, "我的护照被老板拿走了")


# Burmese typed in Zawgyi (legacy encoding; written by hand from the Zawgyi code chart) and
# the same sentence in Unicode: "I have nowhere to sleep", "my employer does not pay me".
ZAWGYI = [
    (
        "\u1000\u103a\u103c\u1014\u1039\u1019 \u1021\u102d\u1015\u1039\u1005\u101b\u102c"
        "\u1031\u1014\u101b\u102c \u1019\u101b\u103d\u102d\u1018\u1030\u1038",
        "ကျွန်မ အိပ်စရာနေရာ မရှိဘူး",
    ),
    (
        "\u1021\u101c\u102f\u1015\u1039\u101b\u103d\u1004\u1039\u1000 \u101c\u1005\u102c "
        "\u1019\u1031\u1015\u1038\u1018\u1030\u1038",
        "အလုပ်ရှင်က လစာ မပေးဘူး",
    ),
]


@pytest.mark.parametrize(("zawgyi", "unicode"), ZAWGYI)
def test_zawgyi_gives_the_features_of_unicode(
    tokenizer: ScriptAwareTokenizer, zawgyi: str, unicode: str
) -> None:
    assert zawgyi != unicode
    assert lemmas(tokenizer, zawgyi) == tokens(tokenizer, unicode)
    for token in tokenizer.tokenize(Message({"text": zawgyi}), "text"):
        assert token.text and zawgyi[token.start : token.end] == token.text


def test_vietnamese_combining_marks_count_as_precomposed(tokenizer: ScriptAwareTokenizer) -> None:
    decomposed = unicodedata.normalize("NFD", "hộ chiếu")
    assert decomposed != "hộ chiếu"
    assert tokens(tokenizer, decomposed) == [
        unicodedata.normalize("NFD", w) for w in ("hộ", "chiếu")
    ]
    assert lemmas(tokenizer, decomposed) == ["hộ", "chiếu"]


def test_only_symbols_become_one_token(tokenizer: ScriptAwareTokenizer) -> None:
    assert tokens(tokenizer, "🙏🙏") == ["🙏🙏"]
