"""Clinic mode's JSON API (issue 12): sign-in, invites, patients, their data, the audit trail.

Who may call what is `policy.py`'s business, checked before these routes run; each
route then calls one service with the signed-in account's actor (the services check
again, and audit). Errors have the API's one shape, `{"detail", "field"}`:

- 401: no live session (`session`); a wrong email, password or code at sign-in, all
  alike (`credentials`);
- 403: a role that may never use the route (`role`);
- 404: a patient outside the actor's scope, or none, alike (`path`); an invite that is
  not valid (`token`); a patient with no programme yet (`programme`);
- 422: bad input (the field);
- 429: too many failed sign-ins, with `Retry-After` in seconds (`email`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from kneecoach.domain.errors import FieldError
from kneecoach.services import audit, auth, clinic, dashboard
from kneecoach.services.audit import Denied, Forbidden
from kneecoach.services.auth import LoginRefused, Throttled
from kneecoach.services.clinic import ID_MAX, ClinicalView, InvalidInvite, NoProgrammeYet
from kneecoach.web.api import models as m
from kneecoach.web.api.models import ErrorPublic
from kneecoach.web.clinic.auth import (
    SignedInDep,
    app_now,
    clear_session_cookie,
    forget,
    origin_of,
    session_token,
    set_session_cookie,
)
from kneecoach.web.dates import DayQuery, app_today
from kneecoach.web.deps import CatalogueDep, DbDep

router = APIRouter(prefix="/api/v1", tags=["clinic"])

ERRORS: dict[int, str] = {
    401: "No live session: sign in first.",
    403: "Your role cannot do this, or a cross-site request: nothing changed.",
    404: "No such patient, or one outside your scope (the two answer alike).",
    413: "The request body is larger than 256 KiB.",
    415: "The API accepts JSON only (`Content-Type: application/json`).",
    421: "The Host header does not name this server.",
    422: "Bad input: `field` names it.",
    429: "Too many failed sign-ins: try again after `Retry-After` seconds.",
}
WRITES = (403, 413, 415, 422)
CSV_INJECTION = ("=", "+", "-", "@", "\t", "\r")
AUDIT_COLUMNS = ("id", "at", "actor_id", "role", "action", "patient_id", "route", "outcome", "ip")
CSV_CONTENT = {"text/csv": {"schema": {"type": "string"}}}
DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})$"
)


def answers(
    ok: dict[int, tuple[Any, str]], *errors: int, headers: dict[int, dict[str, Any]] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The documented answers of one route (401 and 421 always)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code, (model, text) in ok.items():
        out[code] = (
            {"description": text} if model is None else {"model": model, "description": text}
        )
    for code in sorted({401, 421, *errors}):
        out[code] = {"model": ErrorPublic, "description": ERRORS[code]}
    for code, extra in (headers or {}).items():
        out[code]["headers"] = extra
    return out


# --- models ---------------------------------------------------------------------------


class Body(BaseModel):
    """A request body: no unknown keys, no "5" for 5."""

    model_config = ConfigDict(extra="forbid", strict=True)


# No control characters (PostgreSQL's text cannot even hold NUL): 422, never a 500.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"
Email = Annotated[
    str,
    Field(min_length=1, max_length=254, pattern=PRINTABLE, description="An email address."),
]
Password = Annotated[str, Field(min_length=1, max_length=1024)]
AccountId = Annotated[int, Field(ge=1, le=ID_MAX, description="An account id.")]
PatientId = Annotated[int, Path(ge=1, le=ID_MAX, description="A patient id (their person id).")]
Name = Annotated[
    str, Field(min_length=1, max_length=200, pattern=PRINTABLE, description="A person's name.")
]
AccountRole = Literal["admin", "physio", "patient"]


class LoginCreate(Body):
    email: Email
    password: Password
    totp: Annotated[
        str | None,
        Field(
            pattern=r"^[0-9]{6}$",
            description="The 6-digit code of the authenticator app: staff always, a "
            "patient once they have turned it on.",
        ),
    ] = None


class SignedInPublic(BaseModel):
    account_id: int
    role: AccountRole
    clinic_id: int


class MePublic(SignedInPublic):
    name: str
    email: str
    patient_id: int | None = Field(description="A patient's own patient id; null for staff.")
    physio_id: int | None = Field(description="A patient's physio; null for staff.")
    totp_enrolled: bool


class PasswordCreate(Body):
    current_password: Password
    new_password: Annotated[
        str,
        Field(
            min_length=1,
            max_length=1024,
            description="At least 12 characters, not a common password, not containing "
            "your email's name part (checked by the server).",
        ),
    ]


class StaffInviteCreate(Body):
    email: Email
    role: Literal["physio", "admin"]


class InvitePublic(BaseModel):
    invite_token: str = Field(description="Give it only to the invitee: it works once.")
    invite_path: str = Field(description="`/invite/<invite_token>`: the page that accepts it.")
    expires_at: dt.datetime


class InviteInfoPublic(BaseModel):
    clinic_name: str
    email: str
    role: AccountRole
    expires_at: dt.datetime


class AcceptCreate(Body):
    name: Name
    password: Annotated[
        str,
        Field(
            min_length=1,
            max_length=1024,
            description="At least 12 characters, not a common password, not containing "
            "your email's name part (checked by the server).",
        ),
    ]


class AcceptedPublic(SignedInPublic):
    otpauth_uri: str | None = Field(
        description="Staff: the TOTP secret as an otpauth:// URI (the invite page shows "
        "it as a QR code); the first sign-in with a valid code completes enrolment. "
        "Null for patients."
    )


class PatientCreate(Body):
    name: Name
    email: Email
    physio_id: AccountId | None = Field(
        default=None,
        description="The patient's physio: an admin must name one; a physio's new "
        "patient is theirs (leave it out).",
    )


class PatientCreatedPublic(BaseModel):
    patient_id: int
    invite_token: str
    invite_path: str


class AssignCreate(Body):
    physio_id: AccountId


class AssignedPublic(BaseModel):
    patient_id: int
    physio_id: int


DashboardUrgency = Literal["emergency", "urgent", "soon", "none"]
CLINICAL_NOTE = " Null for a patient who is not yours (an admin's view of the clinic)."


class AdherencePublic(BaseModel):
    planned: int | None = Field(
        description="Training days of the 14 ending today, from the start and before a "
        "stop that still stands; null before the course has a stored summary."
    )
    done: int = Field(description="Sessions of the 14 days, not counting any logged while stopped.")


class PatientSummaryPublic(BaseModel):
    patient_id: int
    name: str
    physio_id: int | None
    start_date: dt.date | None = Field(description="Null until they start their programme.")
    signed_up: bool = Field(description="Whether they have accepted their invite.")
    urgency: DashboardUrgency | None = Field(
        description="The highest of what stands today in the course and of the open alerts."
        + CLINICAL_NOTE
    )
    rules: list[str] | None = Field(
        description="The rule ids behind the course's urgency (CLINICAL.md)." + CLINICAL_NOTE
    )
    open_alerts: int | None = Field(description="Alerts not acknowledged yet." + CLINICAL_NOTE)
    programme_week: int | None = Field(
        description="Week 1 is the start date and the 6 days after it." + CLINICAL_NOTE
    )
    last_checkin: dt.date | None = Field(
        description="The last pain score on or before today; null: never." + CLINICAL_NOTE
    )
    weekly_mean: float | None = Field(
        description="Mean pain score (0-10) of the 7 days ending today; null with fewer "
        "than 3 scores." + CLINICAL_NOTE
    )
    baseline: int | None = Field(description="Pain at the start (0-10)." + CLINICAL_NOTE)
    adherence_14d: AdherencePublic | None = Field(description="The last 14 days." + CLINICAL_NOTE)
    days_with_data_30d: int | None = Field(
        description="Days with any check-in or session of the 30 ending today." + CLINICAL_NOTE
    )
    summary_day: dt.date | None = Field(
        description="The day of the stored course summary the row reads." + CLINICAL_NOTE
    )


class PatientPublic(BaseModel):
    patient_id: int
    name: str
    email: str
    physio_id: int | None
    start_date: dt.date | None = Field(description="Null until they start their programme.")


# The actions of services/audit.py (tests/clinic_web/test_api.py keeps the two equal).
AuditAction = Literal[
    "read", "create", "update", "delete", "export", "login", "login-failed", "logout", "denied"
]


class AuditEventPublic(BaseModel):
    id: int
    at: dt.datetime = Field(description="When, in UTC.")
    actor_id: int | None
    role: str | None
    action: AuditAction
    patient_id: int | None = Field(description="The patient acted on, or asked for.")
    route: str | None
    outcome: str
    ip: str | None


class AuditPublic(BaseModel):
    events: list[AuditEventPublic] = Field(description="Newest first.")


# --- signing in -------------------------------------------------------------------------


@router.post(
    "/auth/login",
    operation_id="login",
    response_model=SignedInPublic,
    responses=answers(
        {200: (SignedInPublic, "Signed in: the session cookie is set.")},
        *WRITES,
        429,
        headers={429: {"Retry-After": {"schema": {"type": "integer"}}}},
    ),
)
def login(body: LoginCreate, request: Request, response: Response, db: DbDep) -> dict[str, Any]:
    """Sign in with email, password and (staff) a TOTP code. A wrong email, password or
    code gets the same 401; five failures for one account in 15 minutes, 429."""
    now, origin = app_now(request), origin_of(request)
    done = auth.login(db, body.email, body.password, body.totp, now=now, origin=origin)
    earlier = session_token(request)
    if earlier is not None and earlier != done.token:  # a new sign-in ends the old session
        auth.logout(db, earlier, now=now, origin=origin)
    set_session_cookie(response, done.token, request.app.state.settings)
    forget(request)
    return done.as_dict()


@router.post(
    "/auth/logout",
    operation_id="logout",
    status_code=204,
    response_class=Response,
    responses=answers({204: (None, "Signed out: the session has ended.")}, *WRITES),
)
def logout(request: Request, db: DbDep, who: SignedInDep) -> Response:
    """End this session at once, and clear its cookie."""
    auth.logout(db, session_token(request), now=app_now(request), origin=origin_of(request))
    done = Response(status_code=204)
    clear_session_cookie(done, request.app.state.settings)
    forget(request)
    return done


@router.get(
    "/me",
    operation_id="me",
    response_model=MePublic,
    responses=answers({200: (MePublic, "The signed-in account.")}),
)
def me(who: SignedInDep) -> dict[str, Any]:
    """Who is signed in."""
    return who.me()


@router.post(
    "/auth/password",
    operation_id="change_password",
    status_code=204,
    response_class=Response,
    responses=answers(
        {204: (None, "Changed; every other session of this account has ended.")},
        *WRITES,
        429,
        headers={429: {"Retry-After": {"schema": {"type": "integer"}}}},
    ),
)
def change_password(
    body: PasswordCreate, request: Request, db: DbDep, who: SignedInDep
) -> Response:
    """Change the password (the current one first) and end every other session."""
    try:
        auth.change_password(
            db,
            session_token(request),
            body.current_password,
            body.new_password,
            now=app_now(request),
            origin=origin_of(request),
        )
    except Throttled:
        raise
    except LoginRefused:
        return JSONResponse({"detail": "Sign in first.", "field": "session"}, status_code=401)
    return Response(status_code=204)


class TotpPublic(BaseModel):
    otpauth_uri: str = Field(description="The new TOTP secret as an otpauth:// URI.")
    qr_svg: str = Field(description="The same as an SVG QR code, to show inline.")


@router.post(
    "/auth/totp",
    operation_id="start_totp",
    response_model=TotpPublic,
    responses=answers(
        {200: (TotpPublic, "The new secret: in force from the next sign-in with a code.")},
        *WRITES,
    ),
)
def start_totp(request: Request, db: DbDep, who: SignedInDep) -> dict[str, Any]:
    """Turn 6-digit codes on (patients; staff have them from the start). A new secret
    each time; from the next sign-in a valid code is needed."""
    return auth.start_totp(db, who.actor, now=app_now(request), origin=origin_of(request))


# --- invites --------------------------------------------------------------------------


@router.post(
    "/staff/invites",
    operation_id="invite_staff",
    status_code=201,
    response_model=InvitePublic,
    responses=answers({201: (InvitePublic, "The invite: valid once, for 72 hours.")}, *WRITES),
)
def invite_staff(
    body: StaffInviteCreate, request: Request, db: DbDep, who: SignedInDep
) -> dict[str, Any]:
    """Invite a physio or another admin to this clinic (admins)."""
    made = clinic.invite_staff(
        db, who.actor, body.email, body.role, now=app_now(request), origin=origin_of(request)
    )
    return made.as_dict()


InviteToken = Annotated[str, Path(min_length=1, max_length=200, description="The invite's token.")]


@router.get(
    "/invites/{token}",
    operation_id="invite_info",
    response_model=InviteInfoPublic,
    responses=answers({200: (InviteInfoPublic, "What the invite is for.")}, 404, 422),
)
def invite_info(token: InviteToken, request: Request, db: DbDep) -> dict[str, Any]:
    """The invite behind a token, while it can be accepted (no sign-in needed)."""
    info = clinic.invite_info(db, token, now=app_now(request))
    return {
        "clinic_name": info.clinic_name,
        "email": info.email,
        "role": info.role,
        "expires_at": info.expires_at,
    }


@router.post(
    "/invites/{token}/accept",
    operation_id="accept_invite",
    status_code=201,
    response_model=AcceptedPublic,
    responses=answers({201: (AcceptedPublic, "The account is ready: sign in.")}, 404, *WRITES),
)
def accept_invite(
    token: InviteToken, body: AcceptCreate, request: Request, db: DbDep
) -> dict[str, Any]:
    """Set a name and a password for the invited email (no sign-in needed). The invite is
    then used up; staff get their TOTP secret."""
    done = clinic.accept_invite(
        db, token, body.name, body.password, now=app_now(request), origin=origin_of(request)
    )
    return done.as_dict()


# --- patients ---------------------------------------------------------------------------


@router.post(
    "/patients",
    operation_id="create_patient",
    status_code=201,
    response_model=PatientCreatedPublic,
    responses=answers(
        {201: (PatientCreatedPublic, "The patient and their one-time invite.")}, *WRITES
    ),
)
def create_patient(
    body: PatientCreate, request: Request, db: DbDep, who: SignedInDep
) -> dict[str, Any]:
    """Add a patient (staff): a physio's new patient is theirs; an admin names `physio_id`."""
    made = clinic.create_patient(
        db,
        who.actor,
        body.name,
        body.email,
        body.physio_id,
        now=app_now(request),
        origin=origin_of(request),
    )
    return made.as_dict()


