"""The own-words rule and the article's fingerprint: hashed 8-word runs, never the words.

A word is a run of letters, digits or apostrophes (’ counts as '), compared
case-insensitively; every other character, hyphens included, separates words.
The project must not carry the article, so the check compares hashes of runs
against `tests/data/article-fingerprint.txt`, made by:

    .venv/bin/python -m tests.fingerprint ../shared/source/inner-knee-pain-article.txt \
        > tests/data/article-fingerprint.txt
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path

RUN = 8
WORD = re.compile(r"(?:[^\W_]|')+")
# 64 bits of SHA-256 per run: with a few thousand runs, a chance collision is negligible.
HEX_DIGITS = 16
HEADER = (
    "# kneecoach own-words fingerprint: sha256 of each 8-word run of the source article,\n"
    "# words lower-cased and joined by one space, first 16 hex digits; one per line, sorted.\n"
    "# Made by: python -m tests.fingerprint ARTICLE > tests/data/article-fingerprint.txt\n"
)


def words(text: str) -> list[str]:
    return WORD.findall(text.replace("\u2019", "'").lower())


def shingles(text: str, size: int = RUN) -> set[tuple[str, ...]]:
    ws = words(text)
    return {tuple(ws[i : i + size]) for i in range(len(ws) - size + 1)}


def run_hash(run: Iterable[str]) -> str:
    return hashlib.sha256(" ".join(run).encode("utf-8")).hexdigest()[:HEX_DIGITS]


def fingerprint(text: str) -> set[str]:
    """The hashes of every 8-word run of `text`."""
    return {run_hash(run) for run in shingles(text)}


def render(hashes: set[str]) -> str:
    return HEADER + "".join(f"{h}\n" for h in sorted(hashes))


def parse(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.fingerprint ARTICLE > tests/data/article-fingerprint.txt")
        return 2
    sys.stdout.write(render(fingerprint(Path(argv[0]).read_text(encoding="utf-8"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
