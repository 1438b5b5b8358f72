"""Own words, checked: no text in the project shares 8 or more consecutive words with the article.

The project must not carry the article, so the check uses its fingerprint: the hashed
8-word runs in `tests/data/article-fingerprint.txt`. The rule for words and the script
that makes the fingerprint are in `tests/fingerprint.py`; to make it again:

    .venv/bin/python -m tests.fingerprint ../shared/source/inner-knee-pain-article.txt \
        > tests/data/article-fingerprint.txt
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.fingerprint import fingerprint, parse, render, run_hash, shingles, words

ROOT = Path(__file__).resolve().parents[1]
FINGERPRINT = Path(__file__).parent / "data" / "article-fingerprint.txt"
# A made-up text standing in for the article in the self-tests (the article is not here).
SAMPLE = (
    "The quiet heron waited by the cold river until the first light of morning touched "
    "the reeds, then lifted its grey wings and was gone over the hill."
)


def article_runs() -> set[str]:
    return parse(FINGERPRINT.read_text(encoding="utf-8"))


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


def test_the_fingerprint_is_the_whole_article() -> None:
    runs = article_runs()
    # The article has about 2,300 words, so about as many 8-word runs.
    assert len(runs) > 2000
    assert all(len(h) == 16 and int(h, 16) >= 0 for h in runs)


def test_the_check_catches_a_copied_run() -> None:
    print_ = parse(render(fingerprint(SAMPLE)))
    # Nine words of the sample, with case and punctuation changed, still match.
    copied = "-- ".join(words(SAMPLE)[5:14]).upper()
    assert fingerprint(copied) & print_
    # Seven words in a row are allowed.
    assert not fingerprint(" ".join(words(SAMPLE)[5:12])) & print_


def test_the_hash_is_of_the_normalised_words() -> None:
    assert run_hash(["a", "b"]) == run_hash(words("A, B"))


def test_no_project_text_repeats_eight_words_of_the_article() -> None:
    article = article_runs()
    files = project_text_files()
    assert len(files) > 10, "expected the project's files to be found through git"
    offenders = []
    for file in files:
        if file == FINGERPRINT:
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        copied = sorted(run for run in shingles(text) if run_hash(run) in article)
        if copied:
            offenders.append(f"{file.relative_to(ROOT)}: '{' '.join(copied[0])}'")
    assert not offenders, "text copied from the article:\n" + "\n".join(offenders)


@pytest.mark.parametrize("text", ["hold for thirty seconds", ""])
def test_short_texts_have_no_runs(text: str) -> None:
    assert shingles(text) == set()
