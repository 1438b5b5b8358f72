"""Own words, checked: no text in the project shares 8 or more consecutive words with the article.

A word is a run of letters, digits or apostrophes (’ counts as '), compared
case-insensitively; every other character, hyphens included, separates words.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = 8
WORD = re.compile(r"(?:[^\W_]|')+")


def words(text: str) -> list[str]:
    return WORD.findall(text.replace("\u2019", "'").lower())


def shingles(text: str, size: int = RUN) -> set[tuple[str, ...]]:
    ws = words(text)
    return {tuple(ws[i : i + size]) for i in range(len(ws) - size + 1)}


def article_path() -> Path:
    override = os.environ.get("KNEECOACH_ARTICLE")
    if override:
        return Path(override)
    return ROOT.parent / "shared" / "source" / "inner-knee-pain-article.txt"


def project_text_files() -> list[Path]:
    """Every file git knows about or would add (tracked and untracked, not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    files = []
    for name in filter(None, listed):
        path = ROOT / name.decode()
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue  # binary (PNG, PDF): not text
        files.append(path)
    return files


def test_word_splitting_follows_the_rule() -> None:
    assert words("Runner’s knee-pain, 2-3 sets") == ["runner's", "knee", "pain", "2", "3", "sets"]


def test_the_check_catches_a_copied_sentence() -> None:
    text = article_path().read_text(encoding="utf-8")
    # Ten words lifted from the middle of the article, with the case and punctuation changed.
    copied = "-- ".join(words(text)[500:510]).upper()
    assert shingles(copied) & shingles(text)
    assert not shingles(" ".join(words(text)[500:507])) & shingles(text)


def test_no_project_text_repeats_eight_words_of_the_article() -> None:
    path = article_path()
    assert path.is_file(), f"the article is missing at {path}; set KNEECOACH_ARTICLE"
    article = shingles(path.read_text(encoding="utf-8"))
    files = project_text_files()
    assert len(files) > 10, "expected the project's files to be found through git"
    offenders = []
    for file in files:
        text = file.read_text(encoding="utf-8", errors="replace")
        shared = shingles(text) & article
        if shared:
            sample = " ".join(sorted(shared)[0])
            offenders.append(f"{file.relative_to(ROOT)}: '{sample}'")
    assert not offenders, "text copied from the article:\n" + "\n".join(offenders)


@pytest.mark.parametrize("text", ["hold for thirty seconds", ""])
def test_short_texts_have_no_runs(text: str) -> None:
    assert shingles(text) == set()
