"""The pain chart in print's look: kneecoach.charts, the renderer the web page shares.

Black-and-white safe: every series differs by line style or marker shape, never by colour
alone, and the legend says which is which. WeasyPrint draws it from explicit attributes.
"""

from __future__ import annotations

from kneecoach.charts import Marker, PainChart, Theme, draw, number, swatch

FONT_SIZE = 11
LABEL = (
    f'font-size="{FONT_SIZE}" font-family="Liberation Sans, DejaVu Sans, sans-serif" fill="#222"'
)
HATCH = (
    '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#9a9a9a" stroke-width="1.6"/></pattern>'
)

PRINT = Theme(
    width=680,
    height=250,
    margins=(40, 14, 12, 34),
    font_size=FONT_SIZE,
    label_gap=78,
    look={
        "band": 'fill="url(#hatch)" stroke="#9a9a9a" stroke-width="0.5"',
        "grid": 'stroke="#d0d0d0" stroke-width="0.8"',
        "tick": LABEL,
        "axis": 'stroke="#444"',
        "tickmark": 'stroke="#444"',
        "baseline": 'stroke="#000" stroke-width="1.6" stroke-dasharray="7 4"',
        "mean": 'fill="none" stroke="#000" stroke-width="2.4" stroke-linejoin="round"',
    },
    markers={
        "morning": Marker("circle", 3.6, 'fill="#000"'),
        "other": Marker("square", 3.4, 'fill="#ffffff" stroke="#000" stroke-width="1.3"'),
    },
    root='width="680" height="250"',
    defs=HATCH,
)


def pain_svg(chart: PainChart) -> str:
    """Daily scores (filled circle: morning; open square: other), the 7-day mean (solid line),
    the baseline (dashed) and the important-change band (hatched) below the baseline."""
    return draw(chart, PRINT)


def legend_items(chart: PainChart) -> list[tuple[str, str]]:
    """(small SVG swatch, words) for each series of the pain chart."""
    return [
        (swatch(PRINT, "morning"), "morning score"),
        (swatch(PRINT, "other"), "other check-in"),
        (swatch(PRINT, "mean"), "7-day average"),
        (swatch(PRINT, "baseline"), f"pain at the start ({chart.baseline}/10)"),
        (
            swatch(PRINT, "band"),
            f"change too small to matter (less than {number(chart.need)} points below the start)",
        ),
    ]