@router.get(
    "/patients",
    operation_id="list_patients",
    response_model=list[PatientSummaryPublic],
    responses=answers(
        {
            200: (
                list[PatientSummaryPublic],
                "By urgency, then open alerts (most first), then last check-in (oldest "
                "first, never first of all), then name and id.",
            )
        },
        403,
    ),
)
def list_patients(request: Request, db: DbDep, who: SignedInDep) -> Response:
    """The dashboard: a physio's own patients, who needs them first; for an admin, every
    patient of the clinic, with clinical fields only for their own (docs/dashboard.md)."""
    body = dashboard.dashboard_encoded(
        db,
        who.actor,
        _dashboard_json,
        today=app_today(request),
        now=app_now(request),
        origin=origin_of(request),
    )
    return Response(body, media_type="application/json")


_DASHBOARD = TypeAdapter(list[PatientSummaryPublic])


def _dashboard_json(rows: list[dict[str, Any]]) -> bytes:
    """The rows checked against the response model and written, once per list."""
    return _DASHBOARD.dump_json(_DASHBOARD.validate_python(rows))


@router.get(
    "/patients/{patient_id}",
    operation_id="get_patient",
    response_model=PatientPublic,
    responses=answers({200: (PatientPublic, "The patient.")}, 403, 404, 422),
)
def get_patient(
    patient_id: PatientId, request: Request, db: DbDep, who: SignedInDep
) -> dict[str, Any]:
    """One patient, for their physio and their clinic's admins."""
    return clinic.get_patient(
        db, who.actor, patient_id, now=app_now(request), origin=origin_of(request)
    )


