"""Chinese or Japanese: what a text written in Han characters (kanji) is, from its letters alone.

The tokenizer (which segmenter) and the gateway's language guess (which reply language) ask
the same question, so they share this answer. Hiragana is Japanese; a character that
Japanese does not write (护 资 们, or the traditional 闆 說) is Chinese, and so are the
words Chinese sentences are made of (我 的 了 吗); a kanji that Chinese does not write
(働 駅 払) is Japanese. Katakana says nothing: Chinese workers in Japan write パスポート too.
"""

from __future__ import annotations

from typing import Final, Literal

# Chinese function words, each a weak sign (1 point) in a text without hiragana.
_CHINESE_WORDS: Final = frozenset(
    "我你他她们們的了吗嗎呢吧啊呀啦嘛哦是很也没沒这這那么麼什怎哪谁誰想给把还在不能去得太再就都"
    "被到看来多"
)
# Japanese kanji words that contain one of those: removed before counting.
_JAPANESE_COMPOUNDS: Final = (
    "在留", "在住", "在籍", "所在", "現在", "存在", "滞在", "性的", "精神的",
    "身体的", "経済的", "具体的", "暴力的", "我慢", "了解", "終了", "完了", "是非",
    "被害", "不法", "不安", "不当", "都合", "過去", "来日", "来週", "来月", "多分",
)  # fmt: skip


def _encodes(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def is_han(char: str) -> bool:
    """Whether the character is a CJK unified ideograph (basic block or extension A)."""
    return "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf"


def _points(char: str) -> tuple[int, int]:
    """(Chinese, Japanese) points of one character."""
    if "\u3041" <= char <= "\u309f":
        # の also serves as a stylish 的 in Chinese, so it counts for little.
        return (0, 1 if char == "の" else 3)
    if not is_han(char):
        return (0, 0)
    # Japanese writes what JIS (cp932) encodes; GB2312 is simplified Chinese, Big5 traditional.
    japanese = _encodes(char, "cp932")
    chinese = _encodes(char, "gb2312") or _encodes(char, "big5")
    if chinese and not japanese:
        return (2, 0)
    if japanese and not chinese:
        return (0, 2)
    return (1 if char in _CHINESE_WORDS else 0, 0)


def han_language(text: str) -> Literal["zh", "ja"] | None:
    """Chinese ("zh") or Japanese ("ja") by the signs in the text; None when none says."""
    for compound in _JAPANESE_COMPOUNDS:
        text = text.replace(compound, "")
    chinese = japanese = 0
    for char in text:
        zh, ja = _points(char)
        chinese += zh
        japanese += ja
    # One Chinese word in Han with no Japanese sign at all ("救救我", "好的") is Chinese: a
    # Japanese writer almost always adds kana; a first cry for help must not get Japanese.
    if chinese > japanese:
        return "zh"
    if japanese:
        return "ja"
    return None
