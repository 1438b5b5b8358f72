"""Progress charts drawn on the server as SVG: no JavaScript, readable at a glance.

Colours and line styles live in app.css (classes), never in style attributes (CSP). The pain
chart is kneecoach.charts, the renderer the printed report shares, in the page's look.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from markupsafe import Markup

from kneecoach.charts import Marker, PainChart, Theme, draw, number

# The look of the pain chart on the page: each part's class (.chart .band …) in app.css, which
# holds the colours and widths; no axis line or tick marks: the 0 grid line is the axis.
WEB = Theme(
    width=640,
    height=300,
    margins=(56, 16, 16, 44),
    font_size=14,  # .chart .tick in app.css
    label_gap=94,  # "19 Dec" at the phone's 26px labels
    look={part: f'class="{part}"' for part in ("band", "grid", "tick", "baseline", "mean")},
    # The page shows the morning scores (every check-in when there is none yet), all alike.
    markers=dict.fromkeys(("morning", "other"), Marker("circle", 5, 'class="score"')),
    root='class="chart"',
)


def pain_svg(chart: PainChart) -> Markup:
    """The pain chart in the page's look."""
    return Markup(draw(chart, WEB))


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
            f'text-anchor="middle">{number(mean)}</text>'
            f'<text class="tick" x="{px + bar / 2}" y="{height - 14}" text-anchor="middle">'
            f"{day.day} {day.strftime('%b')}</text>"
        )
    parts.append(
        f'<line class="axis" x1="20" x2="{width - 10}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
