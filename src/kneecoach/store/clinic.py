"""ClinicStore: clinics, accounts, invites, sign-in sessions, login failures, audit events.

The same SQLAlchemy Session as `Store` (reach it as `store.clinic`), so clinic reads and
writes share the caller's unit of work. Plain values in, frozen records out, never rows.
Every query that concerns one clinic takes its `clinic_id` and filters on it; the few
that cannot (a token or an email at sign-in, the audit chain of the whole database)
say so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from kneecoach.store.tables import (
    Account,
    Alert,
    AuditEvent,
    AuditHead,
    AuthSession,
    Checkin,
    Clinic,
    CourseSummary,
    DashboardMark,
    ExerciseSession,
    Invite,
    LoginFailure,
    Person,
    ProgrammeVersion,
    core_table,
)

# A patient added by their physio has a person row before they start their programme;
# these stand in until then (the urgency says so; review and the pages skip such people
# once they look for it: a person without a programme version has not started).
NOT_STARTED = "not-started"


@dataclass(frozen=True)
class ClinicRecord:
    id: int
    name: str
    created_at: dt.datetime
    audit_retention_years: int


@dataclass(frozen=True)
class AccountRecord:
    id: int
    clinic_id: int
    email: str
    name: str
    role: str
    password_hash: str | None
    totp_secret: str | None
    totp_enrolled: bool
    totp_last_step: int | None
    person_id: int | None
    physio_id: int | None
    created_at: dt.datetime
    password_changed_at: dt.datetime | None
    last_login_at: dt.datetime | None

    @property
    def active(self) -> bool:
        """Whether the account can sign in (it has a password)."""
        return self.password_hash is not None


@dataclass(frozen=True)
class PatientRecord:
    patient_id: int
    account_id: int
    name: str
    email: str
    physio_id: int | None
    # None until the patient has started their programme.
    start_date: dt.date | None
    active: bool


@dataclass(frozen=True)
class DashboardRecord:
    """A patient of the dashboard and what is stored of their course; the clinical
    fields are None (and the counts empty) for a patient who is not the reader's."""

    patient: PatientRecord
    clinical: bool  # the reader is this patient's physio
    summary_day: dt.date | None
    summary: dict[str, Any] | None
    open_alerts: dict[str, int]  # urgency -> how many unacknowledged
    last_checkin_30d: dt.date | None  # the last check-in of the 30 days ending today
    days_with_data_30d: int
    sessions_done_14d: int


@dataclass(frozen=True)
class InviteRecord:
    id: int
    clinic_id: int
    email: str
    role: str
    person_id: int | None
    created_by: int | None
    created_at: dt.datetime
    expires_at: dt.datetime
    used_at: dt.datetime | None


@dataclass(frozen=True)
class SessionRecord:
    id: int
    account_id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True)
class EventRecord:
    id: int
    at: dt.datetime
    actor_id: int | None
    role: str | None
    action: str
    patient_id: int | None
    route: str | None
    outcome: str
    ip: str | None
    clinic_id: int | None
    prev_hash: str
    hash: str


