"""Running a clinic: creating one, invites, patients as accounts, assigning physios.

Who may do what (issue 12): an admin invites staff, adds patients for a named physio,
assigns patients and reads every patient's record; a physio adds patients, who are
theirs, and reads their own; a patient does none of this. Scope always comes from the
signed-in account (`Actor.account_id`), never from ids in the request: an id only
selects within the actor's clinic, and one outside it is `NotFound`, like a missing one.
Checks run in the order the web answers them: role (`Forbidden`), scope (`NotFound`),
then input (`FieldError`). Every refusal leaves a `denied` audit event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.exc import IntegrityError

from kneecoach.domain.errors import FieldError
from kneecoach.services import audit
from kneecoach.services.actor import Actor
from kneecoach.services.audit import CLI, Forbidden, NotFound, Origin
from kneecoach.services.auth import (
    STAFF,
    check_password,
    hash_password,
    new_token,
    new_totp_secret,
    normal_email,
    otpauth_uri,
    token_hash,
)
from kneecoach.services.checkins import psfs_summary
from kneecoach.services.progress import _iso as _iso_row
from kneecoach.services.progress import _progress
from kneecoach.services.today import _today_in, not_started
from kneecoach.store.clinic import AccountRecord, InviteRecord, PatientRecord

if TYPE_CHECKING:
    from kneecoach.domain.exercises import Catalogue
    from kneecoach.services.uow import UnitOfWork
    from kneecoach.store.repository import Store

INVITE_LIFETIME = dt.timedelta(hours=72)
NAME_MAX = 200
STAFF_ROLES = ("physio", "admin")
Relation = Literal["self", "physio", "admin", "none"]


class InvalidInvite(LookupError):
    """An invite token that is unknown, used or expired: all alike (web: 404)."""

    def __init__(self) -> None:
        self.message = "This invite link is not valid any more. Ask for a new one."
        super().__init__(self.message)


@dataclass(frozen=True)
class InviteCreated:
    invite_token: str
    expires_at: dt.datetime

    @property
    def invite_path(self) -> str:
        return f"/invite/{self.invite_token}"

    def as_dict(self) -> dict[str, Any]:
        """POST /api/v1/staff/invites's answer."""
        return {
            "invite_token": self.invite_token,
            "invite_path": self.invite_path,
            "expires_at": self.expires_at.isoformat(),
        }


@dataclass(frozen=True)
class ClinicCreated:
    clinic_id: int
    invite: InviteCreated

    def as_dict(self) -> dict[str, Any]:
        """`kneecoach clinic init`'s answer."""
        return {
            "clinic_id": self.clinic_id,
            "invite_token": self.invite.invite_token,
            "invite_path": self.invite.invite_path,
        }


@dataclass(frozen=True)
class PatientCreated:
    patient_id: int
    invite: InviteCreated

    def as_dict(self) -> dict[str, Any]:
        """POST /api/v1/patients's answer."""
        return {
            "patient_id": self.patient_id,
            "invite_token": self.invite.invite_token,
            "invite_path": self.invite.invite_path,
        }


@dataclass(frozen=True)
class InviteInfo:
    """What the invite page shows before the invitee sets a password."""

    clinic_id: int
    clinic_name: str
    email: str
    role: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Accepted:
    account_id: int
    role: str
    clinic_id: int
    otpauth_uri: str | None

    def as_dict(self) -> dict[str, Any]:
        """POST /api/v1/invites/{token}/accept's answer."""
        return {
            "account_id": self.account_id,
            "role": self.role,
            "clinic_id": self.clinic_id,
            "otpauth_uri": self.otpauth_uri,
        }


# --- a clinic and its first admin -------------------------------------------------------


def init_clinic(
    uow: UnitOfWork, name: object, admin_email: object, *, now: dt.datetime, origin: Origin = CLI
) -> ClinicCreated:
    """A new clinic (a tenant of this database) and a one-time invite for its first admin.
    FieldError names `name` or `admin_email`."""
    clinic_name = _name(name, "name")
    email = normal_email(admin_email, "admin_email")
    with uow.write() as store:
        clinic_id = store.clinic.add_clinic(clinic_name, now)
        invite = _invite(store, clinic_id, email, "admin", now)
        audit.record(
            store,
            at=now,
            action="create",
            outcome="clinic-created",
            clinic_id=clinic_id,
            origin=origin,
        )
    return ClinicCreated(clinic_id, invite)


# --- staff ------------------------------------------------------------------------------


