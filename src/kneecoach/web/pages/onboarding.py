"""First visit: welcome and disclaimer → safety questions → profile → the programme."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kneecoach.domain.exercises import ACCESS, EQUIPMENT
from kneecoach.domain.planning import CONDITIONS, STOP_RULES, build_week, plan
from kneecoach.domain.screening import QUESTIONS, ScreeningError, screen
from kneecoach.services import people
from kneecoach.services.onboarding import start_programme
from kneecoach.services.today import load_course
from kneecoach.services.uow import UnitOfWork
from kneecoach.services.validation import InvalidInput
from kneecoach.web.deps import CatalogueDep, CurrentActor, CurrentPerson, DbDep
from kneecoach.web.pages.common import (
    ACCESS_NAMES,
    CONDITION_NAMES,
    EQUIPMENT_NAMES,
    FormDep,
    catalogue_names,
    dose_words,
    field_errors,
    redirect,
    render,
    today,
)

router = APIRouter(include_in_schema=False)

OTTAWA_GATE = "injury_within_7_days"
MAX_PSFS = 3


@router.get("/", response_class=HTMLResponse)
def welcome(request: Request, db: DbDep, person: CurrentPerson) -> HTMLResponse:
    return render(request, "welcome.html", db=db, person=person, title="Welcome")


# --- screening ---------------------------------------------------------------------------


def screening_groups() -> list[dict[str, Any]]:
    """The questions in the order asked, the Ottawa ones in their own group."""
    main = [q for q in QUESTIONS if q.only_if is None]
    ottawa = [q for q in QUESTIONS if q.only_if == OTTAWA_GATE]
    return [
        {"id": "main", "questions": main},
        {"id": "ottawa", "questions": ottawa},
    ]


def read_answers(form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    """Screening answers from the form, and {key: message} for what is missing or wrong."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    injured = form.get(OTTAWA_GATE) == "yes"
    for q in QUESTIONS:
        raw = str(form.get(q.key, "")).strip()
        if q.kind == "yes-no":
            if raw in ("yes", "no"):
                answers[q.key] = raw == "yes"
            elif q.only_if == OTTAWA_GATE and not injured:
                answers[q.key] = False  # RF-3 applies only to an injury in the last 7 days
            else:
                errors[q.key] = "Please choose yes or no."
            continue
        if not raw:
            errors[q.key] = "Please enter a number."
            continue
        try:
            answers[q.key] = int(raw) if q.kind == "years" else float(raw)
        except ValueError:
            errors[q.key] = "Please enter a number, such as 6."
    if not errors:
        try:
            screen(answers)
        except ScreeningError as error:
            errors[error.field] = str(error).split(": ", 1)[-1].capitalize()
    return answers, errors


@router.get("/screening", response_class=HTMLResponse)
def screening_form(request: Request, db: DbDep, person: CurrentPerson) -> HTMLResponse:
    return render(
        request,
        "screening.html",
        db=db,
        person=person,
        title="Safety questions",
        groups=screening_groups(),
        values={},
        errors={},
    )


@router.post("/screening", response_class=HTMLResponse)
def screening_post(
    request: Request, form: FormDep, db: DbDep, person: CurrentPerson
) -> HTMLResponse:
    answers, errors = read_answers(form)
    if errors:
        return render(
            request,
            "screening.html",
            db=db,
            person=person,
            title="Safety questions",
            groups=screening_groups(),
            values={k: str(v) for k, v in form.items()},
            errors=errors,
            status_code=422,
        )
    triage = screen(answers)
    if triage.stops_programme:
        return render(
            request, "stop.html", db=db, person=person, title="Please get help", triage=triage
        )
    return _profile_page(request, db, person, answers, triage=triage.as_dict())


# --- profile -----------------------------------------------------------------------------


def _profile_page(
    request: Request,
    db: UnitOfWork,
    person: int | None,
    answers: dict[str, Any],
    *,
    triage: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        "profile.html",
        db=db,
        person=person,
        title="About you and your kit",
        screening_json=json.dumps(answers),
        triage=triage,
        values=values
        or {
            "equipment": [],
            "access": [],
            "conditions": [],
            "units": "metric",
            "minutes_per_session": "30",
            "days_per_week": "3",
        },
        errors=errors or {},
        equipment=[(e, EQUIPMENT_NAMES.get(e, e)) for e in EQUIPMENT],
        access=[(a, ACCESS_NAMES.get(a, a)) for a in ACCESS],
        conditions=[(c, CONDITION_NAMES.get(c, c)) for c in CONDITIONS],
        status_code=422 if errors else 200,
    )


