"""The danger guard turns small talk that speaks of danger into an emergency."""

from __future__ import annotations

import unicodedata

import pytest
from kakekomi_bot.danger_guard import DangerGuard, compile_terms
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

TERMS = ["kill me", "knife", "he's coming", "殺される", "อยากตาย", "kutsilyo", "me va a matar"]
CUES = ["call me back", "no me dejan salir", "ติดต่อกลับ", "出してもらえ"]


@pytest.fixture
def guard(tmp_path) -> DangerGuard:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("danger_guard")
    guard = DangerGuard.create(DangerGuard.get_default_config(), storage, resource, None)
    tables = [{"name": "danger", "elements": TERMS}, {"name": "help_cues", "elements": CUES}]
    guard.train(TrainingData(lookup_tables=tables))
    return guard


def classified(text: str, intent: str) -> Message:
    return Message({"text": text, "intent": {"name": intent, "confidence": 0.8}})


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hi he's coming", "greet"),
        ("bye he has a KNIFE", "goodbye"),
        ("ok 殺される", "affirm"),
        ("อยากตายแล้ว", "out_of_scope"),
        ("may kutsilyo siya", "nlu_fallback"),
        ("gracias, me va a matar", "thank"),
        ("my boss has a knife, is it legal", "ask_rights"),
        ("he's coming, where can i hide", "ask_shelter"),
    ],
)
def test_anything_but_a_help_request_that_mentions_danger_becomes_emergency(
    guard: DangerGuard, text: str, intent: str
) -> None:
    [message] = guard.process([classified(text, intent)])
    assert message.get("intent")["name"] == "emergency"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("can someone call me back tonight after 11", "ask_shelter"),
        ("me quitaron el pasaporte y no me dejan salir", "ask_rights"),
        ("ถ้าจะติดต่อกลับ ขอหลังเที่ยงคืนนะคะ", "ask_rights"),
        ("寮から出してもらえません", "nlu_fallback"),
    ],
)
def test_a_help_cue_makes_anything_but_a_help_request_a_help_request(
    guard: DangerGuard, text: str, intent: str
) -> None:
    [message] = guard.process([classified(text, intent)])
    assert message.get("intent")["name"] == "request_help"


def test_danger_wins_over_a_help_cue(guard: DangerGuard) -> None:
    [message] = guard.process([classified("he has a knife, call me back", "greet")])
    assert message.get("intent")["name"] == "emergency"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello there", "greet"),  # no danger word
        ("kill time in shibuya", "out_of_scope"),  # "kill" alone is no danger term
        ("can my boss keep my passport", "ask_rights"),  # no danger word
        ("he's coming, help me get out", "request_help"),  # already a help request
    ],
)
def test_leaves_other_predictions_alone(guard: DangerGuard, text: str, intent: str) -> None:
    [message] = guard.process([classified(text, intent)])
    assert message.get("intent")["name"] == intent


def test_whole_words_only_for_spaced_scripts() -> None:
    pattern = compile_terms(["kill me"])
    assert pattern.search("they will kill me")
    assert not pattern.search("they will skill meter")


def test_burmese_terms_match_inside_unspaced_text() -> None:
    # Burmese writes no space between words: "he said he will kill me" runs on after the term.
    pattern = compile_terms(["ကျွန်မကို သတ်"])
    assert pattern is not None
    assert pattern.search("သူ ကျွန်မကို သတ်မယ်တဲ့")
    assert not pattern.search("ကျွန်မကို သတိပေးတယ်")


def test_trained_terms_survive_persist_and_load(guard: DangerGuard, tmp_path) -> None:
    loaded = DangerGuard.load(guard._config, guard._model_storage, guard._resource, None)
    assert loaded.terms == {"danger": sorted(TERMS), "help_cues": sorted(CUES)}
    assert loaded.mentions_danger("he has a knife")


def fallback(text: str, ranking: list[tuple[str, float]]) -> Message:
    ranked = [{"name": "nlu_fallback", "confidence": 0.35}] + [
        {"name": name, "confidence": confidence} for name, confidence in ranking
    ]
    return Message({"text": text, "intent": ranked[0], "intent_ranking": ranked})


@pytest.mark.parametrize("best", ["emergency", "request_help"])
def test_an_unsure_guess_of_a_help_intent_is_kept(guard: DangerGuard, best: str) -> None:
    [message] = guard.process([fallback("nobody can know", [(best, 0.3), ("greet", 0.25)])])
    assert message.get("intent") == {"name": best, "confidence": 0.3}


def test_an_unsure_guess_of_anything_else_stays_not_understood(guard: DangerGuard) -> None:
    [message] = guard.process([fallback("hmm", [("greet", 0.3), ("emergency", 0.1)])])
    assert message.get("intent")["name"] == "nlu_fallback"


def ranked(intent: str, ranking: list[tuple[str, float]]) -> Message:
    return Message(
        {
            "text": "some words",
            "intent": {"name": intent, "confidence": ranking[0][1]},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
        }
    )


