"""The exercise library, each exercise's page, the avoid list, and the figures."""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from kneecoach.domain.exercises import CATEGORIES, EQUIPMENT, Exercise
from kneecoach.web.deps import CatalogueDep, CurrentActor, CurrentPerson, DbDep
from kneecoach.web.pages.common import (
    CATEGORY_NAMES,
    EQUIPMENT_NAMES,
    range_words,
    render,
    units_of,
)

router = APIRouter(include_in_schema=False)

SVG = "image/svg+xml"


def placeholder_svg(name: str) -> str:
    """A calm grey card saying the picture is not ready, with the exercise's name."""
    label = escape(name)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 320 200" width="320" height="200" '
        f'role="img" aria-label="{label}: picture coming soon">'
        '<rect width="320" height="200" rx="16" fill="#eef2f1"/>'
        '<circle cx="160" cy="78" r="26" fill="none" stroke="#5b6b68" stroke-width="4"/>'
        '<path d="M118 150 q42 -50 84 0" fill="none" stroke="#5b6b68" stroke-width="4"/>'
        f'<text x="160" y="184" text-anchor="middle" font-family="sans-serif" font-size="16" '
        f'fill="#33413e">{label}: picture coming soon</text></svg>'
    )


@lru_cache(maxsize=128)
def figure_svg(exercise_id: str, name: str, kind: str) -> str:
    try:
        from kneecoach.figures import render as figures

        draw = getattr(figures, "strip_svg" if kind == "strip" else "animated_svg")
        return str(draw(exercise_id))
    except Exception:  # the figure module is another engineer's work in progress
        return placeholder_svg(name)


def _svg(body: str) -> Response:
    return Response(body, media_type=SVG, headers={"Cache-Control": "max-age=3600"})


@router.get("/figures/{exercise_id}.svg")
def figure(exercise_id: str, catalogue: CatalogueDep) -> Response:
    if exercise_id not in catalogue:
        return Response("No such exercise.", status_code=404, media_type="text/plain")
    return _svg(figure_svg(exercise_id, catalogue.get(exercise_id).name, "animated"))


@router.get("/figures/{exercise_id}/strip.svg")
def figure_strip(exercise_id: str, catalogue: CatalogueDep) -> Response:
    if exercise_id not in catalogue:
        return Response("No such exercise.", status_code=404, media_type="text/plain")
    return _svg(figure_svg(exercise_id, catalogue.get(exercise_id).name, "strip"))


def _equipment_words(exercise: Exercise) -> list[str]:
    words = []
    for need in exercise.equipment:
        items = " or ".join(EQUIPMENT_NAMES.get(i, i).lower() for i in need.any_of)
        words.append(f"{items} (optional)" if need.optional else items)
    return words


@router.get("/library", response_class=HTMLResponse)
def library(
    request: Request, db: DbDep, catalogue: CatalogueDep, person: CurrentPerson, actor: CurrentActor
) -> Response:
    category = request.query_params.get("category") or ""
    have = [e for e in request.query_params.getlist("equipment") if e in EQUIPMENT]
    chosen_category = category if category in CATEGORIES and category != "avoid" else ""
    entries = [
        ex
        for ex in catalogue
        if ex.category != "avoid"
        and (not chosen_category or ex.category == chosen_category)
        and (not have or ex.needs_met(have, ex.access))
    ]
    units = units_of(db, person, actor)
    return render(
        request,
        "library.html",
        db=db,
        person=person,
        title="Exercise library",
        entries=[
            {"exercise": ex, "range": range_words(ex, units), "kit": _equipment_words(ex)}
            for ex in entries
        ],
        categories=[(c, CATEGORY_NAMES[c]) for c in CATEGORIES if c != "avoid"],
        equipment=[(e, EQUIPMENT_NAMES[e]) for e in EQUIPMENT],
        chosen_category=chosen_category,
        have=have,
        unknown_category=bool(category) and not chosen_category,
    )


@router.get("/library/{exercise_id}", response_class=HTMLResponse)
def exercise_page(
    exercise_id: str,
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    person: CurrentPerson,
    actor: CurrentActor,
) -> Response:
    if exercise_id not in catalogue:
        return render(
            request,
            "not_found.html",
            db=db,
            person=person,
            title="Not found",
            status_code=404,
        )
    exercise = catalogue.get(exercise_id)
    names = {ex.id: ex.name for ex in catalogue}
    return render(
        request,
        "exercise.html",
        db=db,
        person=person,
        title=exercise.name,
        exercise=exercise,
        category=CATEGORY_NAMES[exercise.category],
        range=range_words(exercise, units_of(db, person, actor)),
        kit=_equipment_words(exercise),
        names=names,
    )


@router.get("/avoid", response_class=HTMLResponse)
def avoid(request: Request, db: DbDep, catalogue: CatalogueDep, person: CurrentPerson) -> Response:
    return render(
        request,
        "avoid.html",
        db=db,
        person=person,
        title="What to leave out for now",
        entries=catalogue.by_category("avoid"),
    )
