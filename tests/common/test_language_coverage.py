"""Every place that holds something per language covers exactly the registered languages.

Adding a language is one entry in kakekomi_common.languages plus its data; this test names
each file or table that still lacks it (or holds a language that is not registered).
Standard library and PyYAML only, so both environments run it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from kakekomi_common.languages import CODES, REGISTERED

ROOT = Path(__file__).resolve().parents[2]
NLU_DATA = ROOT / "nlu_data"
Codes = tuple[str, ...]


def _compare(place: str, have: Iterable[str], codes: Codes) -> list[str]:
    have = set(have)
    found = [f"{place}: no {code}" for code in codes if code not in have]
    found += [f"{place}: {code} is not registered" for code in sorted(have - set(codes))]
    return found


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def training_folders(codes: Codes) -> list[str]:
    """nlu_data/nlu/<code>/ holds each language's training examples."""
    folders = [p.name for p in (NLU_DATA / "nlu").iterdir() if p.is_dir()]
    return _compare("nlu_data/nlu/<code>/", folders, codes)


def one_file_per_language(folder: Path) -> Callable[[Codes], list[str]]:
    """<folder>/<code>.yml for each language (held-out tests, must-catch, benchmarks)."""

    def check(codes: Codes) -> list[str]:
        place = f"{folder.relative_to(ROOT)}/<code>.yml"
        return _compare(place, (p.stem for p in folder.glob("*.yml")), codes)

    check.__name__ = f"files in {folder.relative_to(ROOT)}"
    return check


def domain_slot_and_responses(codes: Codes) -> list[str]:
    """The `language` slot's values, and one variation of every response per language."""
    domains = [_yaml(path) for path in sorted((ROOT / "bot" / "domain").glob("*.yml"))]
    slot = next(d["slots"]["language"] for d in domains if "language" in d.get("slots", {}))
    found = _compare("bot/domain language slot", map(str, slot["values"]), codes)
    default = str(slot["initial_value"])
    for domain in domains:
        for name, variations in (domain.get("responses") or {}).items():
            have = set()
            for variation in variations:
                conditions = [c for c in variation.get("condition", []) if c["name"] == "language"]
                have |= {str(c["value"]) for c in conditions} if conditions else {default}
            found += _compare(f"bot/domain response {name}", have, codes)
    return found


def directory_names(codes: Codes) -> list[str]:
    """bot/directory.yml: kind labels and entry names in every language; no other language."""
    directory = _yaml(ROOT / "bot" / "directory.yml")
    found = []
    for kind, labels in (directory.get("kinds") or {}).items():
        found += _compare(f"bot/directory.yml kinds.{kind}", labels, codes)
    for entry in directory["entries"]:
        found += _compare(f"bot/directory.yml {entry['id']} name", entry["name"], codes)
        for field, value in entry.items():
            if isinstance(value, dict) and field != "name":
                unknown = set(value) - set(codes)
                found += [f"bot/directory.yml {entry['id']} {field}: {u}" for u in unknown]
    return found


def gateway_table(module: str, name: str) -> Callable[[Codes], list[str]]:
    """A per-language table the gateway writes from: a dict assigned to `name` in `module`."""

    def check(codes: Codes) -> list[str]:
        tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == name:
                assert isinstance(node.value, ast.Dict)
                keys = [k.value for k in node.value.keys if isinstance(k, ast.Constant)]
                return _compare(f"{module} {name}", map(str, keys), codes)
        return [f"{module}: no {name} table"]

    check.__name__ = f"{module} {name}"
    return check


# api/fallback.py's apology above the emergency numbers, per language.
fallback_headers = gateway_table("api/fallback.py", "HEADERS")
# The message that gives her a reply code.
code_messages = gateway_table("api/mailbox/messages.py", "CODE_MESSAGES")


def reply_code_buttons(codes: Codes) -> list[str]:
    """The contact question offers the reply code (``/reply_code``) in every language."""
    responses = _yaml(ROOT / "bot" / "domain" / "responses.yml")["responses"]
    have = []
    for variation in responses["utter_ask_contact"]:
        payloads = {button["payload"] for button in variation.get("buttons", [])}
        if {"/deny", "/reply_code"} <= payloads:
            languages = [
                c["value"] for c in variation.get("condition", []) if c["name"] == "language"
            ]
            have += [str(v) for v in languages] if languages else ["en"]
    return [
        f"bot/domain response utter_ask_contact /reply_code button: no {code}"
        for code in codes
        if code not in have
    ]


