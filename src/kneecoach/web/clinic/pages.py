"""Clinic mode's own pages: sign in, accept an invite (and set up the 6-digit code),
patients, and for admins staff and invites, assignments and the audit trail.

Every page is server-rendered, phone-sized first, and sent with `Cache-Control: no-store`
(they hold names, emails and patients' records). Forms post with the CSRF token and
redirect (303) after a change; a problem is shown next to the field it names.

An invite link (`/invite/<token>`) moves its token into a short-lived HttpOnly cookie and
redirects to `/invite` at once, so no token stays in the address bar or the history. Staff
see their TOTP secret (QR code and text) on `/enrol` after accepting; it is kept in an
HttpOnly cookie for that page only, until their first sign-in with a valid code.

Who may open each page is in the one policy table (web/clinic/policy.py); the gate checks
it before a page runs and renders its refusals with `refusal_page`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from kneecoach.domain.errors import FieldError
from kneecoach.services import audit, auth, clinic
from kneecoach.services.audit import Denied, Forbidden, Origin
from kneecoach.services.auth import LoginRefused, SignedIn, Throttled
from kneecoach.services.clinic import InvalidInvite
from kneecoach.services.uow import UnitOfWork
from kneecoach.web.clinic.auth import (
    CSRF_FIELD,
    OptionalSignedIn,
    app_now,
    check_csrf,
    clear_session_cookie,
    csrf_token,
    origin_of,
    session_token,
    set_session_cookie,
)
from kneecoach.web.deps import DbDep
from kneecoach.web.pages.common import TEMPLATES, FormDep, field_errors

router = APIRouter(include_in_schema=False)

INVITE_COOKIE = "kc_invite"
ENROL_COOKIE = "kc_enrol"
INVITE_COOKIE_SECONDS = 60 * 60
ENROL_COOKIE_SECONDS = 30 * 60
AUDIT_PAGE_LIMIT = 50
AUDIT_CSV_LIMIT = audit.DEFAULT_LIMIT  # GET /api/v1/audit.csv
ROLE_NAMES = {"admin": "Admin", "physio": "Physio", "patient": "Patient"}
ACTION_NAMES = {
    "read": "Read",
    "create": "Created",
    "update": "Changed",
    "delete": "Deleted",
    "export": "Exported",
    "login": "Signed in",
    "login-failed": "Sign-in refused",
    "logout": "Signed out",
    "denied": "Refused",
}
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


# --- template helpers -------------------------------------------------------------------


def clinic_account(request: Request) -> SignedIn | None:
    """The account the gate found for this request (personal-mode pages show a patient
    their name and a sign-out button with it)."""
    found = getattr(request.state, "signed_in", None)
    return found if isinstance(found, SignedIn) else None


def day_words(value: str | None) -> str:
    """An ISO date, or a moment that starts with one, as "8 Dec 2025"."""
    if not value:
        return ""
    try:
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return value
    return f"{day.day} {day:%b %Y}"


def moment_words(value: str | None, seconds: bool = False) -> str:
    """An ISO moment in UTC as "4 Dec 2026, 16:15 UTC" (or 16:15:07)."""
    if not value:
        return ""
    return f"{day_words(value)}, {value[11 : 19 if seconds else 16]} UTC"


# The personal pages' base.html shows a signed-in patient their name and "Sign out".
TEMPLATES.env.globals["clinic_account"] = clinic_account
TEMPLATES.env.globals["clinic_csrf"] = csrf_token
TEMPLATES.env.filters["day_words"] = day_words
TEMPLATES.env.filters["moment_words"] = moment_words


# --- rendering --------------------------------------------------------------------------


def _page(
    request: Request,
    name: str,
    account: SignedIn | None,
    *,
    title: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(
        request,
        f"clinic/{name}",
        {
            "title": title,
            "account": account,
            "nav": _nav(account),
            "path": request.url.path,
            "role_names": ROLE_NAMES,
            "csrf_token": csrf_token(request),
            "errors": {},
            "values": {},
            **context,
        },
        status_code=status_code,
    )
    response.headers.update(NO_STORE)
    return response


def _nav(account: SignedIn | None) -> list[tuple[str, str]]:
    if account is None or account.role == "patient":
        return []
    if account.role == "physio":
        return [("/clinic", "Dashboard"), ("/patients", "My patients")]
    return [
        ("/clinic", "Dashboard"),
        ("/patients", "Patients"),
        ("/staff", "Staff"),
        ("/assignments", "Assign"),
        ("/audit", "Audit"),
    ]


def _see_other(url: str) -> RedirectResponse:
    response = RedirectResponse(url, status_code=303)
    response.headers.update(NO_STORE)
    return response


def _now(request: Request) -> dt.datetime:
    return app_now(request)


def _origin(request: Request) -> Origin:
    return origin_of(request)


def _secure(request: Request) -> bool:
    return bool(getattr(request.app.state.settings, "secure", False))


def _csrf_ok(request: Request, form: Any) -> bool:
    """Whether a signed-in form carries this session's CSRF token. Forms shown before
    sign-in have none (web/clinic/auth.py): the Origin check and SameSite cover them."""
    try:
        check_csrf(request, form.get(CSRF_FIELD))
    except HTTPException:
        return False
    return True


def _home(account: SignedIn, *, first_time: bool = False) -> str:
    """Where an account lands after signing in: a patient at their day, a physio at the
    dashboard (who needs them first), an admin, and new staff, at the patient list."""
    if account.role == "patient":
        return "/"
    return "/clinic" if account.role == "physio" and not first_time else "/patients"


def _staff_only(request: Request, account: SignedIn | None) -> Response | None:
    """A redirect to sign in, a 403 page for a patient, or None for staff."""
    if account is None:
        return _see_other("/login")
    if account.role == "patient":
        return _refused(request, account)
    return None


def _admin_only(request: Request, account: SignedIn | None) -> Response | None:
    refused = _staff_only(request, account)
    if refused is None and account is not None and account.role != "admin":
        return _refused(request, account)
    return refused


def refusal_page(request: Request, status: int) -> HTMLResponse:
    """The page for a refusal the gate makes before a page runs (403: not for this role;
    404: no such patient in the actor's scope), with the navigation and sign-out button,
    for `ClinicGate` to send instead of its plain one."""
    account = clinic_account(request)
    if status == 404:
        return _page(request, "missing.html", account, title="No such patient", status_code=404)
    return _page(request, "refused.html", account, title="Not for your account", status_code=403)


def _refused(request: Request, account: SignedIn) -> HTMLResponse:
    return _page(request, "refused.html", account, title="Not for your account", status_code=403)


def _link(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


# --- sign in and out --------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, db: DbDep, account: OptionalSignedIn) -> Response:
    if account is not None:
        return _see_other(_home(account))
    notice = "You are signed out." if request.query_params.get("out") == "1" else None
    return _page(request, "login.html", None, title="Sign in", notice=notice)


@router.post("/login", response_class=HTMLResponse)
def login_post(request: Request, form: FormDep, db: DbDep) -> Response:
    values = {"email": str(form.get("email", ""))}
    try:
        done = _sign_in(request, db, form)
    except LoginRefused as refused:
        status = 429 if isinstance(refused, Throttled) else 401
        response = _page(
            request,
            "login.html",
            None,
            title="Sign in",
            values=values,
            errors={"password": refused.message},
            status_code=status,
        )
        if isinstance(refused, Throttled):
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    except FieldError as error:
        return _page(
            request,
            "login.html",
            None,
            title="Sign in",
            values=values,
            errors=field_errors(error),
            status_code=422,
        )
    signed_in = _see_other(_home(done.account))
    set_session_cookie(signed_in, done.token, request.app.state.settings)
    return signed_in


def _sign_in(request: Request, db: UnitOfWork, form: Any) -> auth.Login:
    totp = str(form.get("totp", "")).strip() or None
    return auth.login(
        db,
        str(form.get("email", "")),
        str(form.get("password", "")),
        totp,
        now=_now(request),
        origin=_origin(request),
    )


def _expired_form() -> dict[str, str]:
    return {"form": "This form was open too long. Please try again."}


@router.post("/logout")
def logout(request: Request, form: FormDep, db: DbDep) -> Response:
    if _csrf_ok(request, form):
        auth.logout(db, session_token(request), now=_now(request), origin=_origin(request))
    response = _see_other("/login?out=1")
    clear_session_cookie(response, request.app.state.settings)
    return response


# --- invites ----------------------------------------------------------------------------


@router.get("/invite/{token}")
def invite_link(request: Request, token: str) -> Response:
    """The link from the invite: keep its token in a cookie, show a clean address."""
    response = _see_other("/invite")
    response.set_cookie(
        INVITE_COOKIE,
        token,
        max_age=INVITE_COOKIE_SECONDS,
        path="/invite",
        httponly=True,
        samesite="lax",  # the link is opened from an email: a cross-site navigation
        secure=_secure(request),
    )
    return response


@router.get("/invite", response_class=HTMLResponse)
def invite_form(request: Request, db: DbDep) -> Response:
    try:
        info = clinic.invite_info(db, request.cookies.get(INVITE_COOKIE), now=_now(request))
    except InvalidInvite as error:
        return _invalid_invite(request, error)
    return _page(request, "invite.html", None, title="Set up your account", invite=info)


@router.post("/invite", response_class=HTMLResponse)
def invite_post(request: Request, form: FormDep, db: DbDep) -> Response:
    token = request.cookies.get(INVITE_COOKIE)
    values = {"name": str(form.get("name", ""))}
    now = _now(request)
    try:
        info = clinic.invite_info(db, token, now=now)
    except InvalidInvite as error:
        return _invalid_invite(request, error)
    password = str(form.get("password", ""))
    try:
        accepted = clinic.accept_invite(
            db, token, values["name"], password, now=now, origin=_origin(request)
        )
    except InvalidInvite as error:
        return _invalid_invite(request, error)
    except FieldError as error:
        return _invite_again(request, info, values, field_errors(error), 422)
    if accepted.otpauth_uri is None:  # a patient: no code needed, signed in at once
        done = auth.login(db, info.email, password, now=now, origin=_origin(request))
        response = _see_other("/")
        set_session_cookie(response, done.token, request.app.state.settings)
    else:
        response = _see_other("/enrol")
        response.set_cookie(
            ENROL_COOKIE,
            _pack(accepted.otpauth_uri),
            max_age=ENROL_COOKIE_SECONDS,
            path="/enrol",
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
    response.delete_cookie(INVITE_COOKIE, path="/invite")
    return response


def _invite_again(
    request: Request,
    info: clinic.InviteInfo,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int,
) -> HTMLResponse:
    return _page(
        request,
        "invite.html",
        None,
        title="Set up your account",
        invite=info,
        values=values,
        errors=errors,
        status_code=status_code,
    )


def _invalid_invite(request: Request, error: InvalidInvite) -> HTMLResponse:
    response = _page(
        request, "invite.html", None, title="Invite link", invalid=error.message, status_code=404
    )
    response.delete_cookie(INVITE_COOKIE, path="/invite")
    return response


# --- the 6-digit code (staff) -----------------------------------------------------------


@router.get("/enrol", response_class=HTMLResponse)
def enrol_page(request: Request) -> Response:
    uri = _unpack(request.cookies.get(ENROL_COOKIE))
    if uri is None:
        return _see_other("/login")
    return _enrol(request, uri, {})


@router.post("/enrol", response_class=HTMLResponse)
def enrol_post(request: Request, form: FormDep, db: DbDep) -> Response:
    """Sign in with the new code; the first valid code completes the enrolment."""
    uri = _unpack(request.cookies.get(ENROL_COOKIE))
    if uri is None:
        return _see_other("/login")
    email = _uri_email(uri)
    try:
        done = auth.login(
            db,
            email,
            str(form.get("password", "")),
            str(form.get("totp", "")).strip(),
            now=_now(request),
            origin=_origin(request),
        )
    except LoginRefused as refused:
        status = 429 if isinstance(refused, Throttled) else 401
        message = refused.message
        if not isinstance(refused, Throttled):
            message = "The password or the code is not right. Check both and try again."
        return _enrol(request, uri, {"totp": message}, status)
    except FieldError as error:
        return _enrol(request, uri, field_errors(error), 422)
    response = _see_other(_home(done.account, first_time=True))  # to add their patients
    set_session_cookie(response, done.token, request.app.state.settings)
    response.delete_cookie(ENROL_COOKIE, path="/enrol")
    return response


def _enrol(
    request: Request, uri: str, errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    secret = _uri_secret(uri)
    groups = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return _page(
        request,
        "enrol.html",
        None,
        title="Set up your code",
        qr_svg=_scalable(auth.qr_svg(uri)),
        secret_groups=groups,
        email=_uri_email(uri),
        errors=errors,
        status_code=status_code,
    )


def _scalable(svg: str) -> str:
    """The QR code's SVG with a viewBox, so CSS can size it to the screen."""
    size = re.match(r'<svg[^>]* width="(\d+)" height="(\d+)"', svg)
    if size is None or "viewBox" in svg:
        return svg
    width, height = size.groups()
    return svg.replace("<svg ", f'<svg viewBox="0 0 {width} {height}" role="img" ', 1)


def _pack(uri: str) -> str:
    return base64.urlsafe_b64encode(uri.encode("utf-8")).decode("ascii")


def _unpack(value: str | None) -> str | None:
    if not value:
        return None
    try:
        uri = base64.urlsafe_b64decode(value.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    return uri if uri.startswith("otpauth://totp/") and _uri_secret(uri) else None


def _uri_secret(uri: str) -> str:
    import pyotp

    try:
        return str(pyotp.parse_uri(uri).secret)
    except ValueError:
        return ""


def _uri_email(uri: str) -> str:
    import pyotp

    return str(pyotp.parse_uri(uri).name)


# --- patients ---------------------------------------------------------------------------


@router.get("/patients", response_class=HTMLResponse)
def patients_page(request: Request, db: DbDep, account: OptionalSignedIn) -> Response:
    refused = _staff_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    return _patients(request, db, account)


@router.post("/patients", response_class=HTMLResponse)
def patients_post(
    request: Request, form: FormDep, db: DbDep, account: OptionalSignedIn
) -> Response:
    refused = _staff_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    values = {key: str(form.get(key, "")) for key in ("name", "email", "physio_id")}
    if not _csrf_ok(request, form):
        return _patients(request, db, account, values=values, errors=_expired_form(), status=403)
    physio_id = _whole(values["physio_id"]) if account.role == "admin" else None
    try:
        made = clinic.create_patient(
            db,
            account.actor,
            values["name"],
            values["email"],
            physio_id,
            now=_now(request),
            origin=_origin(request),
        )
    except FieldError as error:
        return _patients(
            request, db, account, values=values, errors=field_errors(error), status=422
        )
    except Forbidden:
        return _refused(request, account)
    created = {
        "name": " ".join(values["name"].split()),
        "link": _link(request, made.invite.invite_path),
    }
    return _patients(request, db, account, created=created, status=201)


def _patients(
    request: Request,
    db: UnitOfWork,
    account: SignedIn,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    created: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    now, origin = _now(request), _origin(request)
    patients = clinic.list_patients(db, account.actor, now=now, origin=origin)
    physios: list[dict[str, Any]] = []
    if account.role == "admin":
        physios = clinic.staff(db, account.actor, now=now, origin=origin)
    title = "Patients" if account.role == "admin" else "My patients"
    return _page(
        request,
        "patients.html",
        account,
        title=title,
        patients=patients,
        physios=physios,
        physio_names={s["account_id"]: s["name"] for s in physios},
        values=values or {},
        errors=errors or {},
        created=created,
        status_code=status,
    )


# --- staff and invites (admins) ---------------------------------------------------------


@router.get("/staff", response_class=HTMLResponse)
def staff_page(request: Request, db: DbDep, account: OptionalSignedIn) -> Response:
    refused = _admin_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    return _staff(request, db, account)


@router.post("/staff", response_class=HTMLResponse)
def staff_post(request: Request, form: FormDep, db: DbDep, account: OptionalSignedIn) -> Response:
    refused = _admin_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    values = {"email": str(form.get("email", "")), "role": str(form.get("role", ""))}
    if not _csrf_ok(request, form):
        return _staff(request, db, account, values=values, errors=_expired_form(), status=403)
    try:
        invite = clinic.invite_staff(
            db,
            account.actor,
            values["email"],
            values["role"],
            now=_now(request),
            origin=_origin(request),
        )
    except FieldError as error:
        return _staff(request, db, account, values=values, errors=field_errors(error), status=422)
    created = {"email": values["email"].strip().lower(), "link": _link(request, invite.invite_path)}
    return _staff(request, db, account, created=created, status=201)


def _staff(
    request: Request,
    db: UnitOfWork,
    account: SignedIn,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    created: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    now, origin = _now(request), _origin(request)
    return _page(
        request,
        "staff.html",
        account,
        title="Staff",
        staff=clinic.staff(db, account.actor, now=now, origin=origin),
        invites=clinic.open_invites(db, account.actor, now=now, origin=origin),
        values=values or {"role": "physio"},
        errors=errors or {},
        created=created,
        status_code=status,
    )


# --- assignments (admins) ---------------------------------------------------------------


@router.get("/assignments", response_class=HTMLResponse)
def assignments_page(request: Request, db: DbDep, account: OptionalSignedIn) -> Response:
    refused = _admin_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    return _assignments(request, db, account, saved=_whole(request.query_params.get("saved")))


@router.post("/assignments", response_class=HTMLResponse)
def assignments_post(
    request: Request, form: FormDep, db: DbDep, account: OptionalSignedIn
) -> Response:
    refused = _admin_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    if not _csrf_ok(request, form):
        return _assignments(request, db, account, errors=_expired_form(), status=403)
    patient_id = _whole(str(form.get("patient_id", "")))
    try:
        if patient_id is None:
            raise audit.NotFound()
        clinic.assign_patient(
            db,
            account.actor,
            patient_id,
            _whole(str(form.get("physio_id", ""))),
            now=_now(request),
            origin=_origin(request),
        )
    except FieldError as error:
        errors = {f"patient-{patient_id}": field_errors(error).popitem()[1]}
        return _assignments(request, db, account, errors=errors, status=422)
    except Denied:
        return _page(request, "missing.html", account, title="No such patient", status_code=404)
    return _see_other(f"/assignments?saved={patient_id}")


def _assignments(
    request: Request,
    db: UnitOfWork,
    account: SignedIn,
    *,
    saved: int | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    now, origin = _now(request), _origin(request)
    patients = clinic.list_patients(db, account.actor, now=now, origin=origin)
    physios = clinic.staff(db, account.actor, now=now, origin=origin)
    names = {s["account_id"]: s["name"] for s in physios}
    notice = next(
        (
            f"Saved. {p['name']}'s physio is {names.get(p['physio_id'], 'nobody')}."
            for p in patients
            if p["patient_id"] == saved
        ),
        None,
    )
    return _page(
        request,
        "assignments.html",
        account,
        title="Assign patients",
        patients=patients,
        physios=physios,
        saved=notice,
        errors=errors or {},
        status_code=status,
    )


# --- the audit trail (admins) -----------------------------------------------------------


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, db: DbDep, account: OptionalSignedIn) -> Response:
    refused = _admin_only(request, account)
    if refused is not None or account is None:
        return refused or _see_other("/login")
    filters = _filters(request)
    now, origin = _now(request), _origin(request)
    events = audit.events(
        db,
        account.actor,
        now=now,
        limit=AUDIT_PAGE_LIMIT,
        origin=origin,
        patient_id=filters["patient_id"],
        actor_id=filters["actor_id"],
    )
    staff = clinic.staff(db, account.actor, now=now, origin=origin)
    patients = clinic.list_patients(db, account.actor, now=now, origin=origin)
    query = urlencode({k: v for k, v in filters.items() if v is not None})
    return _page(
        request,
        "audit.html",
        account,
        title="Audit trail",
        events=events,
        filters=filters,
        actors=staff,
        patients=patients,
        names={s["account_id"]: s["name"] for s in staff},
        patient_names={p["patient_id"]: p["name"] for p in patients},
        action_names=ACTION_NAMES,
        limit=AUDIT_PAGE_LIMIT,
        csv_limit=AUDIT_CSV_LIMIT,
        csv_href="/api/v1/audit.csv" + (f"?{query}" if query else ""),
    )


def _filters(request: Request) -> dict[str, int | None]:
    return {
        "patient_id": _whole(request.query_params.get("patient_id", "")),
        "actor_id": _whole(request.query_params.get("actor_id", "")),
    }


def _whole(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and len(text) < 12 else None