class ClinicStore:
    """Every read and write of clinic mode's own tables, inside one SQLAlchemy Session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # clinics

    def add_clinic(self, name: str, now: dt.datetime) -> int:
        row = Clinic(name=name, created_at=now)
        self._session.add(row)
        self._session.flush()
        return row.id

    def clinic(self, clinic_id: int) -> ClinicRecord | None:
        row = self._session.get(Clinic, clinic_id)
        if row is None:
            return None
        return ClinicRecord(row.id, row.name, row.created_at, row.audit_retention_years)

    # accounts

    def add_account(
        self,
        *,
        clinic_id: int,
        email: str,
        name: str,
        role: str,
        now: dt.datetime,
        password_hash: str | None = None,
        totp_secret: str | None = None,
        person_id: int | None = None,
        physio_id: int | None = None,
    ) -> int:
        row = Account(
            clinic_id=clinic_id,
            email=email,
            name=name,
            role=role,
            password_hash=password_hash,
            totp_secret=totp_secret,
            totp_enrolled=False,
            person_id=person_id,
            physio_id=physio_id,
            created_at=now,
            password_changed_at=now if password_hash is not None else None,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def account(self, account_id: int) -> AccountRecord | None:
        """The account with this id, in any clinic: only for the id a session holds.
        (Every staff request reads it: a statement built once, rows without the ORM.)"""
        row = self._session.execute(_ACCOUNT_BY_ID, {"account_id": account_id}).first()
        return None if row is None else _account(row)

    def account_in(self, clinic_id: int, account_id: int) -> AccountRecord | None:
        return self._one_account(
            select(Account).where(Account.clinic_id == clinic_id, Account.id == account_id)
        )

    def account_by_email_in(self, clinic_id: int, email: str) -> AccountRecord | None:
        return self._one_account(
            select(Account).where(Account.clinic_id == clinic_id, Account.email == email)
        )

    def active_account_by_email(self, email: str) -> AccountRecord | None:
        """The account that signs in with `email`, in any clinic (login knows no clinic)."""
        return self._one_account(
            select(Account).where(Account.email == email, Account.password_hash.is_not(None))
        )

    def email_is_active(self, email: str) -> bool:
        """Whether some account (in any clinic) already signs in with `email`."""
        query = exists().where(Account.email == email, Account.password_hash.is_not(None))
        return bool(self._session.scalar(select(query)))

    def staff(self, clinic_id: int) -> list[AccountRecord]:
        rows = self._session.scalars(
            select(Account)
            .where(Account.clinic_id == clinic_id, Account.role.in_(("admin", "physio")))
            .order_by(Account.id)
        )
        return [_account(row) for row in rows]

    def activate(
        self,
        clinic_id: int,
        account_id: int,
        *,
        name: str,
        password_hash: str,
        totp_secret: str | None,
        now: dt.datetime,
    ) -> None:
        """Give a patient account made by their physio its name, password and TOTP secret."""
        self._update_account(
            clinic_id,
            account_id,
            name=name,
            password_hash=password_hash,
            totp_secret=totp_secret,
            password_changed_at=now,
        )

    def set_password(
        self, clinic_id: int, account_id: int, password_hash: str, now: dt.datetime
    ) -> None:
        self._update_account(
            clinic_id, account_id, password_hash=password_hash, password_changed_at=now
        )

    def rehash_password(self, clinic_id: int, account_id: int, password_hash: str) -> None:
        """The same password under new hashing parameters (not a change of password)."""
        self._update_account(clinic_id, account_id, password_hash=password_hash)

    def set_totp(self, clinic_id: int, account_id: int, secret: str | None) -> None:
        """A new TOTP secret, not yet enrolled (None: TOTP off)."""
        self._update_account(
            clinic_id, account_id, totp_secret=secret, totp_enrolled=False, totp_last_step=None
        )

    def record_login(
        self, clinic_id: int, account_id: int, now: dt.datetime, totp_step: int | None
    ) -> None:
        """A successful sign-in; a TOTP code's step also completes enrolment."""
        values: dict[str, Any] = {"last_login_at": now}
        if totp_step is not None:
            values.update(totp_last_step=totp_step, totp_enrolled=True)
        self._update_account(clinic_id, account_id, **values)

    def set_physio(self, clinic_id: int, account_id: int, physio_id: int | None) -> None:
        self._update_account(clinic_id, account_id, physio_id=physio_id)

    # patients: an account with a person

    def add_patient_person(self, start: dt.date) -> int:
        """A person row for a patient who has not started yet (see NOT_STARTED)."""
        row = Person(
            profile={},
            start_date=start,
            baseline_pain=0,
            screening={},
            urgency=NOT_STARTED,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def patient_account(self, clinic_id: int, patient_id: int) -> AccountRecord | None:
        return self._one_account(
            select(Account).where(
                Account.clinic_id == clinic_id,
                Account.person_id == patient_id,
                Account.role == "patient",
            )
        )

    def patients(self, clinic_id: int, physio_id: int | None = None) -> list[PatientRecord]:
        """The clinic's patients by id; with `physio_id`, only that physio's."""
        query = _patients_query(clinic_id)
        if physio_id is not None:
            query = query.where(Account.physio_id == physio_id)
        return [_patient(row) for row in self._session.execute(query.order_by(Account.person_id))]

    def patient(self, clinic_id: int, patient_id: int) -> PatientRecord | None:
        found = {"clinic_id": clinic_id, "patient_id": patient_id}
        row = self._session.execute(_PATIENT_BY_ID, found).first()
        return None if row is None else _patient(row)

    def dashboard(
        self, clinic_id: int, physio_id: int, today: dt.date, *, everyone: bool
    ) -> list[DashboardRecord]:
        """The patients of `physio_id` (with `everyone`, every patient of the clinic), by
        id, with what the dashboard needs of their course as of `today`: the stored
        summary, open alerts by urgency, the last check-in of the 30 days ending
        `today`, the days of those 30 with a check-in or session, the sessions of the
        14 ending `today` not logged while stopped. Only `physio_id`'s own patients'
        clinical rows are read. Three queries for the whole list."""
        query = _patients_query(clinic_id)
        if not everyone:
            query = query.where(Account.physio_id == physio_id)
        own = Account.person_id == CourseSummary.person_id
        query = query.add_columns(CourseSummary.day, CourseSummary.summary).outerjoin(
            CourseSummary, own & (Account.physio_id == physio_id)
        )
        rows = self._session.execute(query.order_by(Account.person_id)).all()
        mine = (
            select(Account.person_id)
            .where(
                Account.clinic_id == clinic_id,
                Account.role == "patient",
                Account.physio_id == physio_id,
            )
            .scalar_subquery()
        )
        alerts: dict[int, dict[str, int]] = {}
        for person_id, urgency, count in self._session.execute(
            select(Alert.person_id, Alert.urgency, func.count())
            .where(Alert.person_id.in_(mine), Alert.acknowledged_at.is_(None))
            .group_by(Alert.person_id, Alert.urgency)
        ):
            alerts.setdefault(person_id, {})[urgency] = int(count)
        # Check-ins and sessions of the 30 days, in one pass: the days with any, the last
        # check-in among them, the sessions of the last 14 not logged while stopped.
        first_30, first_14 = today - dt.timedelta(days=29), today - dt.timedelta(days=13)
        events = union_all(
            select(
                Checkin.person_id,
                Checkin.date.label("day"),
                literal(True).label("checkin"),
                literal(False).label("counted"),
            ).where(Checkin.person_id.in_(mine), Checkin.date.between(first_30, today)),
            select(
                ExerciseSession.person_id,
                ExerciseSession.date,
                literal(False),
                ~ExerciseSession.while_stopped,
            ).where(
                ExerciseSession.person_id.in_(mine), ExerciseSession.date.between(first_30, today)
            ),
        ).subquery()
        activity = {
            person_id: (int(days), last, int(done or 0))
            for person_id, days, last, done in self._session.execute(
                select(
                    events.c.person_id,
                    func.count(events.c.day.distinct()),
                    func.max(events.c.day).filter(events.c.checkin),
                    func.count().filter(events.c.counted & (events.c.day >= first_14)),
                ).group_by(events.c.person_id)
            )
        }
        out = []
        for row in rows:
            patient = _patient(row[:8])
            clinical = patient.physio_id == physio_id
            out.append(
                DashboardRecord(
                    patient=patient,
                    clinical=clinical,
                    summary_day=row[8],
                    summary=row[9],
                    open_alerts=alerts.get(patient.patient_id, {}),
                    last_checkin_30d=activity.get(patient.patient_id, (0, None, 0))[1],
                    days_with_data_30d=activity.get(patient.patient_id, (0, None, 0))[0],
                    sessions_done_14d=activity.get(patient.patient_id, (0, None, 0))[2],
                )
            )
        return out

    def dashboard_key(self, clinic_id: int) -> int:
        """The clinic's dashboard mark: it moves, in the same transaction, whenever a
        patient's row of the dashboard could change (a patient account added, renamed,
        reassigned, signed up or removed; anything recorded about a patient; a stored
        summary; an alert opened or acknowledged: the triggers of migration 0008). One
        row read, however many patients; 0 before the clinic's first change."""
        mark = self._session.scalar(_MARK, {"clinic_id": clinic_id})
        return int(mark or 0)

    # invites

    def add_invite(
        self,
        *,
        clinic_id: int,
        token_hash: str,
        email: str,
        role: str,
        now: dt.datetime,
        expires_at: dt.datetime,
        person_id: int | None = None,
        created_by: int | None = None,
    ) -> int:
        row = Invite(
            clinic_id=clinic_id,
            token_hash=token_hash,
            email=email,
            role=role,
            person_id=person_id,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def invite_by_hash(self, token_hash: str) -> InviteRecord | None:
        """The invite with this token hash, in any clinic (the token is all the visitor has)."""
        row = self._session.scalars(
            select(Invite).where(Invite.token_hash == token_hash)
        ).one_or_none()
        return None if row is None else _invite(row)

    def use_invite(self, clinic_id: int, invite_id: int, now: dt.datetime) -> bool:
        """Mark the invite used; False when it was used or expired already (a second
        acceptance racing this one finds it used)."""
        result = self._session.execute(
            update(Invite)
            .where(
                Invite.clinic_id == clinic_id,
                Invite.id == invite_id,
                Invite.used_at.is_(None),
                Invite.expires_at > now,
            )
            .values(used_at=now),
            execution_options={"synchronize_session": False},
        )
        return _rowcount(result) == 1

    def open_invites(self, clinic_id: int, now: dt.datetime) -> list[InviteRecord]:
        """Invites not used and not expired, newest first."""
        rows = self._session.scalars(
            select(Invite)
            .where(
                Invite.clinic_id == clinic_id,
                Invite.used_at.is_(None),
                Invite.expires_at > now,
            )
            .order_by(Invite.id.desc())
        )
        return [_invite(row) for row in rows]

    def expire_invites_of(self, clinic_id: int, patient_id: int, now: dt.datetime) -> int:
        """End every open invite for this patient (a new one replaces them)."""
        result = self._session.execute(
            update(Invite)
            .where(
                Invite.clinic_id == clinic_id,
                Invite.person_id == patient_id,
                Invite.used_at.is_(None),
                Invite.expires_at > now,
            )
            .values(expires_at=now),
            execution_options={"synchronize_session": False},
        )
        return _rowcount(result)

    # sign-in sessions

    def add_session(self, token_hash: str, account_id: int, now: dt.datetime) -> int:
        row = AuthSession(
            token_hash=token_hash, account_id=account_id, created_at=now, last_seen_at=now
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def session_by_hash(self, token_hash: str) -> tuple[SessionRecord, AccountRecord] | None:
        """The session with this token hash and its account (the token is the scope)."""
        row = self._session.execute(_SESSION_BY_HASH, {"token_hash": token_hash}).first()
        if row is None:
            return None
        found = row._mapping
        session = SessionRecord(
            id=found[_SESSIONS.c.id],
            account_id=found[_SESSIONS.c.account_id],
            created_at=found[_SESSIONS.c.created_at],
            last_seen_at=found[_SESSIONS.c.last_seen_at],
            revoked_at=found[_SESSIONS.c.revoked_at],
        )
        return session, AccountRecord(**{column.name: found[column] for column in _ACCOUNTS.c})

    def touch_session(self, session_id: int, now: dt.datetime) -> None:
        self._session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(last_seen_at=now),
            execution_options={"synchronize_session": False},
        )

    def revoke_session(self, session_id: int, now: dt.datetime) -> bool:
        result = self._session.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now),
            execution_options={"synchronize_session": False},
        )
        return _rowcount(result) == 1

    def revoke_sessions(self, account_id: int, now: dt.datetime, keep: int | None = None) -> int:
        """Revoke every live session of the account except `keep`; how many ended."""
        query = update(AuthSession).where(
            AuthSession.account_id == account_id, AuthSession.revoked_at.is_(None)
        )
        if keep is not None:
            query = query.where(AuthSession.id != keep)
        result = self._session.execute(
            query.values(revoked_at=now), execution_options={"synchronize_session": False}
        )
        return _rowcount(result)

    def live_sessions(self, account_id: int) -> list[SessionRecord]:
        rows = self._session.scalars(
            select(AuthSession)
            .where(AuthSession.account_id == account_id, AuthSession.revoked_at.is_(None))
            .order_by(AuthSession.id)
        )
        return [_session_record(row) for row in rows]

    # login failures (throttling)

    def lock_sign_in(self, email: str) -> None:
        """Queue sign-ins with one email until this transaction ends, so parallel guesses
        are counted one after another (PostgreSQL; SQLite's write lock does this)."""
        if self._session.get_bind().dialect.name == "postgresql":
            digest = hashlib.sha256(b"sign-in:" + email.encode("utf-8")).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            self._session.execute(select(func.pg_advisory_xact_lock(key)))

    def add_login_failure(
        self, email: str, account_id: int | None, ip: str | None, now: dt.datetime
    ) -> None:
        self._session.add(LoginFailure(at=now, email=email, account_id=account_id, ip=ip))
        self._session.flush()

    def login_failures(self, email: str, since: dt.datetime) -> list[dt.datetime]:
        """When sign-ins with this email failed, after `since`, oldest first."""
        rows = self._session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.email == email, LoginFailure.at > since)
            .order_by(LoginFailure.at)
        )
        return list(rows)

    def address_failures(self, ip: str, since: dt.datetime) -> list[dt.datetime]:
        """When sign-ins from this address failed, after `since`, oldest first."""
        rows = self._session.scalars(
            select(LoginFailure.at)
            .where(LoginFailure.ip == ip, LoginFailure.at > since)
            .order_by(LoginFailure.at)
        )
        return list(rows)

    def forget_login_failures(self, before: dt.datetime) -> None:
        self._session.execute(
            delete(LoginFailure).where(LoginFailure.at < before),
            execution_options={"synchronize_session": False},
        )

    # the audit trail: appended, never updated or deleted here

    def appends_in_server(self) -> bool:
        """Whether `append_audit_event` seals events in the database (PostgreSQL);
        otherwise the caller takes `audit_chain_end` and calls `add_audit_event`."""
        return self._postgresql()

    def append_audit_event(self, draft: EventRecord, *, middle: str, genesis: str) -> int:
        """PostgreSQL: append `draft` (its id and hashes left blank) to the chain in one
        statement (`kneecoach_audit_append`, migration 0009): the head's row lock taken,
        the event sealed over `middle` (services/audit.py `canonical_middle`) and the
        head moved; the lock holds until this transaction ends. Its id."""
        fields = {k: v for k, v in asdict(draft).items() if k not in _SEALED}
        found = self._session.scalar(_APPEND, {**fields, "middle": middle, "genesis": genesis})
        if found is None:  # the function always answers an id
            raise RuntimeError("kneecoach_audit_append answered nothing")
        return int(found)

    def audit_chain_end(self) -> tuple[int, str] | None:
        """SQLite: (id, hash) of the chain's newest event as the head beside it records
        it (None: no event yet). The write lock, taken when a writing unit of work
        begins, already queues appenders. A missing head (an empty chain, or a head
        deleted in SQL) is made, and the newest event itself read instead."""
        head = self._session.execute(_HEAD_NOW).first()
        if head is not None:
            return int(head.last_id), str(head.last_hash)
        self._session.execute(insert(_HEAD).values(id=1, last_id=0, last_hash=""))
        last = self.last_audit_event()
        return None if last is None else (last.id, last.hash)

    def last_audit_event(self) -> EventRecord | None:
        """The newest event of the whole database (the chain is one per database)."""
        row = self._session.scalars(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)
        ).first()
        return None if row is None else _event(row)

    def add_audit_event(self, event: EventRecord) -> None:
        """SQLite: append the event and move the head to it (after `audit_chain_end`)."""
        self._session.execute(insert(_EVENTS).values(**asdict(event)))
        self._session.execute(
            update(_HEAD).where(_HEAD.c.id == 1).values(last_id=event.id, last_hash=event.hash)
        )

    def _postgresql(self) -> bool:
        return self._session.get_bind().dialect.name == "postgresql"

    def audit_head(self) -> tuple[int, str] | None:
        """(id, hash) of the newest event as the head beside the chain records it."""
        row = self._session.get(AuditHead, 1)
        return None if row is None else (row.last_id, row.last_hash)

    def audit_events_after(self, last_id: int, limit: int) -> list[EventRecord]:
        """Up to `limit` events of the whole database with ids above `last_id`, by id."""
        rows = self._session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(limit)
        )
        events = [_event(row) for row in rows]
        self._session.expunge_all()  # a walk over millions of events keeps none of them
        return events

    def audit_events(
        self,
        clinic_id: int,
        *,
        patient_id: int | None = None,
        actor_id: int | None = None,
        since: dt.datetime | None = None,
        limit: int = 1000,
    ) -> list[EventRecord]:
        """One clinic's events, newest first, optionally for one patient or actor."""
        query = select(AuditEvent).where(AuditEvent.clinic_id == clinic_id)
        if patient_id is not None:
            query = query.where(AuditEvent.patient_id == patient_id)
        if actor_id is not None:
            query = query.where(AuditEvent.actor_id == actor_id)
        if since is not None:
            query = query.where(AuditEvent.at >= since)
        rows = self._session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit))
        return [_event(row) for row in rows]

    # private

    def _one_account(self, query: Any) -> AccountRecord | None:
        row = self._session.scalars(query).one_or_none()
        return None if row is None else _account(row)

    def _update_account(self, clinic_id: int, account_id: int, **values: Any) -> None:
        self._session.execute(
            update(Account)
            .where(Account.clinic_id == clinic_id, Account.id == account_id)
            .values(**values),
            execution_options={"synchronize_session": False},
        )
        self._session.expire_all()  # later reads in this unit of work see the change