def invite_staff(
    uow: UnitOfWork,
    actor: Actor,
    email: object,
    role: object,
    *,
    now: dt.datetime,
    origin: Origin = CLI,
) -> InviteCreated:
    """A one-time invite for a physio or another admin (admins only)."""

    def work(store: Store) -> InviteCreated:
        admin = _admin(store, actor)
        if role not in STAFF_ROLES:
            raise FieldError("role", 'Use "physio" or "admin".')
        address = normal_email(email)
        _email_free_in(store, admin.clinic_id, address)
        invite = _invite(store, admin.clinic_id, address, str(role), now, created_by=admin.id)
        audit.record(
            store,
            at=now,
            action="create",
            outcome=f"invite-{role}",
            account=admin,
            origin=origin,
        )
        return invite

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def staff(
    uow: UnitOfWork, actor: Actor, *, now: dt.datetime, origin: Origin = CLI
) -> list[dict[str, Any]]:
    """The clinic's admins and physios (admins only)."""

    def work(store: Store) -> list[dict[str, Any]]:
        admin = _admin(store, actor)
        return [
            {
                "account_id": member.id,
                "name": member.name,
                "email": member.email,
                "role": member.role,
                "totp_enrolled": member.totp_enrolled,
            }
            for member in store.clinic.staff(admin.clinic_id)
        ]

    return audit.read_or_deny(uow, work, actor=actor, now=now, origin=origin)


def open_invites(
    uow: UnitOfWork, actor: Actor, *, now: dt.datetime, origin: Origin = CLI
) -> list[dict[str, Any]]:
    """Invites not yet used nor expired, newest first (admins only; never the tokens)."""

    def work(store: Store) -> list[dict[str, Any]]:
        admin = _admin(store, actor)
        return [_invite_dict(invite) for invite in store.clinic.open_invites(admin.clinic_id, now)]

    return audit.read_or_deny(uow, work, actor=actor, now=now, origin=origin)


# --- invites: what the invitee does -----------------------------------------------------


def invite_info(uow: UnitOfWork, token: object, *, now: dt.datetime) -> InviteInfo:
    """The invite behind `token`, if it can still be accepted; else InvalidInvite."""
    with uow.read() as store:
        invite = _open_invite(store, token, now)
        clinic = store.clinic.clinic(invite.clinic_id)
    if clinic is None:
        raise InvalidInvite()
    return InviteInfo(clinic.id, clinic.name, invite.email, invite.role, invite.expires_at)


def accept_invite(
    uow: UnitOfWork,
    token: object,
    name: object,
    password: object,
    *,
    now: dt.datetime,
    origin: Origin = CLI,
) -> Accepted:
    """Set a name and password for the invited email; the invite is then used up.

    Staff get a TOTP secret, shown as `otpauth_uri` (and `auth.qr_svg`); their first
    sign-in with a valid code completes enrolment. InvalidInvite for a bad token;
    FieldError naming `name`, `password`, or `email` when that email already signs in.
    """
    with uow.read() as store:
        invite = _open_invite(store, token, now)
    full_name = _name(name, "name")
    hashed = hash_password(check_password(password, invite.email))
    secret = new_totp_secret() if invite.role in STAFF else None
    try:
        with uow.write() as store:
            account_id = _accept(store, invite, full_name, hashed, secret, now)
            account = store.clinic.account_in(invite.clinic_id, account_id)
            audit.record(
                store,
                at=now,
                action="create",
                outcome="invite-accepted",
                account=account,
                patient_id=invite.person_id,
                origin=origin,
            )
    except IntegrityError:  # the same email signed up a moment ago, elsewhere
        raise _email_taken() from None
    uri = otpauth_uri(secret, invite.email) if secret else None
    return Accepted(account_id, invite.role, invite.clinic_id, uri)


def _accept(
    store: Store,
    invite: InviteRecord,
    name: str,
    hashed: str,
    secret: str | None,
    now: dt.datetime,
) -> int:
    clinic = store.clinic
    if not clinic.use_invite(invite.clinic_id, invite.id, now):
        raise InvalidInvite()  # accepted by someone else a moment ago
    if clinic.email_is_active(invite.email):
        raise _email_taken()
    if invite.person_id is None:
        return clinic.add_account(
            clinic_id=invite.clinic_id,
            email=invite.email,
            name=name,
            role=invite.role,
            now=now,
            password_hash=hashed,
            totp_secret=secret,
        )
    patient = clinic.patient_account(invite.clinic_id, invite.person_id)
    if patient is None:
        raise InvalidInvite()
    clinic.activate(
        invite.clinic_id, patient.id, name=name, password_hash=hashed, totp_secret=secret, now=now
    )
    return patient.id


