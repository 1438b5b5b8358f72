"""Prescribing (CL-1, CL-2) and the clinic's templates: the JSON API (docs/prescribing.md).

Thin routes: each calls one service of `services/prescribing.py` with the signed-in
account's actor. Who may call them is `policy.py`'s (the patient's physio for the two
patient routes, staff for the templates); the services check again and audit. Errors
have the API's one shape `{"detail", "field"}`: 403 `role`, 404 `path` (a patient outside
the physio's scope), `template_id` (a template of another clinic, or none) or
`programme` (a patient with no programme yet), 422 the field (`slots.2.exercise_id`,
`slots.0.dose.reps`, `override_pr8.reason`, `name`, ...).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidatorFunctionWrapHandler, WrapValidator

from kneecoach.services import prescribing
from kneecoach.services.clinic import ID_MAX
from kneecoach.services.models import DATE_RULE, DoableExerciseId, IsoDate
from kneecoach.web.clinic.auth import SignedInDep, app_now, origin_of
from kneecoach.web.clinic.routes import WRITES, Body, PatientId, answers
from kneecoach.web.dates import app_today
from kneecoach.web.deps import CatalogueDep, DbDep

router = APIRouter(prefix="/api/v1", tags=["clinic"])


def _as_sent(value: Any, handler: ValidatorFunctionWrapHandler) -> str:
    """Any text: the domain's check names the slot and says why an id is refused."""
    checked: str = handler(value)
    return checked


# Documented as the catalogue's exercises to do; an avoid item or an unknown id gets the
# domain's own 422 (`slots.2.exercise_id`: "... on the avoid list").
PrescribedId = Annotated[
    str, Field(max_length=100), WrapValidator(_as_sent, json_schema_input_type=DoableExerciseId)
]
Count = Annotated[int, Field(ge=0, le=10_000)]
Reason = Annotated[
    str, Field(min_length=1, max_length=500, description="Why, in a few words the patient reads.")
]


class DosePut(Body):
    """A dose inside the exercise's own range (`GET /api/v1/exercises/{id}`'s `dose`),
    checked by the server. A part the exercise has and the body leaves out starts at the
    bottom of its range; a part it does not have is refused."""

    sets: Count
    reps: Count | None = None
    hold_seconds: Count | None = None
    minutes: Count | None = None
    load_kg: Annotated[
        float | None,
        Field(ge=0, le=100, description="An ankle weight in 0.5 kg steps, loadable exercises."),
    ] = None


class SlotPut(Body):
    exercise_id: PrescribedId
    dose: DosePut
    locked: bool = Field(
        default=False,
        description="CL-2: the engine never progresses it; pain above 5 still regresses it.",
    )
    note: Annotated[str | None, Field(max_length=300, description="Shown to the patient.")] = None


class OverridePut(Body):
    reason: Reason


class ProgrammePut(Body):
    days_per_week: Annotated[int | None, Field(ge=1, le=7)] = None
    minutes_per_session: Annotated[int | None, Field(ge=10, le=180)] = None
    slots: Annotated[list[SlotPut], Field(min_length=1, max_length=30)]
    reason: Reason
    override_pr8: OverridePut | None = Field(
        default=None,
        description="PR-8: prescribe a stretch that opens the inner knee anyway, and why.",
    )
    date: IsoDate | None = Field(
        default=None,
        description=f"The day it is made. {DATE_RULE} Not before today. Default: today; "
        "in force from the next day.",
    )


class ReasonPublic(BaseModel):
    rule: str | None = Field(description="CL-1 for the prescription, PR-2, PR-8, ...")
    message: str


class PrescribedPublic(BaseModel):
    version: int
    effective_date: dt.date = Field(description="The next day: from then `today` shows it.")
    reasons: list[ReasonPublic] = Field(
        description="The first reads `CL-1: prescribed by <name>: <reason>`."
    )


class TemplateCreate(Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    from_patient_id: Annotated[int, Field(ge=1, le=ID_MAX, description="Your patient.")]


class TemplateDosePublic(BaseModel):
    sets: int
    reps: int | None = None
    hold_seconds: int | None = None
    minutes: int | None = None
    load_kg: float | None = None


class TemplateSlotPublic(BaseModel):
    exercise_id: str
    dose: TemplateDosePublic
    locked: bool
    note: str | None


class TemplateProgrammePublic(BaseModel):
    days_per_week: int | None = None
    minutes_per_session: int | None = None
    slots: list[TemplateSlotPublic]


class TemplatePublic(BaseModel):
    template_id: int
    name: str
    created_by: int | None
    created_at: dt.datetime
    programme: TemplateProgrammePublic = Field(
        description="As `PUT .../programme` takes it, without its reason."
    )


class TemplateApply(Body):
    template_id: Annotated[int, Field(ge=1, le=ID_MAX)]
    reason: Reason


@router.put(
    "/patients/{patient_id}/programme",
    operation_id="prescribe",
    response_model=PrescribedPublic,
    responses=answers(
        {200: (PrescribedPublic, "The new programme version, in force from the next day.")},
        404,
        *WRITES,
    ),
)
def prescribe(
    patient_id: PatientId,
    body: ProgrammePut,
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    who: SignedInDep,
) -> dict[str, Any]:
    """Set the patient's programme (their physio only, CL-1): checked whole, in force from
    the next day; a refusal changes nothing."""
    return prescribing.prescribe(
        db,
        catalogue,
        who.actor,
        patient_id,
        body,
        today=app_today(request),
        now=app_now(request),
        origin=origin_of(request),
    )


@router.post(
    "/patients/{patient_id}/programme/template",
    operation_id="apply_template",
    response_model=PrescribedPublic,
    responses=answers(
        {200: (PrescribedPublic, "The new programme version, in force from the next day.")},
        404,
        *WRITES,
    ),
)
def apply_template(
    patient_id: PatientId,
    body: TemplateApply,
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    who: SignedInDep,
) -> dict[str, Any]:
    """Prescribe one of the clinic's templates, with a reason (the same checks as PUT)."""
    return prescribing.apply_template(
        db,
        catalogue,
        who.actor,
        patient_id,
        body.template_id,
        body.reason,
        today=app_today(request),
        now=app_now(request),
        origin=origin_of(request),
    )


@router.post(
    "/templates",
    operation_id="create_template",
    status_code=201,
    response_model=TemplatePublic,
    responses=answers(
        {201: (TemplatePublic, "The patient's programme, kept for the clinic.")}, 404, *WRITES
    ),
)
def create_template(
    body: TemplateCreate, request: Request, db: DbDep, catalogue: CatalogueDep, who: SignedInDep
) -> dict[str, Any]:
    """Keep one of your patients' programme as a template the clinic shares."""
    return prescribing.create_template(
        db,
        catalogue,
        who.actor,
        body.name,
        body.from_patient_id,
        today=app_today(request),
        now=app_now(request),
        origin=origin_of(request),
    )


@router.get(
    "/templates",
    operation_id="templates",
    response_model=list[TemplatePublic],
    responses=answers({200: (list[TemplatePublic], "The clinic's templates, by name.")}, 403),
)
def list_templates(request: Request, db: DbDep, who: SignedInDep) -> list[dict[str, Any]]:
    """The templates of your clinic (staff)."""
    return prescribing.templates(db, who.actor, now=app_now(request), origin=origin_of(request))