def interface_strings() -> dict[str, dict[str, dict[str, str]]]:
    """api/static/app.js's string tables (STRINGS, CARD_STRINGS...): language -> key -> text."""
    source = (ROOT / "api" / "static" / "app.js").read_text(encoding="utf-8")
    tables: dict[str, dict[str, dict[str, str]]] = {}
    for start in re.finditer(r"\n  const (\w*STRINGS) = \{", source):
        body = source[start.end() : source.index("\n  };\n", start.end())]
        table: dict[str, dict[str, str]] = {}
        for block in re.split(r"\n    (?=[a-z]+: \{)", body)[1:]:
            language = block.split(":", 1)[0]
            table[language] = dict(re.findall(r"\n      (\w+):\s*(.*)", block))
        tables[start.group(1)] = table
    return tables


def page_strings(codes: Codes) -> list[str]:
    """Every table has every string English has; the picker's label names each language."""
    tables = interface_strings()
    found = [] if "STRINGS" in tables else ["api/static/app.js: no STRINGS table"]
    for name, table in tables.items():
        found += _compare(f"api/static/app.js {name}", table, codes)
        wanted = set(table.get("en", {}))
        for language in set(codes) & set(table):
            lacking = sorted(wanted - set(table[language]))
            found += [f"api/static/app.js {name}.{language}: no {key}" for key in lacking]
    strings = tables.get("STRINGS", {})
    html = (ROOT / "api" / "static" / "index.html").read_text(encoding="utf-8")
    label = re.search(r'<option value="">(.*?)</option>', html)
    words = label.group(1).split(" · ") if label else []
    for language in set(codes) & set(strings):
        if strings[language].get("language", "").strip('",') not in words:
            found.append(f"api/static/index.html picker label: no word for {language}")
    return found


CHECKS: list[Callable[[Codes], list[str]]] = [
    training_folders,
    one_file_per_language(NLU_DATA / "tests"),
    one_file_per_language(NLU_DATA / "must_catch"),
    *(one_file_per_language(kind) for kind in sorted((NLU_DATA / "benchmarks").iterdir())),
    domain_slot_and_responses,
    directory_names,
    fallback_headers,
    code_messages,
    reply_code_buttons,
    page_strings,
]


def missing(codes: Codes) -> list[str]:
    """Every place that does not cover exactly `codes`."""
    return [problem for check in CHECKS for problem in check(codes)]


def test_every_place_covers_exactly_the_registered_languages() -> None:
    assert missing(CODES) == []


def test_a_language_registered_without_its_data_is_named_in_every_place() -> None:
    problems = missing((*CODES, "xx"))
    assert all("xx" in problem for problem in problems)
    for place in (
        "nlu_data/nlu/<code>/",
        "nlu_data/tests/<code>.yml",
        "nlu_data/must_catch/<code>.yml",
        "nlu_data/benchmarks/out_of_scope/<code>.yml",
        "bot/domain language slot",
        "bot/domain response utter_greet",
        "bot/directory.yml kinds.police",
        "bot/directory.yml police name",
        "api/fallback.py HEADERS",
        "api/mailbox/messages.py CODE_MESSAGES",
        "bot/domain response utter_ask_contact /reply_code button",
        "api/static/app.js STRINGS",
        "api/static/app.js CARD_STRINGS",
    ):
        assert any(problem.startswith(f"{place}: no xx") for problem in problems), place


def test_data_for_a_language_that_is_not_registered_is_named() -> None:
    problems = missing(CODES[:-1])
    dropped = CODES[-1]
    assert f"api/fallback.py HEADERS: {dropped} is not registered" in problems
    assert f"nlu_data/nlu/<code>/: {dropped} is not registered" in problems


def test_the_list_is_written_once() -> None:
    """No module but kakekomi_common.languages spells out a list of four or more codes."""
    # Three may be data (the languages one office speaks); four or more is the list again.
    code = "|".join(CODES)
    listed = re.compile(rf"""(["'])({code})\1(\s*,\s*(["'])({code})\4){{3,}}""")
    offenders = []
    for folder in ("api", "actions", "bot/kakekomi_bot", "kakekomi_ngo", "kakekomi_stack"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in {".py", ".js"} and listed.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    for folder in ("scripts", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if listed.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_picker_offers_each_registered_language_in_its_own_name() -> None:
    # api/routes/page.py renders the options from the shared list.
    html = (ROOT / "api" / "static" / "index.html").read_text(encoding="utf-8")
    assert "{{language_options}}" in html
    assert not re.search(r'<option value="[a-z]+"', html)
    assert all(info.native_name for info in REGISTERED)
