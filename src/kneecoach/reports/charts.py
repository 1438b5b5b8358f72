"""Charts for print, drawn as SVG in Python. Black-and-white safe: every series differs by
line style or marker shape, never by colour alone, and the legend says which is which."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from kneecoach.domain.trends import daily_means, important_change

WIDTH, HEIGHT = 680, 250
LEFT, RIGHT, TOP, BOTTOM = 40, 14, 12, 34
FONT = 'font-family="Liberation Sans, DejaVu Sans, sans-serif"'


def rolling_means(
    scores: Sequence[tuple[dt.date, int]], days: Sequence[dt.date]
) -> list[tuple[dt.date, float]]:
    """For each of `days` with a score, the mean of that day and the 6 before."""
    return daily_means(scores, days)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def pain_chart(
    scores: Sequence[tuple[dt.date, int, bool]],
    baseline: int,
    start: dt.date,
    end: dt.date,
) -> str:
    """Daily scores (filled circle: morning; open square: other), the 7-day mean (solid line),
    the baseline (dashed) and the important-change band (hatched) below the baseline."""
    end = max(end, start + dt.timedelta(days=6))
    span = max((end - start).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: dt.date) -> float:
        return LEFT + plot_w * (day - start).days / span

    def y(pain: float) -> float:
        return TOP + plot_h * (1 - pain / 10)

    need = important_change(baseline)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}">',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#ffffff"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#9a9a9a" stroke-width="1.6"/>'
        "</pattern></defs>",
        f'<rect x="{LEFT}" y="{y(baseline):.1f}" width="{plot_w}" '
        f'height="{y(baseline - need) - y(baseline):.1f}" fill="url(#hatch)"/>',
    ]
    for pain in range(0, 11, 2):
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(pain):.1f}" y2="{y(pain):.1f}" '
            'stroke="#d0d0d0" stroke-width="0.8"/>'
            f'<text x="{LEFT - 7}" y="{y(pain) + 4:.1f}" text-anchor="end" font-size="11" '
            f'{FONT} fill="#222">{pain}</text>'
        )
    step = 7 if span <= 56 else 14
    day = start
    while day <= end:
        parts.append(
            f'<line x1="{x(day):.1f}" x2="{x(day):.1f}" y1="{TOP + plot_h}" '
            f'y2="{TOP + plot_h + 4}" stroke="#444"/>'
            f'<text x="{x(day):.1f}" y="{HEIGHT - 14}" text-anchor="middle" font-size="11" '
            f'{FONT} fill="#222">{day.day} {day.strftime("%b")}</text>'
        )
        day += dt.timedelta(days=step)
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        'stroke="#444"/>'
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(baseline):.1f}" y2="{y(baseline):.1f}" '
        'stroke="#000" stroke-width="1.6" stroke-dasharray="7 4"/>'
    )
    plain = [(d, p) for d, p, _ in scores]
    shown = sorted({d for d, _ in plain if start <= d <= end})
    means = rolling_means(plain, shown)
    if len(means) > 1:
        points = " ".join(f"{x(d):.1f},{y(m):.1f}" for d, m in means)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="#000" stroke-width="2.4" '
            'stroke-linejoin="round"/>'
        )
    for day, pain, morning in scores:
        if not start <= day <= end:
            continue
        if morning:
            parts.append(f'<circle cx="{x(day):.1f}" cy="{y(pain):.1f}" r="3.6" fill="#000"/>')
        else:
            parts.append(
                f'<rect x="{x(day) - 3.4:.1f}" y="{y(pain) - 3.4:.1f}" width="6.8" '
                'height="6.8" fill="#ffffff" stroke="#000" stroke-width="1.3"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def legend_items(baseline: int) -> list[tuple[str, str]]:
    """(small SVG swatch, words) for each series of the pain chart."""
    need = important_change(baseline)
    swatch = '<svg xmlns="http://www.w3.org/2000/svg" width="30" height="12" viewBox="0 0 30 12">'
    return [
        (swatch + '<circle cx="15" cy="6" r="3.6" fill="#000"/></svg>', "morning score"),
        (
            swatch + '<rect x="11.6" y="2.6" width="6.8" height="6.8" fill="#fff" '
            'stroke="#000" stroke-width="1.3"/></svg>',
            "other check-in",
        ),
        (
            swatch + '<line x1="0" x2="30" y1="6" y2="6" stroke="#000" stroke-width="2.4"/></svg>',
            "7-day average",
        ),
        (
            swatch + '<line x1="0" x2="30" y1="6" y2="6" stroke="#000" stroke-width="1.6" '
            'stroke-dasharray="7 4"/></svg>',
            f"pain at the start ({baseline}/10)",
        ),
        (
            swatch + '<defs><pattern id="h" width="6" height="6" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#9a9a9a" '
            'stroke-width="1.6"/></pattern></defs><rect width="30" height="12" fill="url(#h)" '
            'stroke="#9a9a9a" stroke-width="0.5"/></svg>',
            escape(f"change too small to matter (less than {_fmt(need)} points below the start)"),
        ),
    ]
