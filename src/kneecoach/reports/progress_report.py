"""The progress report for an appointment: pain trend, PSFS, adherence, every decision and
escalation with its rule id, and the sessions, for a period (default: since the start)."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from kneecoach.charts import number, pain_chart
from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import DISCLAIMER, TRAINING_DAYS, training_days_between
from kneecoach.domain.trends import Score, psfs_change
from kneecoach.domain.wording import pain_words
from kneecoach.reports.charts import legend_items, pain_svg
from kneecoach.reports.current import Current
from kneecoach.reports.pdf import Paper, render

ACTION_WORDS = {
    "progress": "made harder",
    "repeat": "kept the same",
    "regress": "made easier",
    "pause": "paused",
}


def _name(catalogue: Catalogue, exercise_id: str) -> str:
    return catalogue.get(exercise_id).name if exercise_id in catalogue else exercise_id


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _d(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%b %Y')}"


def _fmt(value: float | None) -> str:
    return "–" if value is None else number(value)


def _calendar(now: Current, first: dt.date, last: dt.date, done: set[dt.date]) -> list[Any]:
    """Week rows, Monday to Sunday: each cell (kind, day) for the adherence table."""
    planned = set(TRAINING_DAYS[now.profile.days_per_week])
    monday = first - dt.timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        row = []
        for n in range(7):
            day = monday + dt.timedelta(days=n)
            if day < first or day > last:
                kind = "outside"
            elif day in done:
                kind = "done"
            elif day.weekday() in planned:
                kind = "missed"
            else:
                kind = "rest"
            row.append({"kind": kind, "day": day.day, "month": day.strftime("%b")})
        weeks.append({"monday": _d(monday), "days": row})
        monday += dt.timedelta(days=7)
    return weeks


def report_html(
    catalogue: Catalogue,
    now: Current,
    *,
    first: dt.date,
    last: dt.date,
    paper: Paper = "a4",
    printed: dt.date | None = None,
) -> str:
    """The report for `first`..`last` (inclusive); `now` is the course replayed to `last`."""
    baseline = now.person["baseline_pain"]
    start = now.person["start_date"]
    checkins = [c for c in now.checkins if c["date"] <= last]
    pain = pain_chart(
        [Score(c["date"], c["pain"], c["morning"]) for c in checkins], baseline, first, last
    )
    latest = pain.latest_mean
    sessions = [s for s in now.sessions if first <= s["date"] <= last]
    done = {s["date"] for s in sessions}
    planned = training_days_between(now.profile.days_per_week, max(first, start), last)
    psfs_rows = list(now.psfs)
    psfs = []
    for row in psfs_rows:
        change = psfs_change(psfs_rows[0]["activities"], row["activities"])
        psfs.append(
            {
                "date": _d(row["date"]),
                "activities": ", ".join(
                    f"{a.get('name')} {_fmt(float(a.get('score', 0)))}" for a in row["activities"]
                ),
                "mean": _fmt(row["mean"]),
                "change": f"{change.mean_change:+.1f}" if row is not psfs_rows[0] else "start",
                "real": "yes" if change.real_change else "no",
            }
        )
    in_range = [d for d in now.decisions if first <= d.date <= last]
    changes = [
        {
            "date": _d(d.date),
            "exercise": _name(catalogue, d.exercise_id),
            "action": ACTION_WORDS.get(d.action, d.action),
            "rule": d.rule,
            "reason": d.reason,
        }
        for d in in_range
        if d.action != "repeat"
    ]
    # "Kept the same" decisions are many and alike: one row per day and rule.
    kept: dict[tuple[dt.date, str], list[str]] = {}
    for d in in_range:
        if d.action == "repeat":
            kept.setdefault((d.date, d.rule), []).append(_name(catalogue, d.exercise_id))
    repeats = [
        {"date": _d(day), "rule": rule, "exercises": ", ".join(names)}
        for (day, rule), names in kept.items()
    ]
    escalations = [
        {
            "date": _d(e.date) if e.date else "–",
            "rule": e.rule,
            "urgency": e.urgency,
            "message": e.message,
        }
        for e in now.escalations
        if e.date is None or first <= e.date <= last
    ]
    session_rows = []
    for s in sessions:
        pains = [one["pain"] for entry in s["entries"] for one in entry["sets"]]
        names = [_name(catalogue, e["exercise_id"]) for e in s["entries"]]
        session_rows.append(
            {
                "date": _d(s["date"]),
                "before": s["pain_before"],
                "after": s["pain_after"],
                "worst": max(pains) if pains else None,
                "count": len(s["entries"]),
                "hurt": [n for n, e in zip(names, s["entries"], strict=True) if e["hurt"]],
                "names": names,
            }
        )
    stop = now.course.stop
    return render(
        "report.html",
        paper=paper,
        title="Progress report",
        first=_d(first),
        last=_d(last),
        start=_d(start),
        printed=_d(printed or dt.date.today()),
        day_number=(last - start).days + 1,
        version=now.latest_version,
        status=(
            f"on hold since {_d(stop.date)} ({stop.rule}, {stop.urgency})" if stop else "active"
        ),
        disclaimer=DISCLAIMER,
        baseline=baseline,
        baseline_words=pain_words(baseline),
        latest=_fmt(latest),
        change=_fmt(None if latest is None else latest - baseline),
        need=_fmt(pain.need),
        improved=pain.improved,
        scores_count=len(pain.scores),
        planned=planned,
        done=len(done),
        adherence=f"{round(100 * len(done) / planned)} %" if planned else "–",
        chart=_svg_uri(pain_svg(pain)),
        legend=[(_svg_uri(swatch), words) for swatch, words in legend_items(pain)],
        psfs=psfs,
        calendar=_calendar(now, max(first, start), last, done),
        changes=changes,
        repeats=repeats,
        decision_count=len(in_range),
        escalations=escalations,
        sessions=session_rows,
    )