@router.post(
    "/patients/{patient_id}/assign",
    operation_id="assign_patient",
    response_model=AssignedPublic,
    responses=answers({200: (AssignedPublic, "Assigned.")}, 404, *WRITES),
)
def assign_patient(
    patient_id: PatientId, body: AssignCreate, request: Request, db: DbDep, who: SignedInDep
) -> dict[str, Any]:
    """Give a patient to a physio of the clinic (admins)."""
    return clinic.assign_patient(
        db, who.actor, patient_id, body.physio_id, now=app_now(request), origin=origin_of(request)
    )


def _clinical(
    view: ClinicalView,
    patient_id: int,
    day: dt.date,
    request: Request,
    db: Any,
    catalogue: Any,
    who: auth.SignedIn,
) -> dict[str, Any]:
    return clinic.clinical_read(
        db,
        catalogue,
        who.actor,
        patient_id,
        view,
        day,
        now=app_now(request),
        origin=origin_of(request),
    )


@router.get(
    "/patients/{patient_id}/today",
    operation_id="patient_today",
    response_model=None,
    responses=answers({200: (m.TodayPublic, "What the patient's day holds.")}, 403, 404, 422),
)
def patient_today(
    patient_id: PatientId,
    day: DayQuery,
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    who: SignedInDep,
) -> dict[str, Any]:
    """The patient's `today` (personal mode's shape), for their physio only."""
    return _clinical("today", patient_id, day, request, db, catalogue, who)


