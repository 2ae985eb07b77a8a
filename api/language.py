"""Offline language guess for short phone-typed messages: script first, then marker words."""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise
from typing import Final

from api.buttons import is_button_payload

# The one list of languages (kakekomi_common.languages); re-exported for the gateway.
from kakekomi_common.languages import CODES as LANGUAGES
from kakekomi_common.languages import Language

__all__ = ["LANGUAGES", "Language", "detect"]

# A kanji or kana carries about as much as three Latin letters, so "help 助けて" reads as
# Japanese while "I work in 大阪" stays English.
_CJK_WEIGHT: Final = 3
# A Latin-script language needs this score, and a clear lead, to be named at all: one weak
# word ("hi", "thanks", "no") is not enough to switch a conversation's language.
_MIN_SCORE: Final = 2

# Marker words: 2 = typical of that language, 1 = common but also borrowed or shared.
# Tagalog function words outweigh the English nouns of Taglish ("kinuha ng boss ko yung passport").
_MARKERS: Final[dict[Language, dict[str, int]]] = {
    "tl": dict.fromkeys(
        "po opo ako aq ang ng mga sa ko ba yung ung kasi kc naman nmn hindi paano pano saan "
        "nasaan tulong tulungan kinuha gusto wala lang lng nila niya nya ka mo ikaw siya sya "
        "kami namin natin tayo kayo nyo ninyo akin sakin salamat kailangan pwede puwede "
        "takot natatakot utang bahay trabaho ngayon dito doon ito yan yun iyon nang kay sila "
        "nga talaga baka daw raw din rin oo huwag wag bakit meron kung nasa amin kanila "
        "tumakas makauwi umuwi pinapasok sahod binabayaran".split(),
        2,
    )
    | dict.fromkeys("na pa pag ni para".split(), 1),
    "es": dict.fromkeys(
        "que qué estoy tengo ayuda ayúdame ayudame ayudeme ayúdenme por el la los las mi mis "
        "de del es está esta quiero necesito puedo hola gracias pasaporte jefe jefa deuda "
        "dinero miedo policía policia trabajo donde dónde cómo como yo un una con pero nadie "
        "nada hay tienen tiene quitaron debo también porque ahora aquí aqui soy muy lo le se "
        "estan están mucho alguien casa salir pagar vivo hacer".split(),
        2,
    )
    | dict.fromkeys("me no si sí ni para en y".split(), 1),
    "en": dict.fromkeys(
        "i i'm im my the is are am you your it it's what where how why can can't cant don't "
        "dont do want need they he she took have has will was this that there here with and "
        "of for not get scared afraid someone anyone".split(),
        2,
    )
    | dict.fromkeys(
        "me no help please pls plz hello hi thanks thank to go work job money police boss yes "
        "u ur".split(),
        1,
    ),
}
# Two-word markers ("no se" is Spanish even without the accent).
_BIGRAMS: Final[dict[str, tuple[Language, int]]] = {
    "no se": ("es", 2),
    "no sé": ("es", 2),
    "por favor": ("es", 2),
}

_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SPANISH_PUNCTUATION = frozenset("ñ¿¡")
_SPANISH_ACCENTS = frozenset("áéíóú")


def _is_thai(char: str) -> bool:
    return "\u0e00" <= char <= "\u0e7f"


def _is_japanese(char: str) -> bool:
    return (
        "\u3040" <= char <= "\u30ff"  # Hiragana, Katakana
        or "\u4e00" <= char <= "\u9fff"  # CJK unified ideographs
        or "\u3400" <= char <= "\u4dbf"  # CJK extension A
        or "\uff66" <= char <= "\uff9d"  # half-width Katakana
    )


def _script_language(text: str) -> Language | None:
    thai = sum(1 for c in text if _is_thai(c))
    japanese = sum(_CJK_WEIGHT for c in text if _is_japanese(c))
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    best: Language = "th" if thai >= japanese else "ja"
    score = max(thai, japanese)
    if score and score >= latin:
        return best
    return None


def _marker_scores(text: str) -> dict[Language, int]:
    words = _WORD.findall(text)
    scores: dict[Language, int] = dict.fromkeys(LANGUAGES, 0)
    for word in words:
        for language, markers in _MARKERS.items():
            scores[language] += markers.get(word, 0)
    for first, second in pairwise(words):
        marker = _BIGRAMS.get(f"{first} {second}")
        if marker:
            scores[marker[0]] += marker[1]
    if _SPANISH_PUNCTUATION.intersection(text):
        scores["es"] += 2
    if _SPANISH_ACCENTS.intersection(text):
        scores["es"] += 1
    return scores


def detect(text: str) -> Language | None:
    """Guess the language of ``text``; None when there is no clear signal."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")
    if is_button_payload(text):  # after NFKC, a full-width "／" counts too
        return None
    by_script = _script_language(text)
    if by_script:
        return by_script
    ranked = sorted(_marker_scores(text).items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, runner_up) = ranked[0], ranked[1]
    if top >= _MIN_SCORE and top > runner_up:
        return best
    return None
