"""Every day: today's session or rest, the session player, the morning check-in."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kneecoach.domain import rules
from kneecoach.domain.errors import FieldError
from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import STOP_RULES, WEEKDAYS, next_training_day
from kneecoach.domain.wording import describe_load
from kneecoach.services import checkins, people
from kneecoach.services.today import today as today_of
from kneecoach.services.today import today_and_fold
from kneecoach.services.uow import UnitOfWork
from kneecoach.services.validation import InvalidInput
from kneecoach.web.deps import CatalogueDep, CurrentActor, CurrentPerson, DbDep
from kneecoach.web.pages.common import (
    FormDep,
    dose_words,
    field_errors,
    range_words,
    redirect,
    render,
    today,
)
from kneecoach.web.pages.onboarding import read_answers, screening_groups

router = APIRouter(include_in_schema=False)

PHASE_NAMES = {
    "warm-up": "Warm-up",
    "strength": "Strengthening",
    "aerobic": "Gentle cardio",
    "cool-down": "Cool-down",
}
NEW_THINGS = {
    "new_swelling": "New swelling",
    "new_locking": "The knee locks or catches",
    "new_giving_way": "The knee gives way",
}
SAVED = {
    "checkin": "Check-in saved. Thank you.",
    "session": "Session saved. Well done.",
    "cleared": "Saved. Now answer the safety questions again to restart.",
}


def _items(catalogue: Catalogue, result: dict[str, Any], units: str) -> list[dict[str, Any]]:
    out = []
    for item in result["items"]:
        exercise = catalogue.get(item["exercise_id"])
        out.append(
            {
                **item,
                "name": exercise.name,
                "purpose": exercise.purpose,
                "dose_words": dose_words(item["dose"], units),
                "phase_name": PHASE_NAMES.get(item["phase"], item["phase"]),
            }
        )
    return out


def _next_session_day(days: int, day: dt.date) -> str:
    later = next_training_day(days, day)
    return "tomorrow" if (later - day).days == 1 else WEEKDAYS[later.weekday()].capitalize()


@router.get("/today", response_class=HTMLResponse)
def today_page(
    request: Request, db: DbDep, catalogue: CatalogueDep, person: CurrentPerson, actor: CurrentActor
) -> Response:
    day = today(request)
    if person is None:
        return redirect("/")
    # A read (nothing stored): the banner also shows what the fold has just found.
    result, folded = today_and_fold(db, catalogue, person, day, actor=actor)
    who = people.person(db, person, actor=actor)
    return render(
        request,
        "today.html",
        db=db,
        person=person,
        folded=folded,
        title="Today",
        day=day,
        result=result,
        items=_items(catalogue, result, who.units),
        next_day=_next_session_day(who.parsed.days_per_week, day),
        checked_in=people.morning(db, person, day, actor=actor).checked_in,
        saved=SAVED.get(request.query_params.get("saved", "")),
        names={ex.id: ex.name for ex in catalogue},
    )


# --- the session player ----------------------------------------------------------------


def player_items(catalogue: Catalogue, result: dict[str, Any], units: str) -> list[dict[str, Any]]:
    """What player.js needs for each exercise of today's session."""
    out = []
    for item in result["items"]:
        exercise = catalogue.get(item["exercise_id"])
        assert exercise.dose is not None  # only avoid items lack a dose; never prescribed
        dose = item["dose"]
        regressions = [catalogue.get(r).name for r in exercise.regressions if r in catalogue]
        out.append(
            {
                "exercise_id": exercise.id,
                "name": exercise.name,
                "phase": PHASE_NAMES.get(item["phase"], item["phase"]),
                "purpose": exercise.purpose,
                "steps": list(exercise.steps),
                "feel": list(exercise.feel),
                "avoid": list(exercise.avoid),
                "note": item["note"],
                "dose": dose,
                "dose_words": dose_words(dose, units),
                "range_words": range_words(exercise, units),
                "load_words": describe_load(dose["load_kg"], units) if dose["load_kg"] else None,
                "tempo_seconds": exercise.dose.tempo_seconds,
                "rest_seconds": exercise.dose.rest_seconds,
                "regressions": regressions,
                "figure": f"/figures/{exercise.id}.svg",
            }
        )
    return out


@router.get("/session", response_class=HTMLResponse)
def session_page(
    request: Request, db: DbDep, catalogue: CatalogueDep, person: CurrentPerson, actor: CurrentActor
) -> Response:
    day = today(request)
    result, folded = today_and_fold(db, catalogue, person, day, actor=actor)
    units = people.person(db, person, actor=actor).units if person is not None else "metric"
    items = player_items(catalogue, result, units) if result["status"] == "session" else []
    plan = {"date": day.isoformat(), "items": items, "stop_rules": list(STOP_RULES)}
    scale = request.app.state.settings.test_hooks and request.query_params.get("time_scale")
    return render(
        request,
        "session.html",
        db=db,
        person=person,
        folded=folded,
        title="Session",
        result=result,
        plan_json=json.dumps(plan).replace("</", "<\\/"),
        time_scale=scale or "1",
        stop_rules=STOP_RULES,
    )