@router.get(
    "/patients/{patient_id}/progress",
    operation_id="patient_progress",
    response_model=None,
    responses=answers(
        {200: (m.ProgressPublic, "The patient's progress; 404 `programme` before a start.")},
        403,
        404,
        422,
    ),
)
def patient_progress(
    patient_id: PatientId,
    day: DayQuery,
    request: Request,
    db: DbDep,
    catalogue: CatalogueDep,
    who: SignedInDep,
) -> dict[str, Any]:
    """The patient's progress (personal mode's shape), for their physio only."""
    return _clinical("progress", patient_id, day, request, db, catalogue, who)


@router.get(
    "/patients/{patient_id}/history",
    operation_id="patient_history",
    response_model=None,
    responses=answers({200: (m.HistoryPublic, "Everything the patient logged.")}, 403, 404, 422),
)
def patient_history(
    patient_id: PatientId, request: Request, db: DbDep, catalogue: CatalogueDep, who: SignedInDep
) -> dict[str, Any]:
    """Every session, check-in and PSFS score of the patient, for their physio only."""
    return _clinical("history", patient_id, app_today(request), request, db, catalogue, who)


# --- the audit trail ------------------------------------------------------------------

AuditPatient = Annotated[
    int | None, Query(ge=1, le=ID_MAX, description="Only events about this patient.")
]
AuditActor = Annotated[int | None, Query(ge=1, le=ID_MAX, description="Only this account's.")]
AuditSince = Annotated[
    str | None,
    Query(
        pattern=DATETIME_PATTERN,
        description="Only events at or after this moment (RFC 3339, with its offset).",
    ),
]
AuditLimit = Annotated[
    int, Query(ge=1, le=audit.MAX_LIMIT, description="At most this many events (newest).")
]


