"""The real action server's contacts reach the chat API as typed items beside their text."""

from __future__ import annotations

import re

import pytest
import yaml

from kakekomi_common.languages import CODES as LANGUAGES
from tests.e2e.conftest import ROOT, RunningStack
from tests.e2e.test_conversations import QUESTIONS

DIRECTORY = yaml.safe_load((ROOT / "bot" / "directory.yml").read_text(encoding="utf-8"))
PHONES = {e["id"]: e.get("phone") for e in DIRECTORY["entries"]}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_passport_answer_carries_cards_in_the_order_of_its_text(
    stack: RunningStack, language: str
) -> None:
    body = stack.chat(QUESTIONS[language]["ask_rights"], language=language).json()
    [listed] = [m for m in body["messages"] if m["contacts"]]
    cards = listed["contacts"]
    assert {card["id"] for card in cards} >= {"police", "houterasu"}
    # The text names the same contacts, in the same order, with the same numbers.
    heads = [line for line in listed["text"].splitlines() if not line.startswith(" ")]
    assert len(heads) == len(cards)
    for head, card in zip(heads, cards, strict=True):
        assert head.startswith(card["name"])
        assert card["phone"] == PHONES[card["id"]]
        if card["phone"]:
            assert card["dial"] == re.sub(r"[^0-9+]", "", card["phone"])
            assert card["phone"] in head
    # Open ones first, at whatever time this test runs (Japan time, on the action server).
    ranks = [{"open": 0, "unknown": 1, "closed": 2}[card["status"]] for card in cards]
    assert ranks == sorted(ranks)
    assert all(card["status"] != "closed" or card["opens_at"] for card in cards)


def test_danger_puts_110_then_119_on_top(stack: RunningStack) -> None:
    body = stack.chat("เขากำลังมา มีมีดด้วย ช่วยด้วย").json()
    [listed] = [m for m in body["messages"] if m["contacts"]]
    assert [card["dial"] for card in listed["contacts"][:2]] == ["110", "119"]
    assert all(card["status"] == "open" for card in listed["contacts"][:2])


@pytest.mark.parametrize(
    ("text", "language", "embassy"),
    [
        ("where is the philippine embassy in tokyo?", "en", "embassy_philippines"),
        ("ネパール大使館の電話番号を教えて", "ja", "embassy_nepal"),
    ],
)
def test_an_embassy_question_that_names_a_country_lists_that_countrys_embassy_only(
    stack: RunningStack, text: str, language: str, embassy: str
) -> None:
    body = stack.chat(text, language=language).json()
    [listed] = [m for m in body["messages"] if m["contacts"]]
    ids = {card["id"] for card in listed["contacts"]}
    assert embassy in ids
    # Only that country's entries and those for everyone (IOM): not every embassy.
    assert ids == {embassy, "iom_japan"}
