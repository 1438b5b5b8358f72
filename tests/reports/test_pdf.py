"""The handout and the report render; every page, as PNG, has something on it."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from kneecoach.domain.exercises import Catalogue
from kneecoach.reports.current import current
from kneecoach.reports.pdf import handout_html, render_pdf
from kneecoach.services.actor import OWNER
from kneecoach.store.db import database
from tests.reports.cli import kc, one_line_error
from tests.reports.journey import seed

PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"
# A page with only a footer is about 0.1 % ink at this resolution; real content is far more.
MIN_INK = 0.01


def pages(pdf: Path, folder: Path) -> list[Path]:
    """Every page of the PDF as a PNG (pdftoppm, 40 dpi: enough to see ink)."""
    if not Path(PDFTOPPM).exists():
        pytest.fail("pdftoppm not found: run `make setup` (installs poppler-utils)")
    folder.mkdir(exist_ok=True)
    subprocess.run(
        [PDFTOPPM, "-r", "40", "-gray", "-png", str(pdf), str(folder / "page")],
        check=True,
        timeout=60,
    )
    return sorted(folder.glob("page-*.png"))


def ink(png: Path) -> float:
    """The share of pixels that are not (nearly) white."""
    image = Image.open(png).convert("L")
    histogram = image.histogram()
    dark = sum(histogram[:235])
    return dark / (image.width * image.height)


def assert_pages(pdf: Path, folder: Path, low: int, high: int) -> list[Path]:
    pngs = pages(pdf, folder)
    assert low <= len(pngs) <= high, f"{len(pngs)} pages"
    for png in pngs:
        assert ink(png) > MIN_INK, f"{png.name} looks blank"
    return pngs


def test_handout_a4(demo: tuple[str, dt.date], tmp_path: Path) -> None:
    url, last = demo
    out = tmp_path / "handout.pdf"
    done = kc("handout", "--out", str(out), "--date", last.isoformat(), "--db", url, "--json")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"%PDF")
    assert_pages(out, tmp_path / "png", 1, 4)
    day = last.isoformat()
    one_line_error(
        kc("handout", "--out", str(out), "--paper", "A5", "--date", day, "--db", url), "--paper"
    )


def test_the_biggest_programme_fits_four_letter_pages(tmp_path: Path, catalogue: Catalogue) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    last = seed(
        url,
        days=1,
        pain_now=2,
        days_per_week=6,
        minutes_per_session=120,
        equipment=["strap", "step", "mat", "ankle-weights", "ball", "chair", "foam-pad"],
        access=["stationary-bike", "pool"],
    )
    db = database(url)
    newest = db.revision()
    assert newest is not None
    now = current(db, catalogue, newest[0], last, actor=OWNER)
    html = handout_html(now, catalogue, paper="letter")
    assert html.count('class="card"') >= 12
    out = tmp_path / "big.pdf"
    out.write_bytes(render_pdf(html))
    assert_pages(out, tmp_path / "png", 2, 4)


def test_report(demo: tuple[str, dt.date], tmp_path: Path) -> None:
    url, last = demo
    out = tmp_path / "report.pdf"
    done = kc(
        "report", "--out", str(out), "--to", last.isoformat(), "--db", url, "--paper", "letter"
    )
    assert done.returncode == 0, done.stderr
    assert_pages(out, tmp_path / "png", 1, 8)
    one_line_error(
        kc("report", "--out", str(out), "--from", "2026-02-01", "--to", "2026-01-10", "--db", url),
        "--from",
    )
    one_line_error(
        kc("report", "--out", str(out), "--from", "soon", "--to", last.isoformat(), "--db", url),
        "--from",
    )


def test_nothing_to_print_in_an_empty_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    out = str(tmp_path / "h.pdf")
    one_line_error(kc("handout", "--out", out, "--date", "2026-01-05", "--db", url), "programme")
