"""`validate` catches each kind of broken data, and the real data passes."""

from __future__ import annotations

import inspect
import textwrap
from pathlib import Path

import pytest
from kakekomi_bot.maintain import paths, validate

from kakekomi_common.languages import CODES

DOMAIN = """\
version: "3.1"
intents: [greet, request_help]
slots:
  language: {type: categorical, values: [en, ja], initial_value: en, mappings: []}
responses:
  utter_greet:
    - condition: [{type: slot, name: language, value: ja}]
      text: "こんにちは"
    - text: "Hi"
"""


def nlu(intents: dict[str, list[str]]) -> str:
    blocks = ["version: '3.1'", "nlu:"]
    for intent, examples in intents.items():
        blocks += [f"- intent: {intent}", "  examples: |"]
        blocks += [f"    - {example}" for example in examples]
    return "\n".join(blocks) + "\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny valid project: two intents and one answer in en and ja."""
    write(tmp_path / "domain" / "domain.yml", DOMAIN)
    write(tmp_path / "nlu" / "en" / "a.yml", nlu({"greet": ["hi"], "request_help": ["help me"]}))
    write(tmp_path / "nlu" / "ja" / "a.yml", nlu({"greet": ["やあ"], "request_help": ["助けて"]}))
    return tmp_path


def test_the_tiny_project_is_valid(project: Path) -> None:
    domain = validate.load_domain(project / "domain")
    assert validate.intents_in_every_language(domain, project / "nlu") == []
    assert validate.responses_in_every_language(domain) == []
    assert validate.duplicate_examples(project / "nlu") == []


def test_an_intent_missing_in_one_language_is_named(project: Path) -> None:
    write(project / "nlu" / "ja" / "a.yml", nlu({"greet": ["やあ"]}))
    domain = validate.load_domain(project / "domain")
    assert validate.intents_in_every_language(domain, project / "nlu") == [
        "nlu/ja: no examples for request_help"
    ]


def test_a_response_without_a_variation_for_a_language_is_named(project: Path) -> None:
    broken = DOMAIN + '  utter_bye:\n    - text: "Bye"\n'
    write(project / "domain" / "domain.yml", broken)
    domain = validate.load_domain(project / "domain")
    assert validate.responses_in_every_language(domain) == [
        "response utter_bye: no variation for ja"
    ]


def test_a_directory_entry_without_source_or_date_is_named(tmp_path: Path) -> None:
    names = "{" + ", ".join(f"{code}: A" for code in CODES) + "}"
    entry = f"id: %s\n    kind: legal\n    name: {names}\n    topics: [ask_rights]\n"
    entry += "    partner_confirmed: false\n"
    checked = "    source: https://example.org\n    verified: 2026-11-25\n"
    directory = write(
        tmp_path / "directory.yml",
        f"kinds:\n  legal: {names}\n"
        "entries:\n"
        + f"  - {entry % 'good'}{checked}"
        + f"  - {entry % 'no_source'}    verified: 2026-11-25\n"
        + f"  - {entry % 'bad_date'}    source: https://example.org\n    verified: last week\n"
        + f"  - {entry % 'bad_hours'}{checked}    open: [{{days: all, from: '17:00', to: '09:00'}}]\n"
        + f"  - {(entry % 'no_label').replace('legal', 'shelter')}{checked}",
    )
    assert validate.directory_entries(directory) == [
        "directory entry 'no_source' lacks source",
        "directory entry 'bad_date': verified is not a YYYY-MM-DD date",
        "directory entry 'bad_hours': a slot must end after it starts (17:00–09:00)",
        "directory entry 'no_label' lacks " + ", ".join(f"kinds.shelter.{code}" for code in CODES),
    ]


def test_a_topic_that_an_audience_leaves_without_contacts_is_named(tmp_path: Path) -> None:
    names = "{" + ", ".join(f"{code}: A" for code in CODES) + "}"
    entry = f"kind: legal\n    name: {names}\n    partner_confirmed: false\n"
    entry += "    source: https://example.org\n    verified: 2026-11-25\n"
    directory = write(
        tmp_path / "directory.yml",
        f"kinds:\n  legal: {names}\n"
        "entries:\n"
        f"  - id: general\n    topics: [ask_rights]\n    {entry}"
        f"  - id: vi_only\n    topics: [ask_embassy]\n    audience: [vi]\n    {entry}",
    )
    assert validate.directory_entries(directory) == [
        "directory: after ask_embassy no contact is listed to th, tl, es, zh, my, ne, id"
        " (give one entry of that topic no audience, or one with that language)"
    ]


