"""How many contacts each topic lists, per language, and how many of them speak it.

    bot/.venv/bin/python -m scripts.contacts_per_language [--topics ask_rights ...]

Reads the real directory (bot/directory.yml) through the action's own code
(actions/cards.py), so the figures are the cards a person writing in each language gets.
Each cell is "listed/speaking": the cards after that topic, and how many of them answer in
her language. A 0 listed where a topic lists anyone is a gap (validate refuses it).
"""

from __future__ import annotations

import argparse
import datetime

from actions import cards, directory, hours
from kakekomi_common.languages import CODES

# The clock does not change which cards are listed, only their order; fixed for repeatability.
NOW = datetime.datetime(2026, 12, 9, 15, 0, tzinfo=hours.JAPAN)


def main() -> None:
    """Prints one row per topic, one column per language."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", nargs="*", help="only these topics (default: all listed)")
    args = parser.parse_args()
    entries = directory.load(directory.directory_path())
    topics = args.topics or sorted({topic for entry in entries for topic in entry["topics"]})
    width = max(len(topic) for topic in topics)
    print(" " * width, *(f"{code:>6}" for code in CODES))
    for topic in topics:
        row = []
        for language in CODES:
            found = cards.cards_for(topic, language, NOW)
            speaking = sum(1 for card in found if card["speaks_your_language"])
            row.append(f"{len(found):>3}/{speaking:<2}")
        print(f"{topic:<{width}}", *row)


if __name__ == "__main__":
    main()
