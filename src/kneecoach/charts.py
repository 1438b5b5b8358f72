"""The pain chart, laid out once and drawn for the web page and for print.

`pain_chart` gathers what the chart shows: the scores of the period, their 7-day means and
the real-improvement band (both from `domain.trends`). `draw` places it on a frame (scales,
grid, date labels, the baseline, the band, one marker per score) and writes SVG. A `Theme`
says only how each part looks: the web's is CSS classes (its CSP forbids style attributes),
print's is strokes, dashes and marker shapes that survive black-and-white paper.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Literal

from kneecoach.domain.trends import Score, daily_means, important_change

WEEK = dt.timedelta(days=7)


def number(value: float) -> str:
    """One decimal at most, as the charts and their words print a number: 1.5, 2, 2.3."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class PainChart:
    """What the pain chart shows for `start`..`end` (the scores before `start` count only
    towards the 7-day means)."""

    start: dt.date
    end: dt.date
    baseline: int
    need: float  # the fall that counts as real change (ES-1)
    scores: tuple[Score, ...]
    means: tuple[tuple[dt.date, float], ...]

    @property
    def latest_mean(self) -> float | None:
        return self.means[-1][1] if self.means else None

    @property
    def improved(self) -> bool:
        """The latest 7-day mean is at least `need` below the baseline."""
        latest = self.latest_mean
        return latest is not None and latest <= self.baseline - self.need

    @property
    def summary(self) -> str:
        words = f"Pain at the start: {self.baseline}/10."
        if self.latest_mean is not None:
            words += f" Latest 7-day average: {number(self.latest_mean)}/10."
            if self.improved:
                words += " That is a real improvement."
        return words


def pain_chart(scores: Iterable[Score], baseline: int, start: dt.date, end: dt.date) -> PainChart:
    """The chart of `start`..`end`: the scores in it and the 7-day mean of each scored day."""
    every = sorted(scores, key=lambda s: s.date)
    shown = tuple(s for s in every if start <= s.date <= end)
    means = daily_means([(s.date, s.pain) for s in every], {s.date for s in shown})
    return PainChart(start, end, baseline, important_change(baseline), shown, tuple(means))


@dataclass(frozen=True)
class Marker:
    shape: Literal["circle", "square"]
    size: float  # the radius, or half the side
    look: str


@dataclass(frozen=True)
class Theme:
    """How one output draws the chart, in SVG user units."""

    width: int
    height: int
    margins: tuple[int, int, int, int]  # left, right, top, bottom
    font_size: float  # of the axis labels, to centre them on their line
    label_gap: float  # the least room between two date labels
    # The attributes of each part: band, grid, tick (the axis labels), axis, tickmark,
    # baseline, mean. A part with no entry is not drawn.
    look: Mapping[str, str]
    markers: Mapping[str, Marker]  # "morning" (a waking score), "other" (any other check-in)
    root: str = ""  # more attributes of the <svg> element
    defs: str = ""  # patterns the looks refer to


def _marker(marker: Marker, cx: float, cy: float, title: str = "") -> str:
    if marker.shape == "circle":
        tag, where = "circle", f'cx="{cx:.1f}" cy="{cy:.1f}" r="{marker.size}"'
    else:
        half, side = marker.size, 2 * marker.size
        tag = "rect"
        where = f'x="{cx - half:.1f}" y="{cy - half:.1f}" width="{side:.1f}" height="{side:.1f}"'
    if not title:
        return f"<{tag} {where} {marker.look}/>"
    return f"<{tag} {where} {marker.look}><title>{escape(title)}</title></{tag}>"


def _line(look: str, x1: float, x2: float, y1: float, y2: float) -> str:
    return f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y1:.1f}" y2="{y2:.1f}" {look}/>'


def _date_step(span: int, plot_width: float, label_gap: float) -> dt.timedelta:
    """Whole weeks between date labels: as few as leave `label_gap` between two labels."""
    return WEEK * max(1, math.ceil(label_gap * span / (WEEK.days * plot_width)))


def draw(chart: PainChart, theme: Theme) -> str:
    """The chart as one <svg> element, titled and described for screen readers."""
    left, right, top, bottom = theme.margins
    start = chart.start
    end = max(chart.end, start + dt.timedelta(days=6))
    span = max((end - start).days, 1)
    plot_w, plot_h = theme.width - left - right, theme.height - top - bottom
    x_end, y_floor = theme.width - right, top + plot_h
    look = theme.look

    def x(day: dt.date) -> float:
        return left + plot_w * (day - start).days / span

    def y(pain: float) -> float:
        return top + plot_h * (1 - pain / 10)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {theme.width} {theme.height}" '
        f'{theme.root} role="img" aria-labelledby="pain-title pain-desc">',
        '<title id="pain-title">Pain score 0-10, day by day</title>',
        f'<desc id="pain-desc">{escape(chart.summary)}</desc>',
    ]
    if theme.defs:
        parts.append(f"<defs>{theme.defs}</defs>")
    # The band: from the baseline down to where a real improvement begins.
    parts.append(
        f'<rect x="{left}" y="{y(chart.baseline):.1f}" width="{plot_w}" '
        f'height="{y(chart.baseline - chart.need) - y(chart.baseline):.1f}" {look["band"]}/>'
    )
    nudge = 0.35 * theme.font_size
    for pain in range(0, 11, 2):
        parts.append(_line(look["grid"], left, x_end, y(pain), y(pain)))
        parts.append(
            f'<text x="{left - 8}" y="{y(pain) + nudge:.1f}" text-anchor="end" '
            f"{look['tick']}>{pain}</text>"
        )
    step = _date_step(span, plot_w, theme.label_gap)
    day = start
    while day <= end:
        if "tickmark" in look:
            parts.append(_line(look["tickmark"], x(day), x(day), y_floor, y_floor + 4))
        parts.append(
            f'<text x="{x(day):.1f}" y="{theme.height - theme.font_size:.1f}" '
            f'text-anchor="middle" {look["tick"]}>{day.day} {day.strftime("%b")}</text>'
        )
        day += step
    if "axis" in look:
        parts.append(_line(look["axis"], left, x_end, y_floor, y_floor))
    parts.append(_line(look["baseline"], left, x_end, y(chart.baseline), y(chart.baseline)))
    if len(chart.means) > 1:
        points = " ".join(f"{x(d):.1f},{y(m):.1f}" for d, m in chart.means)
        parts.append(f'<polyline points="{points}" {look["mean"]}/>')
    for score in chart.scores:
        title = f"{score.date.isoformat()}: pain {score.pain}/10"
        marker = theme.markers["morning" if score.morning else "other"]
        parts.append(_marker(marker, x(score.date), y(score.pain), title))
    parts.append("</svg>")
    return "".join(parts)


def swatch(theme: Theme, part: str) -> str:
    """A 30x12 SVG of one series for a legend, drawn with the chart's own look: a marker
    ("morning", "other"), the "mean", the "baseline" or the "band"."""
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="30" height="12" viewBox="0 0 30 12">']
    if theme.defs:
        parts.append(f"<defs>{theme.defs}</defs>")
    if part in theme.markers:
        parts.append(_marker(theme.markers[part], 15, 6))
    elif part == "band":
        parts.append(f'<rect width="30" height="12" {theme.look["band"]}/>')
    else:
        parts.append(_line(theme.look[part], 0, 30, 6, 6))
    parts.append("</svg>")
    return "".join(parts)
