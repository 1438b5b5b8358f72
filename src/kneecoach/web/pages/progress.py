"""Progress: pain trend, adherence, PSFS, and every decision and escalation with its rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kneecoach.charts import pain_chart
from kneecoach.domain.exercises import Catalogue
from kneecoach.domain.planning import TRAINING_DAYS
from kneecoach.domain.trends import Score
from kneecoach.services import checkins, people
from kneecoach.services.actor import Actor
from kneecoach.services.progress import progress
from kneecoach.services.uow import UnitOfWork
from kneecoach.services.validation import InvalidInput
from kneecoach.web.deps import CatalogueDep, CurrentActor, CurrentPerson, DbDep
from kneecoach.web.pages import charts
from kneecoach.web.pages.common import (
    FormDep,
    catalogue_names,
    field_errors,
    redirect,
    render,
    today,
)
from kneecoach.web.pages.onboarding import psfs_field, read_psfs

router = APIRouter(include_in_schema=False)

ACTION_WORDS = {
    "progress": "Made harder",
    "repeat": "Kept the same",
    "regress": "Made easier",
    "pause": "Paused",
}


def _progress_page(
    request: Request,
    db: UnitOfWork,
    catalogue: Catalogue,
    person_id: int | None,
    actor: Actor,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    if person_id is None:
        return redirect("/")
    day = today(request)
    data = progress(db, catalogue, person_id, day, actor=actor)
    person = people.person(db, person_id, actor=actor)
    start = person.start_date
    done = {d for d in people.session_days(db, person_id, actor=actor) if d >= start}
    return render(
        request,
        "progress.html",
        db=db,
        person=person_id,
        title="Progress",
        **progress_parts(data, start, max(day, start), person.parsed.days_per_week, done),
        escalation_history=list(reversed(people.escalations(db, person_id, actor=actor))),
        names=catalogue_names(catalogue),
        errors=errors or {},
        status_code=status_code,
    )


def progress_parts(
    data: Mapping[str, Any],
    start: dt.date,
    end: dt.date,
    days_per_week: int,
    done: Iterable[dt.date],
) -> dict[str, Any]:
    """What the progress page shows of `progress` (personal mode's shape): the pain chart
    with its baseline, 7-day mean and real-change band, the adherence calendar, the PSFS
    chart and the decisions newest first. The staff patient page shows the same parts."""
    daily = data["daily_scores"]
    mornings = [s for s in daily if s["morning"]] or daily
    scores = [
        Score(dt.date.fromisoformat(s["date"]), int(s["pain"]), bool(s["morning"]))
        for s in mornings
    ]
    baseline = int(data["baseline"])
    pain = pain_chart(scores, baseline, start, end)
    psfs = data["psfs"]
    return {
        "data": data,
        "baseline": baseline,
        "need": pain.need,
        "latest_mean": pain.latest_mean,
        "pain_chart": charts.pain_svg(pain),
        "calendar": charts.adherence_calendar(
            start, end, TRAINING_DAYS.get(days_per_week, ()), done
        ),
        "psfs_chart": charts.psfs_chart(
            [(dt.date.fromisoformat(p["date"]), float(p["mean"])) for p in psfs]
        )
        if psfs
        else None,
        "psfs": psfs,
        "decisions": list(reversed(data["decisions"])),
        # CL-1: the versions a physiotherapist prescribed, newest first, with their reasons.
        "prescriptions": [
            v
            for v in reversed(data["versions"])
            if any(str(r).startswith("CL-1: ") for r in v["reasons"])
        ],
        "action_words": ACTION_WORDS,
    }


@router.get("/progress", response_class=HTMLResponse)
def progress_page(
    request: Request, db: DbDep, catalogue: CatalogueDep, person: CurrentPerson, actor: CurrentActor
) -> Response:
    return _progress_page(request, db, catalogue, person, actor)


@router.post("/psfs", response_class=HTMLResponse)
def psfs_post(
    request: Request,
    form: FormDep,
    db: DbDep,
    catalogue: CatalogueDep,
    person: CurrentPerson,
    actor: CurrentActor,
) -> Response:
    """A new PSFS assessment: the same activities, scored again."""
    if person is None:
        return redirect("/")
    try:
        raw = read_psfs(form)
        if raw is None:
            raise InvalidInput("psfs_name_0", "name at least one activity and give it a score")
        checkins.record_psfs(db, person, today(request), raw, actor=actor)
    except InvalidInput as error:
        errors = {psfs_field(k): v for k, v in field_errors(error).items()}
        return _progress_page(request, db, catalogue, person, actor, errors=errors, status_code=422)
    return redirect("/progress#psfs")
