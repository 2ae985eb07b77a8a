"""How often the gateway's language guess names the right language, per language.

    python scripts/detection_accuracy.py [--root DIR] [--languages vi zh ...] [--over training]

Runs the guess (api.language) on every held-out message nlu_data/tests/<code>.yml of three
words or more, among the registered languages, and prints per language: "named", the share
it names right as a first message (no conversation yet; no guess counts as wrong), and
"kept", the share whose conversation, already in that language, stays in it (no guess keeps
it; naming another language is the error). Exits 1 if either is below the target.

`--over training` measures the same on the training files (nlu_data/nlu/<code>/*.yml) and
`--over benchmarks` on the benchmarks and must-catch lines (nlu_data/benchmarks/*/<code>.yml,
nlu_data/must_catch/<code>.yml), the data marker words are checked against: a marker that
names a line of another language lowers that language's "kept". These print only; the
target is for the held-out files.

A "word": in a script written with spaces (Latin, Devanagari) each space-separated run that
has a letter. Scripts written without spaces count by letters, per the mean word length
measured on our held-out files with the tokenizer's segmenters: 2 Han or kana characters
(Japanese 1.9 with Sudachi, Chinese jieba words are shorter), 4 Thai characters (3.9 with
pythainlp); Burmese 2 syllables (an estimate: most Burmese words have one to three).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from api.language import guess
from kakekomi_common.burmese import SYLLABLE_START
from kakekomi_common.languages import CODES

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.98
# Languages whose "named" share is below the target, held just under where it was measured
# so it cannot get worse unnoticed ("kept" is above the target). None since 2026-12-06:
# Nepali reached 182/185 when the training data got the h-less spellings people type
# ("chaiyo", "chaincha" for "chahiyo", "chahincha") and they became markers; its misses are
# English words with at most an address word or a particle ("thank you so much didi",
# "are you bot ho?": "ho" is Vietnamese too), which no word list can place without making
# English worse. Tagalog met the target (174/177) once the held-out lines that were also
# training lines were replaced ("r u real" among them).
KNOWN_GAPS: dict[str, float] = {}
MIN_WORDS = 3
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9d]")
_THAI = re.compile("[\u0e00-\u0e7f]")
_MYANMAR = re.compile("[\u1000-\u109f\uaa60-\uaa7f\ua9e0-\ua9ff]")
# An entity annotation in Rasa's YAML: [text](entity) or [text]{...}.
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


def words(text: str) -> float:
    """How many words the text has, by the definition in this module's docstring."""
    total = 0.0
    for chunk in text.split():
        cjk, thai = len(_CJK.findall(chunk)), len(_THAI.findall(chunk))
        syllables = len(SYLLABLE_START.findall(chunk)) if _MYANMAR.search(chunk) else 0
        if cjk or thai or syllables:
            total += cjk / 2 + thai / 4 + syllables / 2
        elif any(char.isalpha() for char in chunk):
            total += 1
    return total


def held_out(path: Path) -> list[str]:
    """The example texts of one Rasa NLU file (held-out, training or must-catch)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    texts = []
    for item in data.get("nlu", []):
        for line in str(item.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                texts.append(_ANNOTATION.sub(r"\1", line[2:]).strip())
    return texts


def _strings(node: object) -> list[str]:
    """Every string in the lists of a benchmark file (its examples, by topic or not)."""
    if isinstance(node, list):
        return [text for item in node for text in _strings(item)]
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    return [node] if isinstance(node, str) else []


def benchmark(path: Path) -> list[str]:
    """The example texts of one benchmark file (examples, out_of_scope, near_misses)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return _strings({key: value for key, value in data.items() if key != "language"})


def messages(root: Path, code: str, over: str = "held-out") -> list[str]:
    """The messages of one language in the data set ``over`` names."""
    data = root / "nlu_data"
    if over == "training":
        return [
            text for path in sorted((data / "nlu" / code).glob("*.yml")) for text in held_out(path)
        ]
    if over == "benchmarks":
        paths = sorted(data.glob(f"benchmarks/*/{code}.yml"))
        return [text for path in paths for text in benchmark(path)] + held_out(
            data / "must_catch" / f"{code}.yml"
        )
    return held_out(data / "tests" / f"{code}.yml")


def accuracy(
    root: Path, languages: tuple[str, ...], over: str = "held-out"
) -> dict[str, tuple[int, int, int, list[str]]]:
    """Per language: (messages, named right, kept, the misses as 'text -> guess')."""
    results = {}
    for code in languages:
        total, named, kept, wrong = 0, 0, 0, []
        for text in messages(root, code, over):
            if words(text) < MIN_WORDS:
                continue
            total += 1
            first = guess(text, None, languages)
            named += first == code
            kept += guess(text, code, languages) in (code, None)
            if first != code:
                wrong.append(f"{text} -> {first}")
        results[code] = (total, named, kept, wrong)
    return results


def failures(results: dict[str, tuple[int, int, int, list[str]]]) -> list[str]:
    """The languages below the target (or below their known gap), as sentences."""
    failed = []
    for code, (total, named, kept, _) in results.items():
        floor = KNOWN_GAPS.get(code, TARGET)
        if not total or named / total < floor:
            failed.append(f"{code}: named {named}/{total}, below {floor}")
        if not total or kept / total < TARGET:
            failed.append(f"{code}: kept {kept}/{total}, below {TARGET}")
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="a checkout with nlu_data/")
    parser.add_argument("--languages", nargs="+", default=list(CODES))
    parser.add_argument("--show-wrong", type=int, default=5, help="misses shown per language")
    parser.add_argument(
        "--over",
        choices=("held-out", "training", "benchmarks"),
        default="held-out",
        help="the messages to guess (the target is for held-out only)",
    )
    args = parser.parse_args()
    results = accuracy(args.root, tuple(args.languages), args.over)
    if args.over != "held-out":
        print(f"Language detection on {args.over} messages of {MIN_WORDS}+ words:")
        print("| language | messages | named right | kept in conversation |")
        print("| --- | ---: | ---: | ---: |")
        for code, (total, named, kept, _) in results.items():
            print(f"| {code} | {total} | {named / total:.3f} | {kept / total:.3f} |")
        for code, (_, _, _, wrong) in results.items():
            for line in wrong[: args.show_wrong]:
                print(f"  missed ({code}): {line}")
        return 0
    print(f"Language detection on held-out messages of {MIN_WORDS}+ words (target {TARGET}):")
    print("| language | messages | named right | kept in conversation |")
    print("| --- | ---: | ---: | ---: |")
    for code, (total, named, kept, _) in results.items():
        gap = f" (known gap, floor {KNOWN_GAPS[code]})" if code in KNOWN_GAPS else ""
        print(f"| {code} | {total} | {named / total:.3f}{gap} | {kept / total:.3f} |")
    for code, (_, _, _, wrong) in results.items():
        for line in wrong[: args.show_wrong]:
            print(f"  missed ({code}): {line}")
    failed = failures(results)
    for line in failed:
        print(f"BELOW TARGET: {line}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
