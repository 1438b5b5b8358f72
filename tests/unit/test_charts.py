"""The pain chart: laid out once (kneecoach.charts), drawn in the web's and print's looks."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

from kneecoach.charts import pain_chart, swatch
from kneecoach.domain.trends import Score, daily_means, important_change
from kneecoach.reports.charts import PRINT, legend_items
from kneecoach.reports.charts import pain_svg as print_svg
from kneecoach.web.pages.charts import pain_svg as web_svg
from tests.test_layers import SRC, imports

SVG = "{http://www.w3.org/2000/svg}"
START = dt.date(2026, 1, 5)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def scores(days: int, *, other_every: int = 0) -> list[Score]:
    return [
        Score(day(n), 5 - n % 3, not (other_every and n % other_every == 0)) for n in range(days)
    ]


def date_labels(svg: str) -> list[str]:
    return re.findall(r">(\d{1,2} [A-Z][a-z]{2})</text>", svg)


def test_the_chart_shows_its_period_and_means_the_week_before_it() -> None:
    every = [Score(day(-3), 8, True), *scores(10), Score(day(12), 1, True)]
    chart = pain_chart(every, 6, START, day(9))
    assert [s.date for s in chart.scores] == [day(n) for n in range(10)]
    pairs = [(s.date, s.pain) for s in every]
    assert list(chart.means) == daily_means(pairs, [day(n) for n in range(10)])
    assert chart.means[0][1] == (8 + 5) / 2  # the score 3 days before the start counts
    assert chart.need == important_change(6)
    assert chart.latest_mean == chart.means[-1][1]


def test_a_real_improvement_is_the_mean_at_least_need_below_the_baseline() -> None:
    low = [Score(day(n), 2, True) for n in range(7)]
    assert pain_chart(low, 5, START, day(6)).improved
    assert "That is a real improvement." in pain_chart(low, 5, START, day(6)).summary
    assert not pain_chart(low, 2, START, day(6)).improved  # need 0.6: 2 is no fall at all
    assert not pain_chart([], 5, START, day(6)).improved


def test_the_web_look_is_classes_only_and_reads_aloud() -> None:
    chart = pain_chart(scores(14, other_every=4), 5, START, day(13))
    svg = str(web_svg(chart))
    root = ET.fromstring(svg)
    assert root.get("class") == "chart"
    assert root.get("role") == "img" and root.get("aria-labelledby") == "pain-title pain-desc"
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}desc").text == chart.summary  # type: ignore[union-attr]
    assert "style=" not in svg and "stroke=" not in svg and "fill=" not in svg  # CSP: app.css
    circles = root.findall(f".//{SVG}circle")
    assert len(circles) == 14 and {c.get("class") for c in circles} == {"score"}
    assert circles[0].find(f"{SVG}title").text == f"{START.isoformat()}: pain 5/10"  # type: ignore[union-attr]
    for part in ("band", "grid", "tick", "baseline", "mean"):
        assert f'class="{part}"' in svg


def test_the_print_look_tells_series_apart_without_colour() -> None:
    chart = pain_chart(scores(14, other_every=4), 5, START, day(13))
    svg = print_svg(chart)
    root = ET.fromstring(svg)
    assert "class=" not in svg
    assert root.get("width") == "680"
    assert len(root.findall(f".//{SVG}circle")) == 10  # morning: filled circles
    squares = [r for r in root.findall(f".//{SVG}rect") if r.get("stroke") == "#000"]
    assert len(squares) == 4  # other check-ins: open squares
    assert 'stroke-dasharray="7 4"' in svg and 'fill="url(#hatch)"' in svg
    assert root.find(f"{SVG}desc").text == chart.summary  # type: ignore[union-attr]


def test_the_print_legend_is_drawn_with_the_charts_own_look() -> None:
    chart = pain_chart(scores(7), 5, START, day(6))
    items = legend_items(chart)
    assert [words for _, words in items][:3] == ["morning score", "other check-in", "7-day average"]
    assert "(5/10)" in items[3][1] and "1.5 points" in items[4][1]
    for part in ("mean", "baseline", "band"):
        assert PRINT.look[part] in swatch(PRINT, part)
        ET.fromstring(swatch(PRINT, part))


def test_date_labels_are_weekly_until_they_would_crowd() -> None:
    six_weeks = pain_chart([], 5, START, day(42))
    assert len(date_labels(str(web_svg(six_weeks)))) == 7
    assert len(date_labels(print_svg(six_weeks))) == 7
    eight_weeks = pain_chart([], 5, START, day(56))
    assert len(date_labels(str(web_svg(eight_weeks)))) == 5  # fortnightly on the page
    assert len(date_labels(print_svg(eight_weeks))) == 9  # print has room for weekly
    half_year = pain_chart([], 5, START, day(182))
    for svg in (str(web_svg(half_year)), print_svg(half_year)):
        assert 4 <= len(date_labels(svg)) <= 10
    assert len(date_labels(print_svg(pain_chart([], 5, START, START)))) == 1  # a week wide


def test_the_shared_renderer_belongs_to_no_adapter() -> None:
    outside = {m for m in imports(SRC / "charts.py") if not m.startswith("kneecoach.domain")}
    assert not outside
