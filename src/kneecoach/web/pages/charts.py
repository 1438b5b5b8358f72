"""Progress charts drawn on the server as SVG: no JavaScript, readable at a glance.

Colours and line styles live in app.css (classes), never in style attributes (CSP).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

from kneecoach.domain.trends import daily_means, important_change

WIDTH = 640
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 44
# The "real improvement" band and the 7-day means come from the engine's own rules.
real_improvement = important_change
rolling_means = daily_means


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def pain_chart(
    scores: Sequence[tuple[dt.date, int]], baseline: int, start: dt.date, end: dt.date
) -> Markup:
    """Daily pain scores, the 7-day mean, the baseline and the real-improvement band."""
    end = max(end, start + dt.timedelta(days=6))
    span = max((end - start).days, 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x(day: dt.date) -> float:
        return LEFT + plot_w * (day - start).days / span

    def y(pain: float) -> float:
        return TOP + plot_h * (1 - pain / 10)

    need = real_improvement(baseline)
    means = rolling_means(scores)
    latest = means[-1][1] if means else None
    summary = f"Pain at the start: {baseline}/10."
    if latest is not None:
        summary += f" Latest 7-day average: {_fmt(latest)}/10."
        if latest <= baseline - need:
            summary += " That is a real improvement."
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-labelledby="pain-title pain-desc" xmlns="http://www.w3.org/2000/svg">',
        '<title id="pain-title">Pain score 0-10, day by day</title>',
        f'<desc id="pain-desc">{escape(summary)}</desc>',
    ]
    # The band: from the baseline down to where a real improvement begins.
    parts.append(
        f'<rect class="band" x="{LEFT}" y="{y(baseline):.1f}" width="{plot_w}" '
        f'height="{y(baseline - need) - y(baseline):.1f}"/>'
    )
    for pain in range(0, 11, 2):
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(pain):.1f}" y2="{y(pain):.1f}"/>'
            f'<text class="tick" x="{LEFT - 8}" y="{y(pain) + 5:.1f}" '
            f'text-anchor="end">{pain}</text>'
        )
    step = 7 if span <= 42 else 14
    day = start
    while day <= end:
        parts.append(
            f'<text class="tick" x="{x(day):.1f}" y="{HEIGHT - 12}" text-anchor="middle">'
            f"{day.day} {day.strftime('%b')}</text>"
        )
        day += dt.timedelta(days=step)
    parts.append(
        f'<line class="baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
        f'y1="{y(baseline):.1f}" y2="{y(baseline):.1f}"/>'
    )
    if len(means) > 1:
        points = " ".join(f"{x(d):.1f},{y(m):.1f}" for d, m in means)
        parts.append(f'<polyline class="mean" points="{points}"/>')
    for day, pain in scores:
        parts.append(
            f'<circle class="score" cx="{x(day):.1f}" cy="{y(pain):.1f}" r="5">'
            f"<title>{day.isoformat()}: pain {pain}/10</title></circle>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def adherence_calendar(
    start: dt.date, end: dt.date, training_weekdays: Iterable[int], done: Iterable[dt.date]
) -> Markup:
    """One square per day since the start, week rows Monday to Sunday."""
    planned = set(training_weekdays)
    done_days = set(done)
    first = start - dt.timedelta(days=start.weekday())
    weeks = (end - first).days // 7 + 1
    cell, gap, top = 40, 6, 26
    width = 7 * (cell + gap)
    height = top + weeks * (cell + gap)
    parts = [
        f'<svg class="calendar" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="cal-title cal-desc" xmlns="http://www.w3.org/2000/svg">',
        '<title id="cal-title">Sessions done, day by day</title>',
        f'<desc id="cal-desc">{len(done_days)} sessions done since {start.isoformat()}.</desc>',
    ]
    for i, name in enumerate("MTWTFSS"):
        parts.append(
            f'<text class="tick" x="{i * (cell + gap) + cell / 2}" y="18" '
            f'text-anchor="middle">{name}</text>'
        )
    for n in range(weeks * 7):
        day = first + dt.timedelta(days=n)
        if day < start or day > end:
            continue
        col, row = n % 7, n // 7
        if day in done_days:
            kind, label = "done", "session done"
        elif day == end and day.weekday() in planned:
            kind, label = "today", "planned for today"
        elif day.weekday() in planned:
            kind, label = "missed", "planned, not done"
        else:
            kind, label = "rest", "rest day"
        px, py = col * (cell + gap), top + row * (cell + gap)
        parts.append(
            f'<g class="day {kind}"><title>{day.isoformat()}: {label}</title>'
            f'<rect x="{px}" y="{py}" width="{cell}" height="{cell}" rx="8"/>'
            f'<text x="{px + cell / 2}" y="{py + cell / 2 + 6}" text-anchor="middle">'
            f"{'✓' if kind == 'done' else day.day}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def psfs_chart(rows: Sequence[tuple[dt.date, float]]) -> Markup:
    """The PSFS mean (0 cannot do, 10 as before) at each assessment, as bars."""
    bar, gap, top, height = 56, 20, 16, 220
    plot_h = height - top - 40
    width = max(len(rows), 3) * (bar + gap) + 40
    parts = [
        f'<svg class="chart psfs" viewBox="0 0 {width} {height}" role="img" '
        'aria-labelledby="psfs-title" xmlns="http://www.w3.org/2000/svg">',
        '<title id="psfs-title">What you can do, 0 (cannot) to 10 (as before)</title>',
    ]
    for i, (day, mean) in enumerate(rows):
        h = plot_h * mean / 10
        px = 30 + i * (bar + gap)
        parts.append(
            f'<rect class="bar" x="{px}" y="{top + plot_h - h:.1f}" width="{bar}" '
            f'height="{h:.1f}" rx="6"/>'
            f'<text class="value" x="{px + bar / 2}" y="{top + plot_h - h - 6:.1f}" '
            f'text-anchor="middle">{_fmt(mean)}</text>'
            f'<text class="tick" x="{px + bar / 2}" y="{height - 14}" text-anchor="middle">'
            f"{day.day} {day.strftime('%b')}</text>"
        )
    parts.append(
        f'<line class="axis" x1="20" x2="{width - 10}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
