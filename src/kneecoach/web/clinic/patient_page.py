"""The staff patient page (issue 13, part 4) and its forms and exports.

`GET /patients/{patient_id}` shows a patient's record to their physio and their clinic's
admins; the patient's physio also sees the clinical part: the pain chart, the adherence
calendar and PSFS (the personal progress page's own parts), every decision and programme
change with its rule, the sessions with pain per exercise, the open alerts with an
acknowledge form, the prescription editor, and links to the handout, the progress
report and the FHIR export. Forms post with the CSRF token and redirect back (303);
a refused prescription is shown again with the message next to the field (422).

Every view and export leaves its audit event (docs/patient-page.md).
Who may open each route is in the policy table (web/clinic/policy.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import FormData

from kneecoach import charts
from kneecoach.domain import rules
from kneecoach.domain.errors import FieldError
from kneecoach.domain.exercises import Catalogue, Exercise
from kneecoach.domain.planning import MINUTES_RANGE, Prescription
from kneecoach.domain.wording import describe_dose
from kneecoach.reports.current import for_physio
from kneecoach.services import alerts, prescribing
from kneecoach.services.audit import Denied, Forbidden, NotFound
from kneecoach.services.auth import SignedIn
from kneecoach.services.clinic import ID_MAX, NoProgrammeYet
from kneecoach.services.exports import Export
from kneecoach.services.patient_record import patient_record
from kneecoach.services.uow import UnitOfWork
from kneecoach.web.api.models import ErrorPublic
from kneecoach.web.clinic.auth import OptionalSignedIn, SignedInDep, app_now, origin_of
from kneecoach.web.clinic.pages import (
    NO_STORE,
    _csrf_ok,
    _expired_form,
    _page,
    _refused,
    _see_other,
    _staff_only,
    _whole,
    day_words,
)
from kneecoach.web.dates import app_today
from kneecoach.web.deps import CatalogueDep, DbDep
from kneecoach.web.pages.common import (
    CATEGORY_NAMES,
    FormDep,
    catalogue_names,
    field_errors,
    range_words,
)
from kneecoach.web.pages.progress import progress_parts

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["clinic"])

DOSE_KEYS = ("sets", "reps", "hold_seconds", "minutes", "load_kg")
DOSE_LABELS = {
    "sets": "Sets",
    "reps": "Reps",
    "hold_seconds": "Hold (s)",
    "minutes": "Minutes",
    "load_kg": "Ankle weight (kg)",
}
CATEGORY_ORDER = ("strength", "stretch", "yoga", "aerobic")
SESSIONS_SHOWN = 10
URGENCY_WORDS = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "soon": "Soon",
    "none": "For information",
}
SLOT_FIELD = re.compile(r"^slots\.(\d+)(?:\.(?:dose\.)?(\w+))?")
FHIR_MEDIA = "application/fhir+json"


# --- the page ---------------------------------------------------------------------------


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    request: Request,
    patient_id: str,
    db: DbDep,
    catalogue: CatalogueDep,
    account: OptionalSignedIn,
) -> Response:
    refused = _staff_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    return _patient(request, db, catalogue, account, patient_id)


def _patient(
    request: Request,
    db: UnitOfWork,
    catalogue: Catalogue,
    account: SignedIn,
    patient_id: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    number = _whole(patient_id)
    now, origin = app_now(request), origin_of(request)
    try:
        if number is None:
            raise NotFound()
        found = patient_record(
            db, catalogue, account.actor, number, app_today(request), now=now, origin=origin
        )
    except Forbidden:
        return _refused(request, account)
    except Denied:
        return _page(request, "missing.html", account, title="No such patient", status_code=404)
    patient, clinical = found["patient"], found["clinical"]
    context: dict[str, Any] = {}
    if clinical is not None:
        open_alerts = alerts.alerts_of_patient(
            db, account.actor, number, status="open", now=now, origin=origin
        )
        context = _clinical_context(request, catalogue, clinical, open_alerts, values)
    saved = _iso_day(request.query_params.get("saved"))
    errors = errors or {}
    return _page(
        request,
        "patient.html",
        account,
        title=patient["name"],
        patient=patient,
        clinical=clinical,
        names=catalogue_names(catalogue),
        saved=day_words(saved.isoformat()) if saved else None,
        acknowledged=request.query_params.get("acknowledged") == "1",
        alert_gone=request.query_params.get("alert") == "gone",
        errors=errors,
        rx_errors={k: v for k, v in errors.items() if k != "form" and not k.startswith("alert-")},
        error_exercises={k.split(".")[0] for k in errors if "." in k},
        urgency_words=URGENCY_WORDS,
        minutes_range=MINUTES_RANGE,
        status_code=status,
        **context,
    )


def _iso_day(text: str | None) -> dt.date | None:
    """The day in `?saved=` (the redirect after a prescription), if it is one."""
    try:
        return dt.date.fromisoformat(text or "")
    except ValueError:
        return None


def _clinical_context(
    request: Request,
    catalogue: Catalogue,
    clinical: dict[str, Any],
    open_alerts: list[dict[str, Any]],
    values: dict[str, Any] | None,
) -> dict[str, Any]:
    data = clinical["progress"]
    start = dt.date.fromisoformat(data["start_date"])
    day = app_today(request)
    done = [dt.date.fromisoformat(d) for d in clinical["session_days"]]
    parts = progress_parts(data, start, max(day, start), clinical["days_per_week"], done)
    return {
        **parts,
        "today": clinical["today"],
        "open_alerts": open_alerts,
        "versions": list(reversed(clinical["versions"])),
        "sessions": _sessions(clinical["history"]["sessions"]),
        "session_count": len(clinical["history"]["sessions"]),
        "library": _library(catalogue, clinical, values),
        "programme": values or _programme_values(clinical),
        "category_names": CATEGORY_NAMES,
        "dose_labels": DOSE_LABELS,
    }


def _sessions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest sessions first, each exercise with the pain of each of its sets."""
    shown = []
    for row in reversed(rows[-SESSIONS_SHOWN:]):
        entries = []
        for entry in row.get("entries", []):
            pains = [s.get("pain") for s in entry.get("sets", []) if s.get("pain") is not None]
            entries.append(
                {
                    "exercise_id": entry.get("exercise_id"),
                    "pains": pains,
                    "top": max(pains) if pains else None,
                    "hurt": bool(entry.get("hurt")),
                }
            )
        shown.append({**row, "entries": entries})
    return shown