def _open_invite(store: Store, token: object, now: dt.datetime) -> InviteRecord:
    if not isinstance(token, str) or not token or len(token) > 200:
        raise InvalidInvite()
    invite = store.clinic.invite_by_hash(token_hash(token))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        raise InvalidInvite()
    return invite


def _email_taken() -> FieldError:
    return FieldError("email", "This email already has an account. Sign in with it instead.")


# --- patients ---------------------------------------------------------------------------


def create_patient(
    uow: UnitOfWork,
    actor: Actor,
    name: object,
    email: object,
    physio_id: object = None,
    *,
    now: dt.datetime,
    origin: Origin = CLI,
) -> PatientCreated:
    """A patient (a person and an account) and their one-time invite. A physio's new
    patient is theirs; an admin names `physio_id`. The patient signs in with `email`."""

    def work(store: Store) -> PatientCreated:
        creator = _staff(store, actor)
        full_name = _name(name, "name")
        address = normal_email(email)
        if creator.role == "physio":
            if physio_id is not None and physio_id != creator.id:
                raise FieldError("physio_id", "Leave this out: your new patients are yours.")
            physio = creator
        else:
            if physio_id is None:
                raise FieldError("physio_id", "Choose the patient's physio.")
            physio = _physio(store, creator.clinic_id, physio_id)
        _email_free_in(store, creator.clinic_id, address)
        clinic = store.clinic
        patient_id = clinic.add_patient_person(now.date())
        clinic.add_account(
            clinic_id=creator.clinic_id,
            email=address,
            name=full_name,
            role="patient",
            now=now,
            person_id=patient_id,
            physio_id=physio.id,
        )
        invite = _invite(
            store,
            creator.clinic_id,
            address,
            "patient",
            now,
            person_id=patient_id,
            created_by=creator.id,
        )
        audit.record(
            store,
            at=now,
            action="create",
            outcome="patient-created",
            account=creator,
            patient_id=patient_id,
            origin=origin,
        )
        return PatientCreated(patient_id, invite)

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def reinvite_patient(
    uow: UnitOfWork, actor: Actor, patient_id: int, *, now: dt.datetime, origin: Origin = CLI
) -> InviteCreated:
    """A new invite for a patient who has not signed up yet; earlier ones stop working."""

    def work(store: Store) -> InviteCreated:
        creator = _staff(store, actor)
        patient = _patient_in_scope(store, creator, patient_id)
        if patient.active:
            raise FieldError("patient_id", "This patient has signed up already.")
        store.clinic.expire_invites_of(creator.clinic_id, patient_id, now)
        invite = _invite(
            store,
            creator.clinic_id,
            patient.email,
            "patient",
            now,
            person_id=patient_id,
            created_by=creator.id,
        )
        audit.record(
            store,
            at=now,
            action="create",
            outcome="patient-reinvited",
            account=creator,
            patient_id=patient_id,
            origin=origin,
        )
        return invite

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def assign_patient(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    physio_id: object,
    *,
    now: dt.datetime,
    origin: Origin = CLI,
) -> dict[str, Any]:
    """Give a patient to a physio (admins only): {"patient_id", "physio_id"}."""

    def work(store: Store) -> dict[str, Any]:
        admin = _admin(store, actor)
        patient = _patient_in_scope(store, admin, patient_id)
        physio = _physio(store, admin.clinic_id, physio_id)
        store.clinic.set_physio(admin.clinic_id, patient.account_id, physio.id)
        audit.record(
            store,
            at=now,
            action="update",
            outcome="patient-assigned",
            account=admin,
            patient_id=patient_id,
            origin=origin,
        )
        return {"patient_id": patient_id, "physio_id": physio.id}

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def list_patients(
    uow: UnitOfWork, actor: Actor, *, now: dt.datetime, origin: Origin = CLI
) -> list[dict[str, Any]]:
    """A physio's own patients, or every patient of an admin's clinic, by id:
    [{"patient_id", "name", "physio_id", "start_date", "signed_up"}]. One `read` event."""

    def work(store: Store) -> list[dict[str, Any]]:
        member = _staff(store, actor)
        mine = member.id if member.role == "physio" else None
        found = store.clinic.patients(member.clinic_id, physio_id=mine)
        audit.record(
            store, at=now, action="read", outcome="patient-list", account=member, origin=origin
        )
        return [
            {
                "patient_id": patient.patient_id,
                "name": patient.name,
                "physio_id": patient.physio_id,
                "start_date": _iso(patient.start_date),
                "signed_up": patient.active,
            }
            for patient in found
        ]

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def get_patient(
    uow: UnitOfWork, actor: Actor, patient_id: int, *, now: dt.datetime, origin: Origin = CLI
) -> dict[str, Any]:
    """{"patient_id", "name", "email", "physio_id", "start_date"} for the patient's own
    physio or an admin of their clinic; one `read` event. `start_date` is None until the
    patient has started their programme."""

    def work(store: Store) -> dict[str, Any]:
        member = _staff(store, actor)
        patient = _patient_in_scope(store, member, patient_id)
        audit.record(
            store, at=now, action="read", account=member, patient_id=patient_id, origin=origin
        )
        return {
            "patient_id": patient.patient_id,
            "name": patient.name,
            "email": patient.email,
            "physio_id": patient.physio_id,
            "start_date": _iso(patient.start_date),
        }

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