def test_a_help_intent_with_a_quarter_of_the_confidence_wins(guard: DangerGuard) -> None:
    message = ranked("bot_challenge", [("bot_challenge", 0.6), ("request_help", 0.3)])
    [message] = guard.process([message])
    assert message.get("intent") == {"name": "request_help", "confidence": 0.3}


def test_a_faint_help_intent_does_not(guard: DangerGuard) -> None:
    message = ranked("bot_challenge", [("bot_challenge", 0.8), ("request_help", 0.1)])
    [message] = guard.process([message])
    assert message.get("intent")["name"] == "bot_challenge"


def test_a_faint_help_intent_does_not_win_over_a_sure_everyday_answer(tmp_path) -> None:
    config = {**DangerGuard.get_default_config(), "out_of_scope_keep": 0.65}
    guard = DangerGuard(config, LocalModelStorage(tmp_path), Resource("g"), {"danger": TERMS})
    [sure_everyday, unsure_everyday] = guard.process(
        [
            ranked("out_of_scope", [("out_of_scope", 0.7), ("request_help", 0.2)]),
            ranked("out_of_scope", [("out_of_scope", 0.6), ("request_help", 0.3)]),
        ]
    )
    assert sure_everyday.get("intent")["name"] == "out_of_scope"
    assert unsure_everyday.get("intent")["name"] == "request_help"


def test_a_faint_help_intent_does_not_win_over_a_sure_topic_answer(tmp_path) -> None:
    config = {**DangerGuard.get_default_config(), "topic_keep": 0.65}
    guard = DangerGuard(config, LocalModelStorage(tmp_path), Resource("g"), {"danger": TERMS})
    [sure_topic, unsure_topic, small_talk, new_topic] = guard.process(
        [
            ranked("ask_rights", [("ask_rights", 0.66), ("request_help", 0.33)]),
            ranked("ask_embassy", [("ask_embassy", 0.63), ("request_help", 0.29)]),
            # Not a topic: small talk as sure as that still gives way to a help intent.
            ranked("bot_challenge", [("bot_challenge", 0.7), ("request_help", 0.25)]),
            # A topic added to the domain later is one without being listed here.
            ranked("ask_family", [("ask_family", 0.7), ("request_help", 0.25)]),
        ]
    )
    assert sure_topic.get("intent")["name"] == "ask_rights"
    assert new_topic.get("intent")["name"] == "ask_family"
    assert unsure_topic.get("intent")["name"] == "request_help"
    assert small_talk.get("intent")["name"] == "request_help"


def sure(text: str, intent: str, confidence: float) -> Message:
    return Message({"text": text, "intent": {"name": intent, "confidence": confidence}})


def in_context(tmp_path) -> DangerGuard:
    """A guard with the measured settings of bot/config.yml."""
    config = {
        **DangerGuard.get_default_config(),
        "keep_confidence": 0.5,
        "word_emergency_confidence": 0.3,
        "word_emergency_best": True,
    }
    return DangerGuard(config, LocalModelStorage(tmp_path), Resource("g"), {"danger": TERMS})


def scored(text: str, ranking: list[tuple[str, float]], unsure: bool = False) -> Message:
    """A message as the classifier leaves it: its answer (or not understood) and ranking."""
    ranked = [{"name": n, "confidence": c} for n, c in ranking]
    intent = {"name": "nlu_fallback", "confidence": 0.5} if unsure else ranked[0]
    return Message({"text": text, "intent": intent, "intent_ranking": ranked})


def test_a_danger_word_in_a_sure_everyday_or_topic_answer_is_kept(tmp_path) -> None:
    [idiom, topic] = in_context(tmp_path).process(
        [
            scored("my coach will kill me if im late", [("out_of_scope", 0.7), ("emergency", 0.2)]),
            scored("he has a knife, is that legal", [("ask_rights", 0.6), ("emergency", 0.2)]),
        ]
    )
    assert idiom.get("intent")["name"] == "out_of_scope"
    assert topic.get("intent")["name"] == "ask_rights"


def test_a_danger_word_overrides_small_talk_and_unsure_answers(tmp_path) -> None:
    [greeting, unsure, unsure_everyday] = in_context(tmp_path).process(
        [
            scored("hi he's coming", [("greet", 0.9), ("emergency", 0.3)]),
            scored("he will kill me", [("emergency", 0.4), ("out_of_scope", 0.35)], unsure=True),
            scored("kill me", [("out_of_scope", 0.45), ("emergency", 0.35)]),
        ]
    )
    # Never small talk or "not understood"; the police answer only when emergency leads.
    assert greeting.get("intent")["name"] == "request_help"
    assert unsure.get("intent")["name"] == "emergency"
    assert unsure_everyday.get("intent")["name"] == "request_help"  # 0.45 < keep_confidence


