"""The tables, as SQLAlchemy 2 typed declarative classes. Loads are in kg, timestamps in UTC."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Stable constraint names, so migrations can refer to them on both backends.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware timestamp that always comes back in UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:  # SQLite keeps no offset; we only ever write UTC
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_revision() -> int:
    """A random revision token (31 bits: PostgreSQL's INTEGER)."""
    return secrets.randbelow(2**31 - 1) + 1


def new_uid() -> str:
    return uuid.uuid4().hex


def _nullable_json() -> JSON:
    # Python None is stored as SQL NULL, not as the JSON text 'null'.
    return JSON(none_as_null=True)


def _person_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("people.id", ondelete="CASCADE"), nullable=False)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
        str: String(200),
    }


def core_table(entity: type[Base]) -> Table:
    """The Core table behind an ORM entity (Core statements: one executemany keeps a batch
    whole, and a statement built once skips the ORM on hot paths)."""
    table = entity.__table__
    assert isinstance(table, Table)
    return table


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    profile: Mapped[dict[str, Any]]
    start_date: Mapped[dt.date] = mapped_column(Date)
    baseline_pain: Mapped[int]
    screening: Mapped[dict[str, Any]]
    urgency: Mapped[str] = mapped_column(String(40))
    # A new random token with every change to what the person recorded: with `uid`, the key
    # of cached answers. Random, not a counter, so a restored backup never meets a stale key.
    revision: Mapped[int] = mapped_column(Integer, default=new_revision, server_default="0")
    # Random and never reused, unlike SQLite's ids (a deleted last row's id comes back).
    uid: Mapped[str | None] = mapped_column(String(32), default=new_uid)