def _pairs(result: Any) -> dict[Any, Any]:
    """{first: second} of a result's two-column rows."""
    return {row[0]: row[1] for row in result}


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _account(row: Any) -> AccountRecord:
    """An account row: an `Account`, or a row of its table (the same names)."""
    return AccountRecord(
        id=row.id,
        clinic_id=row.clinic_id,
        email=row.email,
        name=row.name,
        role=row.role,
        password_hash=row.password_hash,
        totp_secret=row.totp_secret,
        totp_enrolled=row.totp_enrolled,
        totp_last_step=row.totp_last_step,
        person_id=row.person_id,
        physio_id=row.physio_id,
        created_at=row.created_at,
        password_changed_at=row.password_changed_at,
        last_login_at=row.last_login_at,
    )


def _patient(row: Sequence[Any]) -> PatientRecord:
    person_id, account_id, name, email, physio_id, start_date, started, active = row
    return PatientRecord(
        patient_id=person_id,
        account_id=account_id,
        name=name,
        email=email,
        physio_id=physio_id,
        start_date=start_date if started else None,
        active=bool(active),
    )


def _invite(row: Invite) -> InviteRecord:
    return InviteRecord(
        id=row.id,
        clinic_id=row.clinic_id,
        email=row.email,
        role=row.role,
        person_id=row.person_id,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
    )