def _programme_values(clinical: dict[str, Any]) -> dict[str, Any]:
    """The editor's values from the programme as it stands."""
    return {
        "days_per_week": str(clinical["days_per_week"]),
        "minutes_per_session": str(clinical["minutes_per_session"]),
        "reason": "",
        "override_pr8": "",
    }


def _library(
    catalogue: Catalogue, clinical: dict[str, Any], values: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Every exercise a physio may prescribe, each with its range, whether it is in the
    programme, and the values of its dose, lock and note (from the form, after a refusal;
    else from the programme as it stands; else the range's lowest)."""
    current = {s["exercise_id"]: s for s in clinical["slots"] if not s.get("paused")}
    paused = {s["exercise_id"] for s in clinical["slots"] if s.get("paused")}
    out = []
    for exercise in _prescribable(catalogue):
        slot = current.get(exercise.id)
        if values is not None:
            chosen = exercise.id in values.get("chosen", ())
            field = values.get("slots", {}).get(exercise.id, {})
        else:
            chosen = slot is not None
            field = _slot_values(slot)
        out.append(
            {
                "exercise": exercise,
                "range": range_words(exercise),
                "fields": _dose_fields(exercise, field),
                "chosen": chosen,
                "locked": bool(field.get("locked")),
                "note": field.get("note") or "",
                "paused": exercise.id in paused,
                "now": describe_dose(_dose_of(slot), "metric") if slot else None,
            }
        )
    return out


def _prescribable(catalogue: Catalogue) -> list[Exercise]:
    exercises = [e for e in catalogue if e.category != "avoid" and e.dose is not None]
    return sorted(exercises, key=lambda e: (CATEGORY_ORDER.index(e.category), e.name))


def _slot_values(slot: dict[str, Any] | None) -> dict[str, Any]:
    if slot is None:
        return {}
    dose = slot["dose"]
    return {
        **{key: "" if dose.get(key) is None else _text(dose[key]) for key in DOSE_KEYS},
        "locked": bool(slot.get("locked")),
        "note": slot.get("note") or "",
    }


def _dose_of(slot: dict[str, Any]) -> Prescription:
    return Prescription.from_dict(slot["dose"])


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _dose_fields(exercise: Exercise, values: dict[str, Any]) -> list[dict[str, Any]]:
    """The number inputs of an exercise's dose: min, max and step from its own range."""
    dose = exercise.dose
    assert dose is not None
    ranges = {
        "sets": dose.sets,
        "reps": dose.reps,
        "hold_seconds": dose.hold_seconds,
        "minutes": dose.minutes,
    }
    fields = []
    for key, span in ranges.items():
        if span is None:
            continue
        value = values.get(key)
        fields.append(
            {
                "key": key,
                "min": span.min,
                "max": span.max,
                "step": 1,
                "value": str(span.min) if value in (None, "") and not values else value or "",
                "span": str(span.min) if span.min == span.max else f"{span.min}-{span.max}",
            }
        )
    if exercise.loadable:  # none, or PR-2's steps up to its heaviest
        low, high = rules.PR2_LOAD_STEP_KG, rules.PR2_LOAD_MAX_KG
        fields.append(
            {
                "key": "load_kg",
                "min": low,
                "max": high,
                "step": low,
                "value": values.get("load_kg") or "",
                "span": f"{charts.number(low)}-{charts.number(high)}",
            }
        )
    return fields


# --- prescribing ------------------------------------------------------------------------


@router.post("/patients/{patient_id}/programme", response_class=HTMLResponse)
def programme_post(
    request: Request,
    patient_id: str,
    form: FormDep,
    db: DbDep,
    catalogue: CatalogueDep,
    account: OptionalSignedIn,
) -> Response:
    """The prescription editor's form: `prescribing.prescribe`, then back to the page."""
    refused = _staff_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    values, body, chosen = _read_prescription(form, catalogue)
    if not _csrf_ok(request, form):
        return _patient(
            request,
            db,
            catalogue,
            account,
            patient_id,
            values=values,
            errors=_expired_form(),
            status=403,
        )
    number = _whole(patient_id)
    try:
        if number is None:
            raise NotFound()
        made = prescribing.prescribe(
            db,
            catalogue,
            account.actor,
            number,
            body,
            today=app_today(request),
            now=app_now(request),
            origin=origin_of(request),
        )
    except FieldError as error:
        errors = {_form_field(error.field, chosen): field_errors(error).popitem()[1]}
        return _patient(
            request, db, catalogue, account, patient_id, values=values, errors=errors, status=422
        )
    except NoProgrammeYet:
        errors = {"form": "This patient has not started a programme yet."}
        return _patient(
            request, db, catalogue, account, patient_id, values=values, errors=errors, status=422
        )
    except Forbidden:
        return _refused(request, account)
    except Denied:
        return _page(request, "missing.html", account, title="No such patient", status_code=404)
    return _see_other(f"/patients/{number}?saved={made['effective_date']}#prescription")


def _read_prescription(
    form: FormData, catalogue: Catalogue
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(the form's values as typed, the body for `prescribe`, the chosen exercise ids in
    the order of the body's slots)."""
    chosen = [e.id for e in _prescribable(catalogue) if form.get(f"use-{e.id}")]
    slots_values: dict[str, dict[str, Any]] = {}
    slots = []
    for exercise in _prescribable(catalogue):
        typed: dict[str, Any] = {
            key: str(form.get(f"{exercise.id}.{key}", "")).strip() for key in DOSE_KEYS
        }
        typed["note"] = str(form.get(f"{exercise.id}.note", ""))
        typed["locked"] = bool(form.get(f"{exercise.id}.locked"))
        slots_values[exercise.id] = typed
        if exercise.id not in chosen:
            continue
        dose = {key: _number(typed[key]) for key in DOSE_KEYS if typed[key]}
        slot: dict[str, Any] = {"exercise_id": exercise.id, "dose": dose}
        if typed["locked"]:
            slot["locked"] = True
        if typed["note"].strip():
            slot["note"] = typed["note"]
        slots.append(slot)
    values = {
        key: str(form.get(key, ""))
        for key in ("days_per_week", "minutes_per_session", "reason", "override_pr8")
    }
    body: dict[str, Any] = {"slots": slots, "reason": values["reason"]}
    for key in ("days_per_week", "minutes_per_session"):
        if values[key].strip():
            body[key] = _number(values[key].strip())
    if values["override_pr8"].strip():
        body["override_pr8"] = {"reason": values["override_pr8"]}
    return {**values, "chosen": chosen, "slots": slots_values}, body, chosen


def _number(text: str) -> int | float | str:
    """A whole number, a decimal (ankle weights), or the text as typed for the service
    to refuse by name."""
    if re.fullmatch(r"[0-9]{1,6}", text):
        return int(text)
    if re.fullmatch(r"[0-9]{1,4}[.,][0-9]{1,3}", text):
        return float(text.replace(",", "."))
    return text


def _form_field(field: str, chosen: list[str]) -> str:
    """The form field a FieldError of `prescribe` names: `slots.2.dose.reps` is the reps
    of the third chosen exercise (`bridge.reps`); `override_pr8.reason`, the override."""
    found = SLOT_FIELD.match(field)
    if found:
        index, part = int(found.group(1)), found.group(2) or "exercise_id"
        if index < len(chosen):
            return f"{chosen[index]}.{'use' if part == 'exercise_id' else part}"
        return "slots"
    if field.startswith("override_pr8"):
        return "override_pr8"
    if field in ("days_per_week", "minutes_per_session", "reason", "slots"):
        return field
    return "form"


# --- alerts -----------------------------------------------------------------------------


@router.post("/patients/{patient_id}/alerts/{alert_id}/ack", response_class=HTMLResponse)
def alert_ack_post(
    request: Request,
    patient_id: str,
    alert_id: str,
    form: FormDep,
    db: DbDep,
    catalogue: CatalogueDep,
    account: OptionalSignedIn,
) -> Response:
    """Acknowledge one of the patient's alerts with a note, then back to the page."""
    refused = _staff_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    note = str(form.get("note", ""))
    number, alert_number = _whole(patient_id), _whole(alert_id)
    if not _csrf_ok(request, form):
        return _patient(
            request, db, catalogue, account, patient_id, errors=_expired_form(), status=403
        )
    if number is None:
        return _page(request, "missing.html", account, title="No such patient", status_code=404)
    now, origin = app_now(request), origin_of(request)
    theirs = alerts.alerts_of_patient(
        db, account.actor, number, status="all", now=now, origin=origin
    )
    if alert_number is None or alert_number not in {a["alert_id"] for a in theirs}:
        return _see_other(f"/patients/{number}?alert=gone#alerts")
    try:
        alerts.acknowledge(db, account.actor, alert_number, note, now=now, origin=origin)
    except FieldError as error:
        errors = {f"alert-{alert_number}": field_errors(error).popitem()[1]}
        return _patient(request, db, catalogue, account, patient_id, errors=errors, status=422)
    return _see_other(f"/patients/{number}?acknowledged=1#alerts")


# --- exports ----------------------------------------------------------------------------


@router.get("/patients/{patient_id}/handout.pdf")
def handout_pdf(
    request: Request,
    patient_id: str,
    db: DbDep,
    catalogue: CatalogueDep,
    account: OptionalSignedIn,
    paper: str = "a4",
) -> Response:
    """The patient's printable programme, as they print it themselves."""
    from kneecoach.reports.pdf import handout_html, render_pdf

    found = _export(request, db, catalogue, account, patient_id, "handout")
    if isinstance(found, Response):
        return found
    now, _, day = found
    html = handout_html(now, catalogue, paper=_paper(paper), printed=day)
    return _attachment(render_pdf(html), "application/pdf", f"kneecoach-handout-{day}.pdf")


@router.get("/patients/{patient_id}/report.pdf")
def report_pdf(
    request: Request,
    patient_id: str,
    db: DbDep,
    catalogue: CatalogueDep,
    account: OptionalSignedIn,
    paper: str = "a4",
) -> Response:
    """The patient's progress report since their start, for an appointment."""
    from kneecoach.reports.pdf import render_pdf
    from kneecoach.reports.progress_report import report_html

    found = _export(request, db, catalogue, account, patient_id, "report")
    if isinstance(found, Response):
        return found
    now, _, day = found
    begin = now.person["start_date"]
    html = report_html(
        catalogue, now, first=begin, last=max(day, begin), paper=_paper(paper), printed=day
    )
    return _attachment(render_pdf(html), "application/pdf", f"kneecoach-report-{day}.pdf")


@router.get("/patients/{patient_id}/fhir.json")
def fhir_file(
    request: Request,
    patient_id: str,
    db: DbDep,
    catalogue: CatalogueDep,
    account: OptionalSignedIn,
) -> Response:
    """The patient's data as a FHIR R4 Bundle, to download."""
    found = _export(request, db, catalogue, account, patient_id, "fhir")
    if isinstance(found, Response):
        return found
    now, document, day = found
    body = json.dumps(_bundle(document, now, catalogue), indent=2, ensure_ascii=False)
    return _attachment(body.encode("utf-8"), FHIR_MEDIA, f"kneecoach-fhir-{day}.json")


def _export(
    request: Request,
    db: UnitOfWork,
    catalogue: Catalogue,
    account: SignedIn | None,
    patient_id: str,
    kind: Export,
) -> tuple[Any, dict[str, Any], dt.date] | Response:
    refused = _staff_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    number, day = _whole(patient_id), app_today(request)
    try:
        if number is None:
            raise NotFound()
        now, document = for_physio(
            db,
            catalogue,
            account.actor,
            number,
            day,
            kind,
            now=app_now(request),
            origin=origin_of(request),
        )
    except NoProgrammeYet:
        return _see_other(f"/patients/{number}")
    except Forbidden:
        return _refused(request, account)
    except Denied:
        return _page(request, "missing.html", account, title="No such patient", status_code=404)
    return now, document, day


def _bundle(document: dict[str, Any], now: Any, catalogue: Catalogue) -> dict[str, Any]:
    from kneecoach.reports.fhir import fhir_bundle, validate_bundle

    bundle = fhir_bundle(document, now, catalogue)
    validate_bundle(bundle)
    return bundle


def _paper(paper: str) -> Any:
    return "letter" if paper == "letter" else "a4"


def _attachment(body: bytes, media_type: str, name: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE},
    )


# --- the API's FHIR export --------------------------------------------------------------

PatientId = Annotated[int, Path(ge=1, le=ID_MAX, description="A patient id (their person id).")]
FHIR_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The patient's data as a FHIR R4 collection Bundle: Patient, CarePlan, "
        "Observations (pain scores), QuestionnaireResponses (screening, PSFS) and one "
        "ServiceRequest (SNOMED CT 229065009, exercise therapy) per prescription.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    **{
        code: {"model": ErrorPublic, "description": text}
        for code, text in {
            401: "No live session: sign in first.",
            403: "Only the patient's physio exports their data.",
            404: "No such patient, or one outside your scope; or no programme yet (`programme`).",
            421: "The Host header does not name this server.",
            422: "Bad input: `field` names it.",
        }.items()
    },
}


@api.get(
    "/patients/{patient_id}/fhir",
    operation_id="patient_fhir",
    response_class=JSONResponse,
    responses=FHIR_ANSWERS,
)
def patient_fhir(
    patient_id: PatientId, request: Request, db: DbDep, catalogue: CatalogueDep, who: SignedInDep
) -> JSONResponse:
    """The patient's data as a FHIR R4 Bundle, for their physio only (one `export` event)."""
    now, document = for_physio(
        db,
        catalogue,
        who.actor,
        patient_id,
        app_today(request),
        "fhir",
        now=app_now(request),
        origin=origin_of(request),
    )
    return JSONResponse(_bundle(document, now, catalogue), headers=NO_STORE)


router.include_router(api)
