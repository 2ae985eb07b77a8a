"""Chinese or Japanese, from the letters of real messages (kakekomi_common.han)."""

from __future__ import annotations

import pytest

from kakekomi_common.han import han_language

CASES: list[tuple[str, str | None]] = [
    # Simplified Chinese: characters Japanese does not write (护 资 们), or function words
    ("我的护照被老板拿走了", "zh"),
    ("老板三个月没给我工资", "zh"),
    ("我想回国", "zh"),
    ("我在日本", "zh"),
    ("你是机器人吗", "zh"),
    ("社长拿走了我的passport", "zh"),
    # Traditional Chinese
    ("我的護照被老闆拿走了", "zh"),
    ("請幫幫我", "zh"),
    # One Chinese word and no Japanese sign: a first "save me" or "ok" is Chinese
    ("救救我", "zh"),
    ("好的", "zh"),
    # Chinese with the Japanese words workers pick up (katakana says nothing)
    ("在留カード被社长拿走了", "zh"),
    ("组合的人不管我们", "zh"),
    # Japanese: hiragana, kanji Chinese does not write, Japanese compounds
    ("パスポートを取られました", "ja"),
    ("私は我慢できない", "ja"),
    ("在留資格が切れた", "ja"),
    ("給料が払われない", "ja"),
    ("駅にいます", "ja"),
    ("労働基準監督署", "ja"),
    # Nothing either way: Han both languages write the same, or Japanese compounds
    ("性的被害", None),
    ("在留期限", None),
    ("警察", None),
    ("大使館", None),
    ("help", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_han_language(text: str, expected: str | None) -> None:
    assert han_language(text) == expected