# --- the morning check-in --------------------------------------------------------------


def _checkin_page(
    request: Request,
    db: UnitOfWork,
    person: int | None,
    *,
    step: str,
    values: dict[str, Any],
    errors: dict[str, str],
    why: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "checkin.html",
        db=db,
        person=person,
        title="Morning check-in",
        step=step,
        values=values,
        errors=errors,
        why=why or [],
        new_things=NEW_THINGS,
        groups=screening_groups(),
        status_code=status_code,
    )


@router.get("/checkin", response_class=HTMLResponse)
def checkin_form(request: Request, db: DbDep, person: CurrentPerson) -> Response:
    if person is None:
        return redirect("/")
    return _checkin_page(request, db, person, step="score", values={"morning": "1"}, errors={})


def _pain(raw: object) -> int:
    text = str(raw or "").strip()
    if not text:
        raise InvalidInput("pain", "choose your pain score, from 0 to 10")
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput("pain", "a pain score is a whole number from 0 to 10") from None
    if not 0 <= value <= 10:
        raise InvalidInput("pain", f"a pain score is 0-10, got {value}")
    return value


@router.post("/checkin", response_class=HTMLResponse)
def checkin_post(
    request: Request,
    form: FormDep,
    db: DbDep,
    catalogue: CatalogueDep,
    person_id: CurrentPerson,
    actor: CurrentActor,
) -> Response:
    if person_id is None:
        return redirect("/")
    day = today(request)
    values: dict[str, Any] = {k: str(v) for k, v in form.items()}
    notes = str(form.get("notes", "")).strip()[:2000] or None
    morning = form.get("morning") == "1"
    try:
        pain = _pain(form.get("pain"))
    except InvalidInput as error:
        return _checkin_page(
            request,
            db,
            person_id,
            step="score",
            values=values,
            errors=field_errors(error),
            status_code=422,
        )
    answers: dict[str, Any] | None = None
    if form.get("step") == "questions":
        answers, errors = read_answers(form)
        if errors:
            return _checkin_page(
                request,
                db,
                person_id,
                step="questions",
                values=values,
                errors=errors,
                status_code=422,
            )
    else:
        why = [label for key, label in NEW_THINGS.items() if form.get(key) == "1"]
        seen = people.morning(db, person_id, day, actor=actor)
        if pain >= seen.usual + rules.RESCREEN_MORNING_RISE:  # PM-3's usual morning score
            why.append(f"Your score of {pain} is much higher than usual")
        if seen.screening_due:
            why.append("It has been a week since you last answered them")
        now = today_of(db, catalogue, person_id, day, actor=actor, persist=False)
        if now["status"] == "stopped":
            why.append("Your programme is stopped until the questions are answered again")
        if why:
            return _checkin_page(
                request, db, person_id, step="questions", values=values, errors={}, why=why
            )
    try:
        checkins.record_checkin(
            db,
            catalogue,
            person_id,
            day,
            pain,
            actor=actor,
            morning=morning,
            answers=answers,
            notes=notes,
        )
    except InvalidInput as error:
        return _checkin_page(
            request,
            db,
            person_id,
            step="questions" if answers else "score",
            values=values,
            errors=field_errors(error),
            status_code=422,
        )
    return redirect("/today?saved=checkin")


# --- escalations and clearance ---------------------------------------------------------


def _safe_next(raw: object) -> str:
    target = str(raw or "/today")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/today"
    return target


@router.post("/escalations/{escalation_id}/acknowledge")
def acknowledge(
    escalation_id: int, form: FormDep, db: DbDep, person_id: CurrentPerson, actor: CurrentActor
) -> Response:
    if person_id is not None:
        with contextlib.suppress(FieldError):  # someone else's or gone: nothing to do
            people.acknowledge_escalation(
                db, person_id, escalation_id, dt.datetime.now(dt.UTC), actor=actor
            )
    return redirect(_safe_next(form.get("next")))


@router.post("/clearance", response_class=HTMLResponse)
def clearance_post(
    request: Request,
    form: FormDep,
    db: DbDep,
    catalogue: CatalogueDep,
    person: CurrentPerson,
    actor: CurrentActor,
) -> Response:
    if person is None:
        return redirect("/")
    cleared_by = str(form.get("cleared_by", "")).strip()[:200]
    if not cleared_by:
        day = today(request)
        result = today_of(db, catalogue, person, day, actor=actor, persist=False)
        return render(
            request,
            "today.html",
            db=db,
            person=person,
            title="Today",
            day=day,
            result=result,
            items=[],
            next_day=None,
            checked_in=True,
            saved=None,
            names={},
            errors={"cleared_by": "Please say who cleared you, for example 'Dr Patel, GP'."},
            status_code=422,
        )
    checkins.record_clearance(db, catalogue, person, today(request), cleared_by, None, actor=actor)
    return redirect("/checkin")
