"""Render a sample handout and progress report for docs/samples/ (`make samples`).

    python -m tests.reports.samples docs/samples

A demo person lives four weeks of the programme in a temporary SQLite file; every page of
both PDFs becomes a PNG (pdftoppm, 80 dpi) named handout-N.png and report-N.png.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from kneecoach.content.loader import load_catalogue
from kneecoach.reports.current import current
from kneecoach.reports.pdf import handout_html, render_pdf
from kneecoach.reports.progress_report import report_html
from kneecoach.services.actor import OWNER
from kneecoach.store.db import database
from tests.reports.journey import seed

DPI = "80"


def render(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for old in [*folder.glob("handout-*.png"), *folder.glob("report-*.png")]:
        old.unlink()
    catalogue = load_catalogue()
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'demo.db'}"
        last = seed(url, minutes_per_session=60, access=["stationary-bike"])
        db = database(url)
        newest = db.revision()
        assert newest is not None
        now = current(db, catalogue, newest[0], last, actor=OWNER)
        pdfs = {
            "handout": render_pdf(handout_html(now, catalogue, printed=last)),
            "report": render_pdf(
                report_html(catalogue, now, first=now.person["start_date"], last=last, printed=last)
            ),
        }
        for name, pdf in pdfs.items():
            path = Path(scratch) / f"{name}.pdf"
            path.write_bytes(pdf)
            subprocess.run(
                ["pdftoppm", "-r", DPI, "-png", str(path), str(folder / name)], check=True
            )
    return sorted([*folder.glob("handout-*.png"), *folder.glob("report-*.png")])


if __name__ == "__main__":
    for png in render(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/samples")):
        print(png)
