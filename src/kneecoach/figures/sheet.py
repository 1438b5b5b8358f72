"""The contact sheet: every exercise's key poses on one labelled page, as SVG or PNG.

Run `python -m kneecoach.figures.sheet docs/figures/contact-sheet.png` (or
`make figures`). PNG output needs cairosvg, a development dependency.
"""

from __future__ import annotations

import sys
from html import escape
from pathlib import Path

from kneecoach.content.loader import load_catalogue
from kneecoach.figures.keyframes import load_figure
from kneecoach.figures.render import strip_markup

GAP = 18.0
HEADING = 24.0


def sheet_svg(highlight: bool = False) -> str:
    """One SVG page: a heading and the strip of key poses for every prescribable exercise."""
    rows: list[str] = []
    y, width = GAP, 0.0
    exercises = [ex for ex in load_catalogue() if ex.category != "avoid"]
    for exercise in exercises:
        markup, w, h = strip_markup(exercise, load_figure(exercise.id), highlight)
        rows.append(
            f'<text x="{GAP:.0f}" y="{y + 16:.0f}" font-family="sans-serif" font-size="15" '
            f'font-weight="bold" fill="#222">{escape(exercise.name)} '
            f'<tspan font-weight="normal" fill="#777">({escape(exercise.id)})</tspan></text>'
            f'<g transform="translate({GAP:.0f},{y + HEADING:.0f})">{markup}</g>'
        )
        y += HEADING + h + GAP
        width = max(width, w + 2 * GAP)
    title = "kneecoach exercise figures: key positions of every exercise"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {y:.0f}" '
        f'width="{width:.0f}" height="{y:.0f}" role="img" aria-labelledby="sheet-title">'
        f'<title id="sheet-title">{title}</title>'
        f'<rect width="{width:.0f}" height="{y:.0f}" fill="#ffffff"/>{"".join(rows)}</svg>'
    )


def write_sheet(path: Path) -> None:
    """Write the contact sheet to `path`: PNG if it ends in .png, else SVG."""
    svg = sheet_svg()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() != ".png":
        path.write_text(svg, encoding="utf-8")
        return
    import cairosvg  # type: ignore[import-untyped]  # dev-only: turns the SVG into a PNG

    cairosvg.svg2png(bytestring=svg.encode("utf-8"), write_to=str(path))


if __name__ == "__main__":
    write_sheet(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/figures/contact-sheet.png"))
