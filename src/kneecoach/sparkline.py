"""A tiny pain trend for the dashboard's rows: each day's pain of the last 28, as an
inline SVG line (no script, no style attribute: the page's CSP forbids both; CSS classes
give it colour). The shared pain chart (`charts.py`) is for one patient's page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from kneecoach.charts import number

WIDTH, HEIGHT, PAD = 112, 32, 3
DAYS = 28


def sparkline(points: Sequence[tuple[dt.date, float]], today: dt.date) -> str:
    """SVG for (day, pain 0-10) points of the 28 days ending `today`, with its words as
    the image's accessible name; "" when there is no point."""
    if not points:
        return ""
    first = today - dt.timedelta(days=DAYS - 1)

    def x(day: dt.date) -> float:
        return PAD + (day - first).days * (WIDTH - 2 * PAD) / (DAYS - 1)

    def y(pain: float) -> float:
        return PAD + (10 - pain) * (HEIGHT - 2 * PAD) / 10

    line = " ".join(f"{x(d):.1f},{y(p):.1f}" for d, p in points)
    last_day, last = points[-1]
    words = (
        f"Pain over the last 28 days: {len(points)} "
        f"{'day' if len(points) == 1 else 'days'} with a score, first "
        f"{number(points[0][1])}, latest {number(last)} on {last_day.day} {last_day:%b}."
    )
    return (
        f'<svg class="spark" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(words)}" focusable="false">'
        f'<line class="spark-mid" x1="{PAD}" y1="{y(5):.1f}" x2="{WIDTH - PAD}" y2="{y(5):.1f}"/>'
        f'<polyline class="spark-line" points="{line}"/>'
        f'<circle class="spark-last" cx="{x(last_day):.1f}" cy="{y(last):.1f}" r="2.5"/>'
        "</svg>"
    )