def _since(raw: str | None) -> dt.datetime | None:
    if raw is None:
        return None
    try:
        return dt.datetime.fromisoformat(raw)
    except ValueError:
        raise FieldError("since", "Give a moment as 2026-01-31T09:00:00Z.") from None


def _events(
    request: Request,
    db: Any,
    who: auth.SignedIn,
    patient_id: int | None,
    actor_id: int | None,
    since: str | None,
    limit: int,
    *,
    export: bool,
) -> list[dict[str, Any]]:
    return audit.events(
        db,
        who.actor,
        now=app_now(request),
        patient_id=patient_id,
        actor_id=actor_id,
        since=_since(since),
        limit=limit,
        origin=origin_of(request),
        export=export,
    )


@router.get(
    "/audit",
    operation_id="audit_events",
    response_model=AuditPublic,
    responses=answers({200: (AuditPublic, "This clinic's events, newest first.")}, 403, 422),
)
def audit_events(
    request: Request,
    db: DbDep,
    who: SignedInDep,
    patient_id: AuditPatient = None,
    actor_id: AuditActor = None,
    since: AuditSince = None,
    limit: AuditLimit = audit.DEFAULT_LIMIT,
) -> dict[str, Any]:
    """The audit trail of the admin's own clinic (admins)."""
    return {"events": _events(request, db, who, patient_id, actor_id, since, limit, export=False)}


