"""Printable PDFs (WeasyPrint) from the Jinja2 templates in reports/templates/.

`handout_html` and `report_html` build the HTML (the web can serve or print the same
pages); `render_pdf` turns it into a PDF on A4 or US Letter.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
from functools import cache
from importlib.resources import files
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, select_autoescape

from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import (
    DISCLAIMER,
    PHASES,
    STOP_RULES,
    TRAINING_DAYS,
    WEEKDAYS,
    Session,
)
from kneecoach.domain.wording import describe_dose
from kneecoach.reports.current import Current
from kneecoach.reports.words import easier_step, next_step

Paper = Literal["a4", "letter"]
PAGE_SIZES: dict[str, str] = {"a4": "A4", "letter": "letter"}
PHASE_WORDS = {
    "warm-up": "warm-up",
    "strength": "strengthening",
    "aerobic": "cardio",
    "cool-down": "cool-down",
}
COMPACT_FROM = 10  # more exercise cards than this: the compact card layout
log = logging.getLogger(__name__)


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("kneecoach.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def _css() -> str:
    return files("kneecoach.reports").joinpath("templates/print.css").read_text("utf-8")


def render(template: str, **context: Any) -> str:
    """One template with the shared print frame filled in."""
    paper = context.pop("paper", "a4")
    return _env().get_template(template).render(css=_css(), page_size=PAGE_SIZES[paper], **context)


def render_pdf(html: str) -> bytes:
    """HTML to PDF bytes."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def figure_uri(exercise_id: str) -> str | None:
    """The exercise's key positions as an SVG data URI, or None to leave a neat gap."""
    try:
        from kneecoach.figures.render import strip_svg

        svg = strip_svg(exercise_id)
    except Exception as error:  # the figures are optional for print: a gap, not a failure
        log.info("no figure for %s: %s", exercise_id, error)
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B %Y')}"


def _cards(now: Current, catalogue: Catalogue) -> list[dict[str, Any]]:
    phases: dict[str, list[str]] = {}
    items: dict[str, Any] = {}
    for session in now.week:
        for block in session.blocks:
            for item in block.items:
                seen = phases.setdefault(item.exercise_id, [])
                if block.phase not in seen:
                    seen.append(block.phase)
                items.setdefault(item.exercise_id, item)
    order = sorted(phases, key=lambda e: PHASES.index(phases[e][0]))
    weights = "ankle-weights" in now.profile.equipment
    cards = []
    for number, exercise_id in enumerate(order, start=1):
        exercise = catalogue.get(exercise_id)
        item = items[exercise_id]
        when = " and ".join(PHASE_WORDS[p] for p in sorted(phases[exercise_id], key=PHASES.index))
        cards.append(
            {
                "number": number,
                "id": exercise_id,
                "name": exercise.name,
                "dose": describe_dose(item.dose, now.profile.units).capitalize(),
                "when": when[0].upper() + when[1:],
                "figure": figure_uri(exercise_id),
                "steps": exercise.steps,
                "feel": exercise.feel,
                "avoid": exercise.avoid,
                "note": item.note,
                "next": next_step(exercise, catalogue, now.profile.units, weights),
                "easier": easier_step(exercise, catalogue),
            }
        )
    return cards


def _marks(session: Session, exercise_id: str) -> str:
    """Which parts of the session an exercise is in: phase numbers 1-4, or a dash."""
    numbers = [
        str(PHASES.index(block.phase) + 1)
        for block in session.blocks
        if any(item.exercise_id == exercise_id for item in block.items)
    ]
    return " + ".join(numbers) if numbers else "–"


def handout_html(
    now: Current, catalogue: Catalogue, *, paper: Paper = "a4", printed: dt.date | None = None
) -> str:
    """The programme handout: the week, every exercise, the avoid list and the stop rules."""
    cards = [] if now.stopped else _cards(now, catalogue)
    week = [] if now.stopped else now.week
    week_rows = [
        {
            "number": card["number"],
            "name": card["name"],
            "cells": [_marks(session, card["id"]) for session in week],
        }
        for card in cards
    ]
    training = {WEEKDAYS[d] for d in TRAINING_DAYS[now.profile.days_per_week]}
    rest = [d.capitalize() for d in WEEKDAYS if d not in training]
    stop = now.course.stop
    return render(
        "handout.html",
        paper=paper,
        title="Your knee exercise programme",
        start=_date(now.person["start_date"]),
        printed=_date(printed or now.day),
        version=now.latest_version,
        days_per_week=now.profile.days_per_week,
        minutes=max((s.estimated_minutes for s in now.week), default=0),
        disclaimer=DISCLAIMER,
        stop_message=(
            f"{stop.rule}: {stop.message} The programme restarts once a professional has "
            "cleared you and you have answered the safety questions again."
            if stop
            else None
        ),
        warnings=[],
        stop_rules=STOP_RULES,
        week=[{"short": s.weekday[:3].capitalize(), "minutes": s.estimated_minutes} for s in week],
        week_rows=week_rows,
        rest_days=", ".join(rest) if rest else "none",
        paused=[catalogue.get(s.exercise_id).name for s in now.course.slots if s.paused],
        avoid=[
            {"name": ex.name, "why": ex.why_avoid or ex.purpose}
            for ex in catalogue.by_category("avoid")
        ],
        cards=cards,
        # Many exercises: steps run on as one paragraph so the handout stays within 4 pages.
        compact=len(cards) > COMPACT_FROM,
    )