def _session_record(row: AuthSession) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        account_id=row.account_id,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        revoked_at=row.revoked_at,
    )


def _event(row: AuditEvent) -> EventRecord:
    return EventRecord(
        id=row.id,
        at=row.at,
        actor_id=row.actor_id,
        role=row.role,
        action=row.action,
        patient_id=row.patient_id,
        route=row.route,
        outcome=row.outcome,
        ip=row.ip,
        clinic_id=row.clinic_id,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def _patients_query(clinic_id: Any) -> Any:
    started = exists().where(ProgrammeVersion.person_id == Account.person_id).correlate(Account)
    return (
        select(
            Account.person_id,
            Account.id,
            Account.name,
            Account.email,
            Account.physio_id,
            Person.start_date,
            started,
            Account.password_hash.is_not(None),
        )
        .join(Person, Person.id == Account.person_id)
        .where(Account.clinic_id == clinic_id, Account.role == "patient")
    )


# Statements every staff request runs, built once (bound per call).
_ACCOUNTS = core_table(Account)
_SESSIONS = core_table(AuthSession)
_HEAD = core_table(AuditHead)
_EVENTS = core_table(AuditEvent)
_ACCOUNT_BY_ID = select(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account_id"))
_SESSION_BY_HASH = (
    select(_SESSIONS, _ACCOUNTS)
    .join(_ACCOUNTS, _ACCOUNTS.c.id == _SESSIONS.c.account_id)
    .where(_SESSIONS.c.token_hash == bindparam("token_hash"))
)
_SEALED = ("id", "prev_hash", "hash")  # what the chain gives an event, not its appender
_HEAD_NOW = select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1)
_APPEND = select(
    func.kneecoach_audit_append(
        *(
            bindparam(name, type_=kind)
            for name, kind in (
                ("at", DateTime(timezone=True)),
                ("actor_id", Integer()),
                ("role", String()),
                ("action", String()),
                ("patient_id", Integer()),
                ("route", String()),
                ("outcome", String()),
                ("ip", String()),
                ("clinic_id", Integer()),
                ("middle", Text()),
                ("genesis", String()),
            )
        )
    )
)
_MARK = select(DashboardMark.mark).where(DashboardMark.clinic_id == bindparam("clinic_id"))
_PATIENT_BY_ID = _patients_query(bindparam("clinic_id")).where(
    Account.person_id == bindparam("patient_id")
)
