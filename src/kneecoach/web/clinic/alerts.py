"""Clinic mode's alerts API (CL-3, issue 13): a physio's own patients' alerts, and
acknowledging one. Physios only (`policy.py`: alerts are clinical data, an admin gets
403); another physio's alert is a 404, like a missing one. docs/alerts.md.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request
from pydantic import BaseModel, Field

from kneecoach.services import alerts, mail
from kneecoach.services.clinic import ID_MAX
from kneecoach.web.clinic.auth import SignedInDep, app_now, origin_of
from kneecoach.web.clinic.routes import WRITES, Body, answers
from kneecoach.web.deps import DbDep

router = APIRouter(prefix="/api/v1", tags=["clinic"])

Urgency = Literal["emergency", "urgent", "soon", "none"]
AlertId = Annotated[int, Path(ge=1, le=ID_MAX, description="An alert's id.")]
StatusQuery = Annotated[
    Literal["open", "all"],
    Query(description="`open`: not yet acknowledged (the default); `all`: every alert."),
]


class AlertPublic(BaseModel):
    alert_id: int
    patient_id: int
    rule: str = Field(
        description="The rule that raised it: RF-1..RF-5, ES-1..ES-3, PM-5, PR-6, CL-2 or CL-3."
    )
    urgency: Urgency
    message: str = Field(description="What happened, with its rule and numbers.")
    numbers: dict[str, Any] = Field(description="The rule's numbers.")
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: int | None = Field(description="The physio's account id.")
    note: str | None
    day: dt.date = Field(description="The patient's day that raised it.")
    mail: Literal["sent", "pending", "none"] = Field(
        description="Its own email (`urgent`, `emergency`): `sent`, or `pending` while "
        "it waits or is retried. `none`: no email of its own (the daily digest)."
    )


class AckCreate(Body):
    note: Annotated[
        str | None, Field(max_length=alerts.NOTE_MAX, description="What you did about it.")
    ] = None


@router.get(
    "/alerts",
    operation_id="list_alerts",
    response_model=list[AlertPublic],
    responses=answers({200: (list[AlertPublic], "Newest first.")}, 403, 422),
)
def list_alerts(
    request: Request, db: DbDep, who: SignedInDep, status: StatusQuery = "open"
) -> list[dict[str, Any]]:
    """The alerts of the physio's own patients (physios only)."""
    return alerts.alerts(
        db, who.actor, status=status, now=app_now(request), origin=origin_of(request)
    )


@router.post(
    "/alerts/{alert_id}/ack",
    operation_id="acknowledge_alert",
    response_model=AlertPublic,
    responses=answers(
        {200: (AlertPublic, "Acknowledged (a second time keeps the first time and note).")},
        404,
        *WRITES,
    ),
)
def acknowledge_alert(
    alert_id: AlertId, body: AckCreate, request: Request, db: DbDep, who: SignedInDep
) -> dict[str, Any]:
    """Acknowledge one of your patients' alerts, with an optional note."""
    return alerts.acknowledge(
        db, who.actor, alert_id, body.note, now=app_now(request), origin=origin_of(request)
    )


def install(app: FastAPI) -> None:
    """Send alert mail from this process, woken as it is queued (with an SMTP URL set)."""
    try:
        mail.serve_in_background(app.state.settings.db_url)
    except Exception:  # a bad mail setting must not stop the clinic: mail waits
        mail.log.exception("alert mail is not sent from this process")