# --- scope, for the web's policy --------------------------------------------------------


def relation(store: Store, account: AccountRecord, patient_id: int) -> Relation:
    """How the signed-in `account` stands to a patient: "self" (it is the patient),
    "physio" (their physio, whatever the role), "admin" (an admin of their clinic), or
    "none" (anyone else, and any patient of another clinic or none at all)."""
    if account.role == "patient":
        return "self" if account.person_id == patient_id else "none"
    patient = store.clinic.patient(account.clinic_id, patient_id)
    if patient is None:
        return "none"
    if patient.physio_id == account.id:
        return "physio"
    return "admin" if account.role == "admin" else "none"


def clinical_access(store: Store, actor: Actor, patient_id: int) -> AccountRecord:
    """The staff account that may read this patient's clinical data (today, progress,
    history): only their physio. A patient or an admin who is not the physio: Forbidden;
    a patient outside the physio's scope, or none: NotFound. Inside the caller's unit of
    work; `write_or_deny` records the refusal."""
    account = audit.signed_in(store, actor)
    if account.role == "patient":
        raise Forbidden().by(account)
    found = relation(store, account, patient_id)
    if found == "physio":
        return account
    if found == "admin":
        raise Forbidden("Only the patient's physio reads their clinical data.").by(account)
    raise NotFound(patient_id=patient_id).by(account)


# --- private ----------------------------------------------------------------------------


def _invite(
    store: Store,
    clinic_id: int,
    email: str,
    role: str,
    now: dt.datetime,
    *,
    person_id: int | None = None,
    created_by: int | None = None,
) -> InviteCreated:
    token = new_token()
    expires_at = now + INVITE_LIFETIME
    store.clinic.add_invite(
        clinic_id=clinic_id,
        token_hash=token_hash(token),
        email=email,
        role=role,
        now=now,
        expires_at=expires_at,
        person_id=person_id,
        created_by=created_by,
    )
    return InviteCreated(token, expires_at)


def _admin(store: Store, actor: Actor) -> AccountRecord:
    account = audit.signed_in(store, actor)
    if account.role != "admin":
        raise Forbidden().by(account)
    return account


def _staff(store: Store, actor: Actor) -> AccountRecord:
    account = audit.signed_in(store, actor)
    if account.role not in STAFF:
        raise Forbidden().by(account)
    return account


def _patient_in_scope(store: Store, member: AccountRecord, patient_id: object) -> PatientRecord:
    """The patient, if `member` (staff) may see them: an admin sees the clinic's, a physio
    their own. Anything else is NotFound, as if there were no such patient."""
    if isinstance(patient_id, bool) or not isinstance(patient_id, int):
        raise NotFound().by(member)
    patient = store.clinic.patient(member.clinic_id, patient_id)
    if patient is None or (member.role == "physio" and patient.physio_id != member.id):
        raise NotFound(patient_id=patient_id).by(member)
    return patient


def _physio(store: Store, clinic_id: int, physio_id: object) -> AccountRecord:
    """A physio (or an admin who treats patients) of this clinic, named by id."""
    if isinstance(physio_id, bool) or not isinstance(physio_id, int):
        raise FieldError("physio_id", "Give the physio's account id.")
    account = store.clinic.account_in(clinic_id, physio_id)
    if account is None or account.role not in STAFF or not account.active:
        raise FieldError("physio_id", "There is no such physio in this clinic.")
    return account


def _email_free_in(store: Store, clinic_id: int, email: str) -> None:
    """Refuse an email someone in this clinic has. Other clinics are not asked: whether
    an email is known elsewhere is theirs to keep (the sign-up says so, to its owner)."""
    if store.clinic.account_by_email_in(clinic_id, email) is not None:
        raise FieldError("email", "Someone in this clinic already has this email.")


