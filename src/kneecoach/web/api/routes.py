"""JSON API under /api/v1: the same shapes as the CLI's --json output (docs/cli.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.exercises import CATEGORIES, EQUIPMENT
from kneecoach.domain.screening import screen
from kneecoach.services import programme as svc
from kneecoach.services.validation import InvalidInput, parse_date, parse_session_log
from kneecoach.store.db import connect, unit_of_work
from kneecoach.store.repository import current_revision
from kneecoach.web.api.batching import batcher_for
from kneecoach.web.cache import TODAY_CACHE
from kneecoach.web.dates import DATE_RULE, DayQuery, IsoDate, app_today, body_day
from kneecoach.web.deps import CatalogueDep, ReadStoreDep, StoreDep
from kneecoach.web.errors import NotFound

router = APIRouter(prefix="/api/v1", tags=["api"])

JsonObject = Annotated[dict[str, Any], Body()]


class CheckinIn(BaseModel):
    """A pain score 0-10, and the safety questions when answered again."""

    model_config = ConfigDict(extra="forbid")
    date: IsoDate | None = Field(default=None, description=f"{DATE_RULE} Default: today.")
    pain: int = Field(ge=0, le=10, description="Pain score 0-10.")
    morning: bool = Field(default=False, description="The score on waking up.")
    answers: dict[str, Any] | None = Field(
        default=None, description="The screening answers object, answered again."
    )
    notes: str | None = Field(default=None, max_length=2000)


class PsfsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: IsoDate | None = Field(default=None, description=f"{DATE_RULE} Default: today.")
    activities: list[dict[str, Any]] = Field(max_length=3)


class ClearanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: IsoDate | None = Field(default=None, description=f"{DATE_RULE} Default: today.")
    cleared_by: str = Field(min_length=1, max_length=200)
    answers: dict[str, Any] | None = None


@router.get("/exercises", operation_id="list_exercises")
def list_exercises(
    catalogue: CatalogueDep,
    category: Annotated[str | None, Query(description=", ".join(CATEGORIES))] = None,
    equipment: Annotated[
        list[str] | None, Query(description="Only what this equipment allows.")
    ] = None,
) -> list[dict[str, Any]]:
    """Every exercise, or one category; with `equipment`, only what that kit allows."""
    if category is not None and category not in CATEGORIES:
        raise InvalidInput("category", f"unknown category {category!r}")
    for item in equipment or []:
        if item not in EQUIPMENT:
            raise InvalidInput("equipment", f"unknown equipment {item!r}")
    entries = [ex for ex in catalogue if category is None or ex.category == category]
    if equipment is not None:
        entries = [ex for ex in entries if ex.needs_met(equipment, ex.access)]
    return [ex.as_dict() for ex in entries]


@router.get("/exercises/{exercise_id}", operation_id="get_exercise")
def get_exercise(exercise_id: str, catalogue: CatalogueDep) -> dict[str, Any]:
    if exercise_id not in catalogue:
        raise NotFound(f"exercise {exercise_id!r}")
    return catalogue.get(exercise_id).as_dict()


@router.post("/screening", operation_id="screen")
def post_screening(answers: JsonObject) -> dict[str, Any]:
    """The red-flag screening (CLINICAL RF-1..RF-5, ES-3) of a complete answers object."""
    return screen(answers).as_dict()


@router.post("/programme", operation_id="start_programme")
def post_programme(
    body: JsonObject,
    request: Request,
    store: StoreDep,
    catalogue: CatalogueDep,
    response: Response,
) -> dict[str, Any]:
    """Start a programme from the profile of `plan`, plus an optional `start_date`."""
    profile = dict(body)
    today = app_today(request)
    start = (
        parse_date(profile.pop("start_date"), today, "start_date")
        if "start_date" in profile
        else today
    )
    result = svc.start_programme(store, catalogue, profile, start)
    response.status_code = 201 if result["saved"] else 200
    return result


@router.get("/today", operation_id="today")
async def get_today(request: Request, day: DayQuery) -> Response:
    """What to do on `date` (default today): session, rest, stopped or not-started.

    Answers are cached by the person's data revision, which every write moves on, so
    a repeat costs one small query; it runs on the event loop, skipping the thread hop.
    """
    engine = connect(request.app.state.settings.db_url)
    key = (str(engine.url), current_revision(engine), day)
    body = TODAY_CACHE.get(key)
    if body is None:
        body = await run_in_threadpool(_render_today, engine, day)
    return Response(body, media_type="application/json")


def _render_today(engine: Engine, day: dt.date) -> bytes:
    with unit_of_work(engine, read_only=True) as store:
        revision = store.current_person_revision()
        body = json.dumps(svc.today(store, load_catalogue(), day, persist=False)).encode()
    TODAY_CACHE.put((str(engine.url), revision, day), body)
    return body


@router.post("/sessions", operation_id="record_session")
async def post_session(
    body: JsonObject, request: Request, catalogue: CatalogueDep, response: Response
) -> Response:
    """Record a finished session. The same `client_id` again never makes a duplicate.

    Checked here (a malformed log gets its own 422 at once), then written with
    whatever other sessions arrived at the same time, in one unit of work (group
    commit: web/api/batching.py, docs/performance.md).
    """
    engine = connect(request.app.state.settings.db_url)
    log = parse_session_log(body, catalogue, app_today(request))
    result = await batcher_for(engine, catalogue).save(log)
    return Response(
        json.dumps(result).encode(),
        status_code=201 if result["created"] else 200,
        media_type="application/json",
    )


@router.post("/checkins", operation_id="record_checkin")
def post_checkin(
    body: CheckinIn, request: Request, store: StoreDep, catalogue: CatalogueDep
) -> dict[str, Any]:
    return svc.record_checkin(
        store,
        catalogue,
        body_day(request, body.date),
        body.pain,
        morning=body.morning,
        answers=body.answers,
        notes=body.notes,
    )


@router.post("/psfs", operation_id="record_psfs")
def post_psfs(body: PsfsIn, request: Request, store: StoreDep) -> dict[str, Any]:
    return svc.record_psfs(store, body_day(request, body.date), {"activities": body.activities})


@router.post("/clearances", operation_id="record_clearance")
def post_clearance(
    body: ClearanceIn, request: Request, store: StoreDep, catalogue: CatalogueDep
) -> dict[str, Any]:
    day = body_day(request, body.date)
    return svc.record_clearance(store, catalogue, day, body.cleared_by, body.answers)


@router.get("/history", operation_id="history")
def get_history(store: ReadStoreDep) -> dict[str, Any]:
    return svc.history(store)


@router.get("/progress", operation_id="progress")
def get_progress(store: StoreDep, catalogue: CatalogueDep, day: DayQuery) -> dict[str, Any]:
    try:
        return svc.progress(store, catalogue, day)
    except svc.NotStarted:
        raise NotFound("programme") from None