def whole_number(form: FormData, key: str) -> int | None:
    raw = str(form.get(key, "")).strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(key, "enter a whole number, such as 3") from None


def read_profile(form: FormData, answers: dict[str, Any]) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "equipment": [str(v) for v in form.getlist("equipment")],
        "access": [str(v) for v in form.getlist("access")],
        "conditions": [str(v) for v in form.getlist("conditions")],
        "units": str(form.get("units") or "metric"),
        "screening": answers,
    }
    if form.get("side"):
        profile["side"] = str(form.get("side"))
    for key in ("pain_now", "minutes_per_session", "days_per_week"):
        number = whole_number(form, key)
        if number is not None:
            profile[key] = number
    return profile


def read_psfs(form: FormData) -> dict[str, Any] | None:
    activities = []
    for i in range(MAX_PSFS):
        name = str(form.get(f"psfs_name_{i}", "")).strip()
        if not name:
            continue
        score = whole_number(form, f"psfs_score_{i}")
        if score is None:
            raise InvalidInput(f"psfs_score_{i}", "give this activity a score from 0 to 10")
        activities.append({"name": name[:120], "score": score})
    return {"activities": activities} if activities else None


def psfs_field(field: str) -> str:
    # parse_psfs names `activities.0.score`; the form calls it `psfs_score_0`.
    parts = field.split(".")
    if len(parts) == 3 and parts[0] == "activities":
        return f"psfs_{parts[2]}_{parts[1]}"
    return field


@router.post("/profile", response_class=HTMLResponse)
def profile_post(
    request: Request,
    form: FormDep,
    db: DbDep,
    catalogue: CatalogueDep,
    person: CurrentPerson,
    actor: CurrentActor,
) -> Response:
    try:
        answers = json.loads(str(form.get("screening", "")))
        if not isinstance(answers, dict):
            raise ValueError
        screen(answers)
    except (ValueError, ScreeningError):
        return redirect("/screening")
    values = {k: str(v) for k, v in form.items()}
    for key in ("equipment", "access", "conditions"):
        values[key] = [str(v) for v in form.getlist(key)]  # type: ignore[assignment]
    try:
        profile = read_profile(form, answers)
        psfs = read_psfs(form)
        result = start_programme(db, catalogue, profile, today(request), psfs, actor=actor)
    except (InvalidInput, ValueError) as error:
        errors = field_errors(error)
        errors = {psfs_field(k): v for k, v in errors.items()}
        return _profile_page(request, db, person, answers, values=values, errors=errors)
    if not result["saved"]:
        return render(
            request,
            "stop.html",
            db=db,
            person=person,
            title="Please get help",
            triage=screen(answers),
        )
    return redirect("/programme?new=1")


# --- the programme -----------------------------------------------------------------------


@router.get("/programme", response_class=HTMLResponse)
def programme_page(
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    person_id: CurrentPerson,
    actor: CurrentActor,
) -> Response:
    if person_id is None:
        return redirect("/")
    person = people.person(db, person_id, actor=actor)
    profile = person.parsed
    planned = plan(profile, catalogue)
    day = today(request)
    course = load_course(db, catalogue, person_id, max(day, person.start_date), actor=actor)
    units = person.units
    week = build_week(catalogue, course.slots, profile.days_per_week, profile.minutes_per_session)
    versions = [v for v in people.versions(db, person_id, actor=actor) if v["version"] > 1]
    return render(
        request,
        "programme.html",
        db=db,
        person=person_id,
        title="Your programme",
        new=request.query_params.get("new") == "1",
        changed=request.query_params.get("changed") == "1",
        planned=planned,
        week=week,
        names=catalogue_names(catalogue),
        dose_words=lambda item: dose_words(item.dose.as_dict(), units),
        versions=list(reversed(versions)),
        start_date=person.start_date,
        stop_rules=STOP_RULES,
        paused=[s for s in course.slots if s.paused],
    )