def _name(value: object, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(field, "Give a name.")
    name = " ".join(value.split())
    if len(name) > NAME_MAX:
        raise FieldError(field, f"Use at most {NAME_MAX} characters.")
    if not name.isprintable():
        raise FieldError(field, "Use letters, digits, spaces and punctuation only.")
    return name


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _invite_dict(invite: InviteRecord) -> dict[str, Any]:
    return {
        "email": invite.email,
        "role": invite.role,
        "patient_id": invite.person_id,
        "expires_at": invite.expires_at.isoformat(),
    }


# --- the web's gate: relation and refusals outside any route -----------------------------

ID_MAX = 2**31 - 1  # ids are 32-bit integers in both databases


def relation_of(uow: UnitOfWork, actor: Actor, patient_id: object) -> Relation:
    """How the signed-in `actor` stands to `patient_id` (see `relation`); "none" for an id
    that cannot be one, or an account that is gone."""
    if isinstance(patient_id, bool) or not isinstance(patient_id, int):
        return "none"
    if not 1 <= patient_id <= ID_MAX:
        return "none"
    with uow.read() as store:
        try:
            account = audit.signed_in(store, actor)
        except Forbidden:
            return "none"
        return relation(store, account, patient_id)


def deny(
    uow: UnitOfWork,
    actor: Actor,
    *,
    outcome: str,
    patient_id: int | None,
    now: dt.datetime,
    origin: Origin = CLI,
) -> None:
    """Record a refusal made before any service ran (the web's policy): one `denied`
    event naming the patient id asked for."""
    with uow.write() as store:
        account = store.clinic.account(actor.account_id) if actor.account_id else None
        audit.record(
            store,
            at=now,
            action="denied",
            outcome=outcome,
            account=account,
            actor_id=None if account else actor.account_id,
            role=None if account else actor.role,
            patient_id=patient_id,
            origin=origin,
        )


def patient_revision(uow: UnitOfWork, actor: Actor) -> tuple[int, str | None, int] | None:
    """A signed-in patient's (person id, uid, revision) once they have started their
    programme, else None: the web's `CurrentPerson` and cache key in clinic mode."""
    if actor.role != "patient" or actor.person_id is None or actor.clinic_id is None:
        return None
    with uow.read() as store:
        patient = store.clinic.patient(actor.clinic_id, actor.person_id)
        if patient is None or patient.start_date is None:
            return None
        revision = store.revisions([patient.patient_id]).get(patient.patient_id)
    return None if revision is None else (patient.patient_id, None, revision)


# --- clinical data, for the patient's physio ---------------------------------------------

ClinicalView = Literal["today", "progress", "history"]


class NoProgrammeYet(LookupError):
    """The patient has not started their programme (web: 404 naming `programme`, as
    personal mode's /progress before a start)."""


def clinical_read(
    uow: UnitOfWork,
    catalogue: Catalogue,
    actor: Actor,
    patient_id: int,
    view: ClinicalView,
    day: dt.date,
    *,
    now: dt.datetime,
    origin: Origin = CLI,
) -> dict[str, Any]:
    """A patient's `today`, `progress` or `history`, in personal mode's shapes, for their
    physio only (`clinical_access`); the read and its one `read` audit event are one
    unit of work. `progress` stores what its fold finds, as in personal mode."""

    def work(store: Store) -> dict[str, Any]:
        member = clinical_access(store, actor, patient_id)
        patient = store.clinic.patient(member.clinic_id, patient_id)
        if patient is None:  # clinical_access found them a moment ago, in this same work
            raise NotFound(patient_id=patient_id).by(member)
        result = _clinical_view(store, catalogue, patient_id, patient.start_date, view, day)
        audit.record(
            store,
            at=now,
            action="read",
            outcome=view,
            account=member,
            patient_id=patient_id,
            origin=origin,
        )
        return result

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def _clinical_view(
    store: Store,
    catalogue: Catalogue,
    patient_id: int,
    start: dt.date | None,
    view: ClinicalView,
    day: dt.date,
) -> dict[str, Any]:
    # The personal-mode services' own bodies, inside this unit of work (the actor checked).
    if view == "history":
        if start is None:
            return {"sessions": [], "checkins": [], "psfs": []}
        return {
            "sessions": [_iso_row(s) for s in store.sessions(patient_id)],
            "checkins": [_iso_row(c) for c in store.checkins(patient_id)],
            "psfs": psfs_summary(store.psfs(patient_id)),
        }
    if start is None:
        if view == "today":
            return not_started(day)
        raise NoProgrammeYet()
    if view == "today":
        return _today_in(store, catalogue, patient_id, day, persist=False)
    return _progress(store, catalogue, patient_id, day)