@router.get(
    "/audit.csv",
    operation_id="audit_export",
    response_class=Response,
    responses=answers({200: (None, "The same events as CSV, newest first.")}, 403, 422)
    | {200: {"description": "The events as CSV, newest first.", "content": CSV_CONTENT}},
)
def audit_export(
    request: Request,
    db: DbDep,
    who: SignedInDep,
    patient_id: AuditPatient = None,
    actor_id: AuditActor = None,
    since: AuditSince = None,
    limit: AuditLimit = audit.DEFAULT_LIMIT,
) -> Response:
    """`GET /api/v1/audit` as a CSV download (admins); the export is itself audited. A
    cell that a spreadsheet would read as a formula starts with `'`."""
    found = _events(request, db, who, patient_id, actor_id, since, limit, export=True)
    return Response(
        events_csv(found),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )


def events_csv(events: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(AUDIT_COLUMNS)
    for event in events:
        writer.writerow([safe_cell(event[column]) for column in AUDIT_COLUMNS])
    return out.getvalue()


def safe_cell(value: object) -> str:
    """A CSV cell that no spreadsheet runs as a formula (= + - @ tab CR lead: quoted)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(CSV_INJECTION) else text


# --- errors -----------------------------------------------------------------------------


def install_error_handlers(app: FastAPI) -> None:
    """The clinic's refusals in the API's one error shape."""

    @app.exception_handler(Throttled)
    async def throttled(_: Request, error: Throttled) -> JSONResponse:
        return JSONResponse(
            {"detail": error.message, "field": "email"},
            status_code=429,
            headers={"Retry-After": str(error.retry_after)},
        )

    @app.exception_handler(LoginRefused)
    async def refused(_: Request, error: LoginRefused) -> JSONResponse:
        return JSONResponse({"detail": error.message, "field": "credentials"}, status_code=401)

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, error: Forbidden) -> JSONResponse:
        return JSONResponse({"detail": error.message, "field": "role"}, status_code=403)

    @app.exception_handler(Denied)
    async def hidden(_: Request, error: Denied) -> JSONResponse:
        field = getattr(error, "field", "path")  # a template in a body: `template_id`
        return JSONResponse({"detail": error.message, "field": field}, status_code=404)

    @app.exception_handler(InvalidInvite)
    async def invalid_invite(_: Request, error: InvalidInvite) -> JSONResponse:
        return JSONResponse({"detail": error.message, "field": "token"}, status_code=404)

    @app.exception_handler(NoProgrammeYet)
    async def no_programme(_: Request, error: NoProgrammeYet) -> JSONResponse:
        return JSONResponse(
            {"detail": "This patient has not started a programme yet.", "field": "programme"},
            status_code=404,
        )
