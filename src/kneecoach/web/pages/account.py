"""Settings (which re-plan, with reasons), download my data, delete my data."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kneecoach.domain.exercises import ACCESS, EQUIPMENT
from kneecoach.services import account, people
from kneecoach.services.uow import UnitOfWork
from kneecoach.services.validation import InvalidInput
from kneecoach.web.deps import CatalogueDep, CurrentActor, CurrentPerson, DbDep
from kneecoach.web.pages.common import (
    ACCESS_NAMES,
    EQUIPMENT_NAMES,
    FormDep,
    field_errors,
    redirect,
    render,
    today,
)
from kneecoach.web.pages.onboarding import whole_number

router = APIRouter(include_in_schema=False)


def _settings_page(
    request: Request,
    db: UnitOfWork,
    person: int | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "settings.html",
        db=db,
        person=person,
        title="Settings",
        values=values,
        errors=errors or {},
        equipment=[(e, EQUIPMENT_NAMES[e]) for e in EQUIPMENT],
        access=[(a, ACCESS_NAMES[a]) for a in ACCESS],
        status_code=status_code,
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_form(
    request: Request, db: DbDep, person_id: CurrentPerson, actor: CurrentActor
) -> Response:
    if person_id is None:
        return redirect("/")
    profile = people.person(db, person_id, actor=actor).profile
    values = {
        "days_per_week": str(profile.get("days_per_week", "")),
        "minutes_per_session": str(profile.get("minutes_per_session", "")),
        "equipment": list(profile.get("equipment", [])),
        "access": list(profile.get("access", [])),
        "units": profile.get("units", "metric"),
    }
    return _settings_page(request, db, person_id, values)


@router.post("/settings", response_class=HTMLResponse)
def settings_post(
    request: Request,
    form: FormDep,
    db: DbDep,
    catalogue: CatalogueDep,
    person: CurrentPerson,
    actor: CurrentActor,
) -> Response:
    if person is None:
        return redirect("/")
    values: dict[str, Any] = {
        "days_per_week": str(form.get("days_per_week", "")),
        "minutes_per_session": str(form.get("minutes_per_session", "")),
        "equipment": [str(v) for v in form.getlist("equipment")],
        "access": [str(v) for v in form.getlist("access")],
        "units": str(form.get("units") or "metric"),
    }
    try:
        changes: dict[str, Any] = {
            "equipment": values["equipment"],
            "access": values["access"],
            "units": values["units"],
        }
        for key in ("days_per_week", "minutes_per_session"):
            number = whole_number(form, key)
            if number is None:
                raise InvalidInput(key, "please fill this in")
            changes[key] = number
        result = account.change_settings(
            db, catalogue, person, changes, today(request), actor=actor
        )
    except InvalidInput as error:
        return _settings_page(request, db, person, values, field_errors(error), status_code=422)
    return redirect("/programme?changed=1" if result["changed"] else "/settings")


@router.get("/export")
def export(request: Request, db: DbDep, person: CurrentPerson, actor: CurrentActor) -> Response:
    if person is None:
        return redirect("/")
    document = account.export_data(db, person, actor=actor)
    name = f"kneecoach-export-{today(request).isoformat()}.json"
    return Response(
        json.dumps(document, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/delete", response_class=HTMLResponse)
def delete_form(request: Request, db: DbDep, person: CurrentPerson) -> Response:
    return render(
        request,
        "delete.html",
        db=db,
        person=person,
        title="Delete my data",
        errors={},
        deleted=False,
    )


@router.post("/delete", response_class=HTMLResponse)
def delete_post(
    request: Request, form: FormDep, db: DbDep, person: CurrentPerson, actor: CurrentActor
) -> Response:
    if form.get("confirm") != "delete":
        return render(
            request,
            "delete.html",
            db=db,
            person=person,
            title="Delete my data",
            errors={"confirm": "Tick the box to confirm that you want to delete everything."},
            deleted=False,
            status_code=422,
        )
    account.delete_everything(db, actor=actor)
    return redirect("/deleted")


@router.get("/deleted", response_class=HTMLResponse)
def deleted(request: Request, db: DbDep, person: CurrentPerson) -> Response:
    return render(
        request,
        "delete.html",
        db=db,
        person=person,
        title="Your data is deleted",
        errors={},
        deleted=True,
    )


Paper = Literal["a4", "letter"]


def _attachment(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/handout.pdf")
def handout_pdf(
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    person: CurrentPerson,
    actor: CurrentActor,
    paper: str = "a4",
) -> Response:
    """The printable programme (same content as `kneecoach handout`)."""
    from kneecoach.reports.current import current
    from kneecoach.reports.pdf import handout_html, render_pdf

    if person is None:
        return redirect("/")
    size: Paper = "letter" if paper == "letter" else "a4"
    day = today(request)
    now = current(db, catalogue, person, day, actor=actor)
    html = handout_html(now, catalogue, paper=size, printed=day)
    return _attachment(render_pdf(html), "application/pdf", f"kneecoach-handout-{day}.pdf")


@router.get("/report.pdf")
def report_pdf(
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    person: CurrentPerson,
    actor: CurrentActor,
    paper: str = "a4",
) -> Response:
    """The progress report for an appointment (same as `kneecoach report`)."""
    from kneecoach.reports.current import current
    from kneecoach.reports.pdf import render_pdf
    from kneecoach.reports.progress_report import report_html

    if person is None:
        return redirect("/")
    size: Paper = "letter" if paper == "letter" else "a4"
    day = today(request)
    now = current(db, catalogue, person, day, actor=actor)
    begin = now.person["start_date"]
    html = report_html(catalogue, now, first=begin, last=max(day, begin), paper=size, printed=day)
    return _attachment(render_pdf(html), "application/pdf", f"kneecoach-report-{day}.pdf")


@router.get("/calendar.ics")
def calendar_file(
    request: Request, db: DbDep, catalogue: CatalogueDep, person: CurrentPerson, actor: CurrentActor
) -> Response:
    """The next six weeks of sessions as calendar events (same as `kneecoach calendar`)."""
    from kneecoach.reports.current import current
    from kneecoach.reports.ical import calendar_ics

    if person is None:
        return redirect("/")
    day = today(request)
    body = calendar_ics(
        current(db, catalogue, person, day, actor=actor),
        catalogue,
        first=day,
        weeks=6,
        at=dt.time(18, 0),
        remind_minutes=30,
        stamp=dt.datetime.now(dt.UTC).replace(microsecond=0),
    )
    return _attachment(body, "text/calendar", "kneecoach-sessions.ics")
