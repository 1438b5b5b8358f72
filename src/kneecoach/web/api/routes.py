"""JSON API under /api/v1: the same shapes as the CLI's --json output (docs/cli.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import WithJsonSchema

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.screening import screen
from kneecoach.services import checkins, progress, sessions
from kneecoach.services.actor import Actor
from kneecoach.services.onboarding import NotStarted, start_programme, started
from kneecoach.services.today import today
from kneecoach.services.uow import UnitOfWork
from kneecoach.services.validation import parse_date
from kneecoach.web.api import models as m
from kneecoach.web.api.models import WRITE_ERRORS, responses
from kneecoach.web.cache import TODAY_CACHE
from kneecoach.web.dates import DayQuery, app_today, body_day
from kneecoach.web.deps import (
    CatalogueDep,
    CurrentActor,
    CurrentPerson,
    CurrentRevision,
    DbDep,
)
from kneecoach.web.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["api"])


# Bodies read as any JSON object and checked by the services, which name the exact field
# of an error; documented as their models (web/api/models.py).
ScreeningBody = Annotated[
    dict[str, Any],
    Body(description="Every safety question, answered."),
    m.documented_as(m.ScreeningAnswers),
]
ProgrammeBody = Annotated[
    dict[str, Any],
    Body(description="A profile, and optionally `start_date`."),
    m.documented_as(m.ProgrammeCreate),
]
SessionBody = Annotated[
    dict[str, Any], Body(description="A finished session's log."), m.documented_as(m.SessionCreate)
]
ExerciseIdPath = Annotated[
    str,
    Path(description="An exercise id; an unknown one is a 404."),
    WithJsonSchema({"$ref": "#/components/schemas/ExerciseId"}),
]


@router.get(
    "/exercises",
    operation_id="list_exercises",
    response_model=None,
    responses=responses({200: (list[m.ExercisePublic], "The entries.")}, 422),
)
def list_exercises(
    catalogue: CatalogueDep,
    category: Annotated[m.Category | None, Query(description="Only this category.")] = None,
    equipment: Annotated[
        list[m.Equipment] | None, Query(description="Only what this equipment allows.")
    ] = None,
) -> list[dict[str, Any]]:
    """Every exercise, or one category; with `equipment`, only what that kit allows."""
    entries = [ex for ex in catalogue if category is None or ex.category == category]
    if equipment is not None:
        entries = [ex for ex in entries if ex.needs_met(equipment, ex.access)]
    return [ex.as_dict() for ex in entries]


@router.get(
    "/exercises/{exercise_id}",
    operation_id="get_exercise",
    response_model=None,
    responses=responses({200: (m.ExercisePublic, "The entry.")}, 404, 422),
)
def get_exercise(exercise_id: ExerciseIdPath, catalogue: CatalogueDep) -> dict[str, Any]:
    """One entry of the catalogue."""
    if exercise_id not in catalogue:
        raise NotFound(f"exercise {exercise_id!r}", "exercise_id")
    return catalogue.get(exercise_id).as_dict()


@router.post(
    "/screening",
    operation_id="screen",
    response_model=None,
    responses=responses({200: (m.TriagePublic, "The triage.")}, *WRITE_ERRORS),
)
def post_screening(answers: ScreeningBody) -> dict[str, Any]:
    """The red-flag screening (CLINICAL RF-1..RF-5, ES-3) of a complete answers object.

    Nothing is stored. An error names the answer key (`night_sweats`).
    """
    return screen(answers).as_dict()


@router.post(
    "/programme",
    operation_id="start_programme",
    response_model=None,
    responses=responses(
        {
            201: (m.ProgrammePublic, "Started and saved."),
            200: (m.ProgrammePublic, "A referral (`refer: true`): nothing is saved."),
        },
        *WRITE_ERRORS,
    ),
)
def post_programme(
    body: ProgrammeBody,
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    response: Response,
    actor: CurrentActor,
) -> dict[str, Any]:
    """Start a programme from the profile of `plan`, plus an optional `start_date`."""
    profile = dict(body)
    today = app_today(request)
    start = (
        parse_date(profile.pop("start_date"), today, "start_date")
        if "start_date" in profile
        else today
    )
    result = start_programme(db, catalogue, profile, start, actor=actor)
    response.status_code = 201 if result["saved"] else 200
    return result


@router.get(
    "/today",
    operation_id="today",
    response_model=None,
    responses=responses({200: (m.TodayPublic, "What the day holds.")}, 422),
)
async def get_today(
    db: DbDep,
    revision: CurrentRevision,
    person: CurrentPerson,
    day: DayQuery,
    actor: CurrentActor,
) -> Response:
    """What to do on `date` (default today): session, rest, stopped or not-started.

    Answers are cached by the person's data revision, which every write moves on, so
    a repeat costs one small query; it runs on the event loop, skipping the thread hop.
    """
    key = (db.key, revision, day)
    body = TODAY_CACHE.get(key)
    if body is None:
        body = await run_in_threadpool(_render_today, db, person, day, actor)
        TODAY_CACHE.put(key, body)
    return Response(body, media_type="application/json")


def _render_today(db: UnitOfWork, person: int | None, day: dt.date, actor: Actor) -> bytes:
    result = today(db, load_catalogue(), person, day, actor=actor, persist=False)
    return json.dumps(result).encode()


@router.post(
    "/sessions",
    operation_id="record_session",
    response_model=None,
    responses=responses(
        {
            201: (m.SessionPublic, "Recorded."),
            200: (m.SessionPublic, "Recorded before (the same `client_id`): not again."),
        },
        *WRITE_ERRORS,
    ),
)
async def post_session(
    body: SessionBody,
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    person: CurrentPerson,
    actor: CurrentActor,
) -> Response:
    """Record a finished session. The same `client_id` again never makes a duplicate.

    Checked first (a malformed log gets its own 422 at once), then written with
    whatever other sessions arrived at the same time, in one unit of work (group
    commit on SQLite, store/sqlite.py; docs/performance.md).
    """
    result = await sessions.submit_session(
        db, catalogue, person, body, app_today(request), actor=actor
    )
    return Response(
        json.dumps(result).encode(),
        status_code=201 if result["created"] else 200,
        media_type="application/json",
    )


@router.post(
    "/checkins",
    operation_id="record_checkin",
    response_model=None,
    responses=responses({200: (m.CheckinPublic, "Recorded.")}, *WRITE_ERRORS),
)
def post_checkin(
    body: m.CheckinCreate,
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    person: CurrentPerson,
    actor: CurrentActor,
) -> dict[str, Any]:
    """A pain score 0-10 (a programme must exist, else 422 naming `programme`)."""
    return checkins.record_checkin(
        db,
        catalogue,
        started(person),
        body_day(request, body.date),
        body.pain,
        actor=actor,
        morning=body.morning,
        answers=body.answers,
        notes=body.notes,
    )


@router.post(
    "/psfs",
    operation_id="record_psfs",
    response_model=None,
    responses=responses({200: (m.PsfsPublic, "Recorded, with the change.")}, *WRITE_ERRORS),
)
def post_psfs(
    body: m.PsfsCreate, request: Request, db: DbDep, person: CurrentPerson, actor: CurrentActor
) -> dict[str, Any]:
    """PSFS scores (a programme must exist, else 422 naming `programme`)."""
    activities = [a.model_dump() for a in body.activities]
    day = body_day(request, body.date)
    return checkins.record_psfs(db, started(person), day, {"activities": activities}, actor=actor)


@router.post(
    "/clearances",
    operation_id="record_clearance",
    response_model=None,
    responses=responses({200: (m.ClearancePublic, "Recorded.")}, *WRITE_ERRORS),
)
def post_clearance(
    body: m.ClearanceCreate,
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    person: CurrentPerson,
    actor: CurrentActor,
) -> dict[str, Any]:
    """A professional cleared the person after a stop (a programme must exist)."""
    day = body_day(request, body.date)
    return checkins.record_clearance(
        db, catalogue, started(person), day, body.cleared_by, body.answers, actor=actor
    )


@router.get(
    "/history",
    operation_id="history",
    response_model=None,
    responses=responses({200: (m.HistoryPublic, "Everything logged.")}),
)
def get_history(db: DbDep, person: CurrentPerson, actor: CurrentActor) -> dict[str, Any]:
    """Every session, check-in and PSFS score of the current person."""
    return progress.history(db, person, actor=actor)


@router.get(
    "/progress",
    operation_id="progress",
    response_model=None,
    responses=responses({200: (m.ProgressPublic, "The progress.")}, 404, 422),
)
def get_progress(
    db: DbDep, catalogue: CatalogueDep, day: DayQuery, person: CurrentPerson, actor: CurrentActor
) -> dict[str, Any]:
    """Baseline, weekly means, escalations, decisions and adherence up to `date`."""
    try:
        return progress.progress(db, catalogue, person, day, actor=actor)
    except NotStarted:
        raise NotFound("programme", "programme") from None
