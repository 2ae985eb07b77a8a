"""Golden tests: how the tokenizer splits what people really type, per language."""

from __future__ import annotations

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


def test_only_symbols_become_one_token(tokenizer: ScriptAwareTokenizer) -> None:
    assert tokens(tokenizer, "🙏🙏") == ["🙏🙏"]