def test_the_police_answer_needs_emergency_as_the_classifiers_best_guess(tmp_path) -> None:
    """A film or game it reads as everyday, unsure, gets the help answer, not the police."""
    [film, game, meant] = in_context(tmp_path).process(
        [
            scored(
                "he has a knife, which film is it", [("out_of_scope", 0.45), ("emergency", 0.4)]
            ),
            scored("he's coming lol", [("out_of_scope", 0.4), ("emergency", 0.35)], unsure=True),
            scored("he's coming, hide", [("emergency", 0.42), ("out_of_scope", 0.4)], unsure=True),
        ]
    )
    assert film.get("intent")["name"] == "request_help"  # 0.45 < keep_confidence
    assert game.get("intent")["name"] == "request_help"
    assert meant.get("intent")["name"] == "emergency"
    default = in_context(tmp_path)
    default._config = {**default._config, "word_emergency_best": False}
    [word_alone] = default.process(
        [scored("he has a knife, which film is it", [("out_of_scope", 0.45), ("emergency", 0.4)])]
    )
    assert word_alone.get("intent")["name"] == "emergency"


def test_a_danger_word_the_classifier_does_not_back_is_a_help_request(tmp_path) -> None:
    [weak, faint, none] = in_context(tmp_path).process(
        [
            scored("he's coming", [("out_of_scope", 0.45), ("emergency", 0.2)], unsure=True),
            scored("kill me", [("out_of_scope", 0.45), ("emergency", 0.1)]),
            scored("bye he has a knife", [("goodbye", 0.9)]),
        ]
    )
    assert weak.get("intent")["name"] == "request_help"
    assert faint.get("intent")["name"] == "request_help"
    assert none.get("intent")["name"] == "request_help"


def test_by_default_the_word_alone_decides(guard: DangerGuard) -> None:
    [everyday, topic] = guard.process(
        [
            sure("this game will kill me lol", "out_of_scope", 0.99),
            sure("kill me, is my visa ok", "ask_visa", 0.9),
        ]
    )
    assert everyday.get("intent")["name"] == "emergency"
    assert topic.get("intent")["name"] == "emergency"


def test_an_unsure_emergency_guess_below_the_bar_is_a_help_request(tmp_path) -> None:
    config = {**DangerGuard.get_default_config(), "emergency_confidence": 0.5}
    guard = DangerGuard(config, LocalModelStorage(tmp_path), Resource("g"), {"danger": TERMS})
    [unsure, surer, worded] = guard.process(
        [
            fallback("quiet please", [("emergency", 0.3), ("out_of_scope", 0.2)]),
            fallback("they are outside", [("emergency", 0.49), ("request_help", 0.3)]),
            fallback("he has a knife", [("emergency", 0.3), ("greet", 0.2)]),
        ]
    )
    assert unsure.get("intent")["name"] == "request_help"
    assert surer.get("intent")["name"] == "request_help"
    assert worded.get("intent")["name"] == "emergency"  # a danger word still decides


# Written for this test (in no training, held-out or benchmark file): a danger word used
# harmlessly, and the same kind of word meant.
HARMLESS = [
    "my cousin will kill me if i spoil the ending, when is episode 9 out",
    "the puppy keeps chasing me around the garden, how long should walks be",
    "น้องหมาวิ่งตามมาทุกเช้า ซื้อขนมหมาที่ไหนดี",
    "แม่เขากำลังมาเยี่ยม ร้านอาหารไทยในโตเกียว",
    "papatayin ako ng kuya ko pag nasira ko yung gitara nya, saan pinapaayos",
    "parating na sila galing osaka, saan kami kakain ng ramen",
    "mi tía me mata si no llego a su cumpleaños, qué flores le llevo",
    "ya vienen las vacaciones de verano, playas bonitas cerca de tokio",
    "em gái mà biết em làm vỡ điện thoại là giết em luôn, sửa màn hình ở đâu",
    "con mèo cứ đuổi theo em quanh nhà, mua đồ chơi gì cho nó",
]
MEANT = [
    "he is coming back drunk and said he will kill me tonight",
    "あいつが包丁を持ってドアの前にいる、こわい",
    "เขาถือมีดอยู่หน้าประตูห้อง กลัวมาก",
    "may kutsilyo sya at papatayin daw ako ngayon",
    "tiene un cuchillo y dice que me va a matar ahora",
    "nó cầm dao đứng trước cửa phòng, nó bảo tối nay giết em",
]


def test_on_the_real_model_the_context_decides_not_the_word() -> None:
    from tests.bot.test_everyday_requests import parse_texts, the_model

    intents = parse_texts(the_model(), HARMLESS + MEANT)
    alarmed = [text for text in HARMLESS if intents[text]["name"] == "emergency"]
    missed = [text for text in MEANT if intents[text]["name"] != "emergency"]
    assert (alarmed, missed) == ([], [])


def test_tone_marks_typed_as_combining_characters_still_match(tmp_path) -> None:
    """Some Vietnamese keyboards send "cứu em" decomposed (NFD); the guard still hears it."""
    storage = LocalModelStorage(tmp_path)
    guard = DangerGuard.create(
        DangerGuard.get_default_config(), storage, Resource("danger_guard"), None
    )
    guard.train(TrainingData(lookup_tables=[{"name": "danger", "elements": ["cứu em"]}]))
    decomposed = unicodedata.normalize("NFD", "cứu em với")
    assert decomposed != "cứu em với"
    [message] = guard.process([classified(decomposed, "greet")])
    assert message.get("intent")["name"] == "emergency"