class ProgrammeVersion(Base):
    __tablename__ = "programme_versions"
    __table_args__ = (
        UniqueConstraint("person_id", "version"),
        Index(None, "person_id", "effective_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    version: Mapped[int]
    effective_date: Mapped[dt.date] = mapped_column(Date)
    programme: Mapped[dict[str, Any]]
    reasons: Mapped[list[Any]]
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class ExerciseSession(Base):
    __tablename__ = "sessions"
    __table_args__ = (
        UniqueConstraint("person_id", "client_id"),
        Index(None, "person_id", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    client_id: Mapped[str]
    date: Mapped[dt.date] = mapped_column(Date)
    pain_before: Mapped[int]
    pain_after: Mapped[int]
    programme_version: Mapped[int | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    # Logged while the programme was stopped: kept, never counted (set by the engine's fold).
    while_stopped: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    entries: Mapped[list[SessionEntry]] = relationship(
        order_by="SessionEntry.position", passive_deletes=True, lazy="raise"
    )


class SessionEntry(Base):
    __tablename__ = "session_entries"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False
    )
    position: Mapped[int]
    exercise_id: Mapped[str]
    hurt: Mapped[bool] = mapped_column(Boolean)

    sets: Mapped[list[EntrySet]] = relationship(
        order_by="EntrySet.set_number", passive_deletes=True, lazy="raise"
    )


class EntrySet(Base):
    """One set as prescribed (target_*) and as done, side by side."""

    __tablename__ = "entry_sets"
    __table_args__ = (UniqueConstraint("entry_id", "set_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("session_entries.id", ondelete="CASCADE"), nullable=False
    )
    set_number: Mapped[int]
    target_reps: Mapped[int | None]
    reps: Mapped[int | None]
    target_hold_seconds: Mapped[float | None] = mapped_column(Float)
    hold_seconds: Mapped[float | None] = mapped_column(Float)
    target_minutes: Mapped[float | None] = mapped_column(Float)
    minutes: Mapped[float | None] = mapped_column(Float)
    target_load_kg: Mapped[float | None] = mapped_column(Float)
    load_kg: Mapped[float | None] = mapped_column(Float)
    pain: Mapped[int]


class Checkin(Base):
    __tablename__ = "checkins"
    __table_args__ = (Index(None, "person_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    date: Mapped[dt.date] = mapped_column(Date)
    pain: Mapped[int]
    morning: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)
    answers: Mapped[dict[str, Any] | None] = mapped_column(_nullable_json())
    urgency: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Psfs(Base):
    """Patient-Specific Functional Scale answers: activities with 0-10 scores, and their mean."""

    __tablename__ = "psfs"
    __table_args__ = (Index(None, "person_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    date: Mapped[dt.date] = mapped_column(Date)
    activities: Mapped[list[Any]]
    mean: Mapped[float] = mapped_column(Float)


class Clearance(Base):
    __tablename__ = "clearances"
    __table_args__ = (Index(None, "person_id", "date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    date: Mapped[dt.date] = mapped_column(Date)
    cleared_by: Mapped[str]
    answers: Mapped[dict[str, Any] | None] = mapped_column(_nullable_json())
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("person_id", "slot", "date", "rule", "action"),
        Index(None, "person_id", "date"),
        Index(None, "person_id", "decided_on"),  # a review drops what it derives again
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    date: Mapped[dt.date] = mapped_column(Date)
    slot: Mapped[str]
    exercise_id: Mapped[str]
    action: Mapped[str] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    numbers: Mapped[dict[str, Any]]
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("sessions.id", ondelete="SET NULL"), nullable=True
    )
    # The day the engine made it (None: stored before 0003; such rows are made again).
    decided_on: Mapped[dt.date | None] = mapped_column(Date)


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (
        UniqueConstraint("person_id", "rule", "urgency", "date"),
        Index(None, "person_id", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    date: Mapped[dt.date] = mapped_column(Date)
    rule: Mapped[str] = mapped_column(String(40))
    urgency: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    numbers: Mapped[dict[str, Any]]
    acknowledged_at: Mapped[dt.datetime | None]


class CourseStateRow(Base):
    """The engine's state for one person at the end of one day (a snapshot to resume from)."""

    __tablename__ = "course_states"
    __table_args__ = (
        UniqueConstraint("person_id", "day"),
        Index(None, "person_id", "version", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = _person_fk()
    day: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int]
    # Kept when newer states are written: the end of a programme week.
    checkpoint: Mapped[bool] = mapped_column(Boolean)
    # Whether the programme stood stopped at the end of `day` (read by the hot write path).
    stopped: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[dict[str, Any]]


# Clinic mode (issue 12): clinics, their accounts, invites, sign-in sessions, throttling,
# and the audit trail. Tokens are stored only as SHA-256 hashes (64 hex characters).


class Clinic(Base):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str]
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    # How long audit events are kept (SECURITY.md: six years, the usual HIPAA practice).
    audit_retention_years: Mapped[int] = mapped_column(Integer, default=6, server_default="6")


class Account(Base):
    """A person who signs in: staff (admin, physio) or a patient (then `person_id` is set)."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("clinic_id", "email"),
        # Login takes only email and password: one account that can sign in per email in the
        # whole database. A patient not yet signed up (no password) does not hold the email,
        # so adding a patient never tells one clinic that another clinic knows that address.
        Index(
            "uq_accounts_active_email",
            "email",
            unique=True,
            sqlite_where=text("password_hash IS NOT NULL"),
            postgresql_where=text("password_hash IS NOT NULL"),
        ),
        Index(None, "clinic_id", "physio_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False
    )
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str]
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The time step of the last TOTP code accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), unique=True
    )
    physio_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    password_changed_at: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]


class Invite(Base):
    """A one-time invite: only the SHA-256 of its token is kept; it expires after 72 hours."""

    __tablename__ = "invites"
    __table_args__ = (Index(None, "clinic_id", "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class AuthSession(Base):
    """A signed-in browser: the SHA-256 of its random token, never the token itself."""

    __tablename__ = "auth_sessions"
    __table_args__ = (Index(None, "account_id", "revoked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class LoginFailure(Base):
    """One failed sign-in, kept for the 15-minute throttling window (by email and address)."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index(None, "email", "at"),
        Index(None, "ip", "at"),
        Index(None, "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime]
    # The email as typed (normalised), known account or not: unknown emails throttle alike.
    email: Mapped[str] = mapped_column(String(254))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    ip: Mapped[str | None] = mapped_column(String(64))


class AuditEvent(Base):
    """Append-only: who did what to which patient, when, from where, and how it ended.

    No foreign keys, so the trail outlives what it mentions. `hash` is SHA-256 over the
    event's fields and `prev_hash` (the previous event's hash, by id): the chain
    `kneecoach audit verify` checks.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index(None, "clinic_id", "id"),
        Index(None, "clinic_id", "patient_id"),
        Index(None, "clinic_id", "actor_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime]
    actor_id: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    patient_id: Mapped[int | None] = mapped_column(Integer)
    route: Mapped[str | None] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(64))
    clinic_id: Mapped[int | None] = mapped_column(Integer)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's newest event, kept beside it (one row), written with each append: a
    trail cut short from its newest end (rows deleted in SQL) no longer meets its head."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # always 1
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


# The physiotherapist's day (issue 13): alerts (CL-3), the mail that tells of them,
# programme templates (CL-1), and each patient's dashboard summary.


class Alert(Base):
    """Something a patient's physiotherapist should know (CL-3), once per episode.

    `episode` names the episode the alert starts (for example the rule and the day it
    began); (person, rule, episode) is unique, so a repeat of the same episode opens no
    second alert. Mail is tracked in `mail_outbox`.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("person_id", "rule", "episode"),
        Index(None, "clinic_id", "physio_id", "acknowledged_at"),
        Index(None, "person_id", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False
    )
    person_id: Mapped[int] = _person_fk()
    # The patient's physiotherapist when the alert started (None: nobody assigned).
    physio_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    rule: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20))
    episode: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    numbers: Mapped[dict[str, Any]]
    day: Mapped[dt.date] = mapped_column(Date)  # the course day that raised it
    created_at: Mapped[dt.datetime]
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(Text)
    # When the alert went out in a daily digest (`none` and `soon` alerts).
    digested_at: Mapped[dt.datetime | None]


class MailOut(Base):
    """An email waiting to be sent, or sent: a mail server that is down loses nothing.

    `alert_id` is set for an alert's own email (`urgent`, `emergency`); a daily digest
    has none. Sending is retried until `sent_at` is set.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index(None, "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # "alert" or "digest"
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    next_attempt_at: Mapped[dt.datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class ProgrammeTemplate(Base):
    """A prescription kept by name, shared within the clinic (CL-1)."""

    __tablename__ = "programme_templates"
    __table_args__ = (UniqueConstraint("clinic_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime]
    # {"days_per_week"?, "minutes_per_session"?, "slots": [...]} as a prescription takes it.
    programme: Mapped[dict[str, Any]]


class CourseSummary(Base):
    """What the physio's dashboard shows of one person, as of their newest stored state.

    Written with the state (one row per person), so the dashboard reads one small row per
    patient instead of folding anyone's course.
    """

    __tablename__ = "course_summaries"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[dict[str, Any]]


class DashboardMark(Base):
    """One number per clinic that moves, in the same transaction, whenever a patient's
    row of the dashboard could change (triggers of migration 0008 move it): a list held
    in memory is still true while the mark is the same."""

    __tablename__ = "dashboard_marks"

    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    mark: Mapped[int] = mapped_column(BigInteger)