def test_duplicates_and_conflicts_are_named(project: Path) -> None:
    write(project / "nlu" / "en" / "b.yml", nlu({"greet": ["Hi!"], "request_help": ["HELLO"]}))
    write(project / "nlu" / "ja" / "b.yml", nlu({"greet": ["hello"]}))
    assert validate.duplicate_examples(project / "nlu") == [
        "duplicate: 'hi' appears 2 times in greet (en)",
        "conflict: 'HELLO' is an example of greet (ja) and request_help (en)",
    ]


def test_the_same_word_in_two_languages_is_not_a_duplicate(project: Path) -> None:
    write(project / "nlu" / "ja" / "b.yml", nlu({"greet": ["hi"]}))
    assert validate.duplicate_examples(project / "nlu") == []


def test_a_must_catch_example_copied_from_training_is_named(project: Path) -> None:
    must_catch = write(project / "must_catch" / "en.yml", nlu({"request_help": ["Help me."]}))
    assert validate.held_out_not_trained(project / "nlu", [must_catch.parent]) == [
        "must_catch/en.yml: 'Help me.' is also in the training data"
    ]


def test_a_held_out_example_also_in_training_is_named(project: Path) -> None:
    write(project / "nlu" / "th" / "a.yml", nlu({"goodbye": ["bye bye"]}))
    held_out = write(project / "tests" / "th.yml", nlu({"goodbye": ["Bye, bye!"]}))
    assert validate.held_out_not_trained(project / "nlu", [held_out.parent]) == [
        "tests/th.yml: 'Bye, bye!' is also in the training data"
    ]


def test_the_real_checks_cover_the_held_out_files() -> None:
    # The held-out files are the yardstick: a line trained on would score itself.
    assert "paths.HELD_OUT" in inspect.getsource(validate.own_checks)


def test_a_benchmark_line_copied_from_training_is_named(project: Path) -> None:
    benchmarks = project / "benchmarks"
    write(
        benchmarks / "out_of_scope" / "en.yml",
        "language: en\nout_of_scope:\n  music: [play jazz]\nnear_misses: [HI!]\n",
    )
    write(benchmarks / "danger_negatives" / "en.yml", "language: en\nexamples: [help me]\n")
    assert validate.held_out_not_trained(project / "nlu", [benchmarks]) == [
        "benchmarks/danger_negatives/en.yml: 'help me' is also in the training data",
        "benchmarks/out_of_scope/en.yml: 'HI!' is also in the training data",
    ]


def test_responses_sent_by_actions_must_exist(project: Path) -> None:
    write(project / "actions" / "a.py", 'dispatcher.utter_message(response="utter_gone")\n')
    domain = validate.load_domain(project / "domain")
    assert validate.action_responses_exist(domain, project / "actions") == [
        "actions send utter_gone but the domain has no such response"
    ]


RASA_OUTPUT = """\
2026-11-30 09:53:34 INFO     rasa.validator  - Validating utterances...
\x1b[93m/x/rasa/shared/utils/io.py:100: UserWarning: The utterance 'utter_queued' is not used in any story or rule.
\x1b[0m/x/rasa/shared/utils/io.py:100: UserWarning: The utterance 'utter_lost' is not used in any story or rule.
/x/rasa/shared/utils/io.py:100: UserWarning: The intent 'ask_x' is not used in any story or rule.
"""


def test_rasa_warnings_are_problems_unless_an_action_sends_the_response() -> None:
    assert validate.rasa_problems(RASA_OUTPUT, 1, {"utter_queued"}) == [
        "rasa: The utterance 'utter_lost' is not used in any story or rule.",
        "rasa: The intent 'ask_x' is not used in any story or rule.",
    ]
    assert validate.rasa_problems(RASA_OUTPUT.splitlines()[1], 1, {"utter_queued"}) == []


def test_a_rasa_failure_without_a_warning_is_a_problem() -> None:
    [problem] = validate.rasa_problems("YamlSyntaxException: bad indent\n", 1, set())
    assert "bad indent" in problem


def test_the_real_data_passes_our_checks() -> None:
    assert validate.own_checks() == []


def test_the_real_data_passes_rasas_validation_with_warnings_as_errors() -> None:
    assert validate.run_rasa_validate(paths.CONFIG) == []
