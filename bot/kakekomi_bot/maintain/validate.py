"""Checks the training data, answers and directory before a model is trained from them."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import yaml

from kakekomi_bot.maintain import paths

# Rasa's warnings (`path:line: UserWarning: message`) and its log lines at WARNING or ERROR.
RASA_WARNING = re.compile(r"UserWarning: (.+)$|\s(?:WARNING|ERROR)\s+\S+\s+-\s+(.+)$")
UNUSED_RESPONSE = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
# `dispatcher.utter_message(response="utter_x")` in actions/: answers that code sends.
ACTION_RESPONSE = re.compile(r"""response\s*=\s*["'](utter_\w+)["']""")


def load_domain(domain: Path = paths.DOMAIN) -> dict[str, Any]:
    """The domain's files merged: intents, slots and responses."""
    files = sorted(domain.glob("*.yml")) if domain.is_dir() else [domain]
    merged: dict[str, Any] = {"intents": [], "slots": {}, "responses": {}}
    for file in files:
        part = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        merged["intents"] += [
            i if isinstance(i, str) else next(iter(i)) for i in part.get("intents") or []
        ]
        merged["slots"].update(part.get("slots") or {})
        merged["responses"].update(part.get("responses") or {})
    return merged


def languages(domain: dict[str, Any]) -> tuple[list[str], str]:
    """The bot's languages (the `language` slot's values) and the default one."""
    slot = domain["slots"].get("language") or {}
    return list(slot.get("values") or []), slot.get("initial_value") or "en"


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(intent, text) pairs of a Rasa NLU file or the .yml files under a folder (none if absent)."""
    files = sorted(path.rglob("*.yml")) if path.is_dir() else [path] if path.exists() else []
    pairs = []
    for file in files:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue  # lookup tables, synonyms, regexes
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    pairs.append((block["intent"], line[2:].strip()))
    return pairs


def normalise(text: str) -> str:
    """Text as a duplicate check sees it: width, case, punctuation and spacing ignored."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text)
    return " ".join(text.split())


def intents_in_every_language(domain: dict[str, Any], nlu_dir: Path) -> list[str]:
    """Every intent of the domain has examples in every language's folder."""
    found = []
    for language in languages(domain)[0]:
        present = {intent for intent, _ in read_examples(nlu_dir / language)}
        missing = [intent for intent in domain["intents"] if intent not in present]
        if missing:
            found.append(f"{nlu_dir.name}/{language}: no examples for {', '.join(missing)}")
    return found


def responses_in_every_language(domain: dict[str, Any]) -> list[str]:
    """Every response has a variation per language (the default may be unconditional)."""
    wanted, default = languages(domain)
    found = []
    for name, variations in domain["responses"].items():
        have = set()
        for variation in variations:
            conditions = variation.get("condition") or []
            have |= {c.get("value") for c in conditions if c.get("name") == "language"}
            if not conditions:
                have.add(default)
        missing = [language for language in wanted if language not in have]
        if missing:
            found.append(f"response {name}: no variation for {', '.join(missing)}")
    return found


def directory_entries(path: Path) -> list[str]:
    """Each entry has a source, a date, names, sound hours, an audience; each language a contact."""
    from actions import directory

    return directory.file_problems(path)


def duplicate_examples(nlu_dir: Path) -> list[str]:
    """No example under two intents, nor twice in one language (after normalising)."""
    seen: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for folder in sorted(p for p in nlu_dir.iterdir() if p.is_dir()):
        for intent, text in read_examples(folder):
            seen[normalise(text)].append((folder.name, intent, text))
    found = []
    for occurrences in seen.values():
        intents = sorted({intent for _, intent, _ in occurrences})
        text = occurrences[0][2]
        if len(intents) > 1:
            where = sorted({f"{intent} ({language})" for language, intent, _ in occurrences})
            found.append(f"conflict: {text!r} is an example of {' and '.join(where)}")
            continue
        counts = Counter(language for language, _, _ in occurrences)
        found += [
            f"duplicate: {text!r} appears {n} times in {intents[0]} ({language})"
            for language, n in sorted(counts.items())
            if n > 1
        ]
    return found


def benchmark_lines(path: Path) -> list[str]:
    """Every line of a benchmark file: requests of each domain, near misses, negatives."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    lines = [line for domain in (data.get("out_of_scope") or {}).values() for line in domain]
    return [
        str(line) for line in lines + (data.get("near_misses") or []) + (data.get("examples") or [])
    ]


def held_out_not_trained(nlu_dir: Path, held_out: list[Path]) -> list[str]:
    """Test examples (held-out, must-catch, benchmarks) never appear in the training data."""
    trained = {normalise(text) for _, text in read_examples(nlu_dir)}
    found = []
    for path in held_out:
        for file in sorted(path.rglob("*.yml")) if path.is_dir() else [path]:
            where = file.relative_to(path.parent)
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
            texts = [t for _, t in read_examples(file)] if "nlu" in data else benchmark_lines(file)
            found += [
                f"{where}: {text!r} is also in the training data"
                for text in texts
                if normalise(text) in trained
            ]
    return found


def responses_sent_by_actions(actions_dir: Path) -> set[str]:
    """The responses our custom actions send themselves (so no rule mentions them)."""
    return {
        name
        for file in sorted(actions_dir.glob("*.py"))
        for name in ACTION_RESPONSE.findall(file.read_text(encoding="utf-8"))
    }


def action_responses_exist(domain: dict[str, Any], actions_dir: Path) -> list[str]:
    """Every response an action sends is defined in the domain."""
    sent = responses_sent_by_actions(actions_dir)
    return [
        f"actions send {name} but the domain has no such response"
        for name in sorted(sent - set(domain["responses"]))
    ]


def rasa_problems(output: str, returncode: int, sent_by_actions: set[str]) -> list[str]:
    """Rasa's warnings as problems, except 'unused' responses that our actions send."""
    found, accepted = [], 0
    for line in re.sub(r"\x1b\[[0-9;]*m", "", output).splitlines():
        match = RASA_WARNING.search(line)
        if not match:
            continue
        message = (match.group(1) or match.group(2)).strip()
        unused = UNUSED_RESPONSE.search(message)
        if unused and unused.group(1) in sent_by_actions:
            accepted += 1
        else:
            found.append(f"rasa: {message}")
    if returncode and not found and not accepted:
        tail = " | ".join(output.strip().splitlines()[-3:])
        found.append(f"rasa data validate failed ({returncode}): {tail}")
    return found


def run_rasa_validate(config: Path = paths.CONFIG) -> list[str]:
    """`rasa data validate --fail-on-warnings` on the domain, training data and rules."""
    from kakekomi_bot.maintain.rasa_env import rasa_env

    command = [
        str(Path(sys.executable).with_name("rasa")),
        *("data", "validate", "--fail-on-warnings"),
        *("--domain", str(paths.DOMAIN), "--config", str(config)),
        *("--data", *map(str, paths.TRAINING_DATA)),
    ]
    done = subprocess.run(  # noqa: S603 - fixed argv
        command, capture_output=True, text=True, env=rasa_env(), cwd=paths.ROOT, check=False
    )
    sent = responses_sent_by_actions(paths.ROOT / "actions")
    return rasa_problems(done.stdout + done.stderr, done.returncode, sent)


def own_checks() -> list[str]:
    """Our checks on the real data (fast: no Rasa)."""
    domain = load_domain()
    nlu = paths.NLU_DATA / "nlu"
    return [
        *intents_in_every_language(domain, nlu),
        *responses_in_every_language(domain),
        *directory_entries(paths.BOT / "directory.yml"),
        *duplicate_examples(nlu),
        *held_out_not_trained(nlu, [paths.HELD_OUT, paths.MUST_CATCH, paths.BENCHMARKS]),
        *action_responses_exist(domain, paths.ROOT / "actions"),
    ]
