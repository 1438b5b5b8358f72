"""Alerts for a patient's physiotherapist (CL-3) and the mail outbox, in one unit of work.

The same SQLAlchemy Session as `Store` (reach it as `store.alerts`). Plain values in,
frozen records out. An alert is inserted once per (person, rule, episode): `add`
returns None for an episode that already has its alert. Mail waits in `mail_outbox`
until a send succeeds: `due_mail` and `claim_mail` hand it to a sender, `mail_sent` and
`mail_failed` record how that went.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Table, and_, event, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from kneecoach.store.tables import (
    Account,
    Alert,
    Checkin,
    Clearance,
    ExerciseSession,
    MailOut,
    Person,
    ProgrammeVersion,
)


@dataclass(frozen=True)
class PatientLink:
    """A clinic patient: their clinic, their account and their physio (None: nobody)."""

    person_id: int
    clinic_id: int
    account_id: int
    physio_id: int | None


@dataclass(frozen=True)
class AlertRecord:
    id: int
    clinic_id: int
    person_id: int
    physio_id: int | None
    rule: str
    urgency: str
    episode: str
    message: str
    numbers: dict[str, Any]
    day: dt.date
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: int | None
    note: str | None
    digested_at: dt.datetime | None
    # "sent", "pending" (waiting, or failing and retried) or "none" (no email of its own)
    mail: str = "none"


@dataclass(frozen=True)
class MailRecord:
    id: int
    clinic_id: int
    account_id: int
    to: str
    alert_id: int | None
    kind: str
    subject: str
    body: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    attempts: int
    sent_at: dt.datetime | None
    last_error: str | None


@dataclass(frozen=True)
class ClinicPerson:
    """A clinic patient who has started their programme, for the time-based alerts."""

    person_id: int
    clinic_id: int
    physio_id: int | None
    start_date: dt.date
    profile: dict[str, Any]


class AlertStore:
    """Every read and write of `alerts` and `mail_outbox`, inside one SQLAlchemy Session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    # who is a clinic patient

    def clinic_patient(self, person_id: int) -> PatientLink | None:
        """The clinic account of this person, if they are a clinic's patient (one query)."""
        found = self.clinic_patients([person_id])
        return found.get(person_id)

    def clinic_patients(self, person_ids: Iterable[int]) -> dict[int, PatientLink]:
        ids = list(person_ids)
        if not ids:
            return {}
        rows = self._session.execute(
            select(Account.person_id, Account.clinic_id, Account.id, Account.physio_id).where(
                Account.person_id.in_(ids), Account.role == "patient"
            )
        )
        return {
            int(row[0]): PatientLink(int(row[0]), row[1], row[2], row[3])
            for row in rows
            if row[0] is not None
        }

    def started_clinic_people(self) -> list[ClinicPerson]:
        """Every clinic patient who has started a programme, by person id."""
        started = exists().where(ProgrammeVersion.person_id == Person.id)
        rows = self._session.execute(
            select(
                Person.id, Account.clinic_id, Account.physio_id, Person.start_date, Person.profile
            )
            .join(Account, Account.person_id == Person.id)
            .where(Account.role == "patient", started)
            .order_by(Person.id)
        )
        return [ClinicPerson(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def last_checkins(self, person_ids: Sequence[int], until: dt.date) -> dict[int, dt.date]:
        if not person_ids:
            return {}
        rows = self._session.execute(
            select(Checkin.person_id, func.max(Checkin.date))
            .where(Checkin.person_id.in_(person_ids), Checkin.date <= until)
            .group_by(Checkin.person_id)
        )
        return {row[0]: row[1] for row in rows}

    def session_days(
        self, person_ids: Sequence[int], first: dt.date, last: dt.date
    ) -> dict[int, set[dt.date]]:
        """The days each person logged a session on, from `first` to `last`."""
        if not person_ids:
            return {}
        rows = self._session.execute(
            select(ExerciseSession.person_id, ExerciseSession.date)
            .where(
                ExerciseSession.person_id.in_(person_ids),
                ExerciseSession.date >= first,
                ExerciseSession.date <= last,
            )
            .distinct()
        )
        found: dict[int, set[dt.date]] = {}
        for person_id, day in rows:
            found.setdefault(person_id, set()).add(day)
        return found

    def screenings(self, person_id: int, until: dt.date) -> list[tuple[dt.date, dict[str, Any]]]:
        """The safety answers given at check-ins up to `until`, oldest first."""
        rows = self._session.execute(
            select(Checkin.date, Checkin.answers)
            .where(
                Checkin.person_id == person_id,
                Checkin.date <= until,
                Checkin.answers.is_not(None),
            )
            .order_by(Checkin.date, Checkin.id)
        )
        return [(row[0], row[1]) for row in rows]

    def clearance_days(self, person_id: int, until: dt.date) -> set[dt.date]:
        rows = self._session.scalars(
            select(Clearance.date).where(Clearance.person_id == person_id, Clearance.date <= until)
        )
        return set(rows)

    # alerts

    def add(
        self,
        *,
        clinic_id: int,
        person_id: int,
        physio_id: int | None,
        rule: str,
        urgency: str,
        episode: str,
        message: str,
        numbers: dict[str, Any],
        day: dt.date,
        now: dt.datetime,
    ) -> int | None:
        """A new alert's id; None when this (person, rule, episode) has one already."""
        statement = (
            self._insert(_table(Alert))
            .on_conflict_do_nothing(index_elements=["person_id", "rule", "episode"])
            .values(
                clinic_id=clinic_id,
                person_id=person_id,
                physio_id=physio_id,
                rule=rule,
                urgency=urgency,
                episode=episode[:100],
                message=message,
                numbers=numbers,
                day=day,
                created_at=now,
            )
            .returning(_table(Alert).c.id)
        )
        found = self._session.connection().scalar(statement)
        return None if found is None else int(found)

    def alert(self, alert_id: int) -> AlertRecord | None:
        row = self._session.get(Alert, alert_id)
        if row is None:
            return None
        return self._with_mail([_alert(row)])[0]

    def alerts_of_physio(
        self, clinic_id: int, physio_id: int, *, open_only: bool
    ) -> list[AlertRecord]:
        """The alerts of the physio's own patients now (whoever looked after them when the
        alert started), newest first."""
        patient = aliased(Account)
        query = (
            select(Alert)
            .join(patient, and_(patient.person_id == Alert.person_id, patient.role == "patient"))
            .where(
                Alert.clinic_id == clinic_id,
                patient.clinic_id == clinic_id,
                patient.physio_id == physio_id,
            )
        )
        return self._listed(query, open_only)

    def alerts_of_person(
        self, clinic_id: int, person_id: int, *, open_only: bool
    ) -> list[AlertRecord]:
        query = select(Alert).where(Alert.clinic_id == clinic_id, Alert.person_id == person_id)
        return self._listed(query, open_only)

    def open_counts(self, clinic_id: int, person_ids: Sequence[int]) -> dict[int, int]:
        """How many open (unacknowledged) alerts each person has."""
        if not person_ids:
            return {}
        rows = self._session.execute(
            select(Alert.person_id, func.count(Alert.id))
            .where(
                Alert.clinic_id == clinic_id,
                Alert.person_id.in_(person_ids),
                Alert.acknowledged_at.is_(None),
            )
            .group_by(Alert.person_id)
        )
        return {row[0]: int(row[1]) for row in rows}

    def acknowledge(
        self, alert_id: int, account_id: int, note: str | None, now: dt.datetime
    ) -> bool:
        """Acknowledge an open alert; False (and nothing changes) if it was already."""
        result = self._session.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.acknowledged_at.is_(None))
            .values(acknowledged_at=now, acknowledged_by=account_id, note=note),
            execution_options={"synchronize_session": False},
        )
        self._session.expire_all()
        return bool(getattr(result, "rowcount", 0))

    def undigested(self, urgencies: Sequence[str]) -> list[AlertRecord]:
        """Alerts of these urgencies with a physio, not yet in a digest, oldest first."""
        rows = self._session.scalars(
            select(Alert)
            .where(
                Alert.digested_at.is_(None),
                Alert.physio_id.is_not(None),
                Alert.urgency.in_(urgencies),
            )
            .order_by(Alert.id)
        )
        return [_alert(row) for row in rows]

    def mark_digested(self, alert_ids: Sequence[int], now: dt.datetime) -> None:
        if alert_ids:
            self._session.execute(
                update(Alert).where(Alert.id.in_(alert_ids)).values(digested_at=now),
                execution_options={"synchronize_session": False},
            )

    def _listed(self, query: Any, open_only: bool) -> list[AlertRecord]:
        if open_only:
            query = query.where(Alert.acknowledged_at.is_(None))
        rows = self._session.scalars(query.order_by(Alert.created_at.desc(), Alert.id.desc()))
        return self._with_mail([_alert(row) for row in rows])

    def _with_mail(self, alerts: list[AlertRecord]) -> list[AlertRecord]:
        ids = [a.id for a in alerts]
        if not ids:
            return alerts
        rows = self._session.execute(
            select(MailOut.alert_id, MailOut.sent_at).where(MailOut.alert_id.in_(ids))
        )
        status: dict[int, str] = {}
        for alert_id, sent_at in rows:
            if alert_id is not None and status.get(alert_id) != "sent":
                status[alert_id] = "sent" if sent_at is not None else "pending"
        return [_replace_mail(a, status.get(a.id, "none")) for a in alerts]

    # the outbox

    def enqueue_mail(
        self,
        *,
        clinic_id: int,
        account_id: int,
        alert_id: int | None,
        kind: str,
        subject: str,
        body: str,
        now: dt.datetime,
    ) -> int:
        row = MailOut(
            clinic_id=clinic_id,
            account_id=account_id,
            alert_id=alert_id,
            kind=kind,
            subject=subject,
            body=body,
            created_at=now,
            next_attempt_at=now,
            attempts=0,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def due_mail(self, now: dt.datetime, limit: int) -> list[MailRecord]:
        """Unsent mail whose next attempt is due, oldest first, with its recipient."""
        rows = self._session.execute(
            select(MailOut, Account.email)
            .join(Account, Account.id == MailOut.account_id)
            .where(MailOut.sent_at.is_(None), MailOut.next_attempt_at <= now)
            .order_by(MailOut.next_attempt_at, MailOut.id)
            .limit(limit)
        )
        return [_mail(row[0], row[1]) for row in rows]

    def claim_mail(self, mail: MailRecord, until: dt.datetime) -> bool:
        """Take one due mail for sending: its next attempt moves to `until` (so no other
        sender takes it meanwhile) and its attempts count up. False if another took it."""
        result = self._session.execute(
            update(MailOut)
            .where(
                MailOut.id == mail.id,
                MailOut.sent_at.is_(None),
                MailOut.attempts == mail.attempts,
            )
            .values(next_attempt_at=until, attempts=mail.attempts + 1),
            execution_options={"synchronize_session": False},
        )
        return bool(getattr(result, "rowcount", 0))

    def mail_sent(self, mail_id: int, now: dt.datetime) -> None:
        self._session.execute(
            update(MailOut).where(MailOut.id == mail_id).values(sent_at=now, last_error=None),
            execution_options={"synchronize_session": False},
        )

    def mail_failed(self, mail_id: int, error: str, next_attempt: dt.datetime) -> None:
        self._session.execute(
            update(MailOut)
            .where(MailOut.id == mail_id, MailOut.sent_at.is_(None))
            .values(last_error=error[:500], next_attempt_at=next_attempt),
            execution_options={"synchronize_session": False},
        )

    def next_mail_due(self) -> dt.datetime | None:
        """When the earliest unsent mail is next due (None: nothing waits)."""
        found = self._session.scalar(
            select(func.min(MailOut.next_attempt_at)).where(MailOut.sent_at.is_(None))
        )
        if found is None:
            return None
        return found if found.tzinfo else found.replace(tzinfo=dt.UTC)

    def mail(self, mail_id: int) -> MailRecord | None:
        row = self._session.execute(
            select(MailOut, Account.email)
            .join(Account, Account.id == MailOut.account_id)
            .where(MailOut.id == mail_id)
        ).first()
        return None if row is None else _mail(row[0], row[1])

    def digest_since(self, account_id: int, since: dt.datetime) -> bool:
        """Whether a digest was queued for this account at or after `since`."""
        query = exists().where(
            MailOut.account_id == account_id,
            MailOut.kind == "digest",
            MailOut.created_at >= since,
        )
        return bool(self._session.scalar(select(query)))

    # after the unit of work

    def database_key(self) -> str:
        """Names the database (as `UnitOfWork.key` does)."""
        return str(self._session.get_bind().engine.url)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once this unit of work has committed (never if it rolls back)."""

        def after_commit(_: Session) -> None:
            callback()

        event.listen(self._session, "after_commit", after_commit, once=True)

    def _insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        if self._session.get_bind().dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


def _table(entity: type[Alert] | type[MailOut]) -> Table:
    table = entity.__table__
    assert isinstance(table, Table)
    return table


def _alert(row: Alert) -> AlertRecord:
    return AlertRecord(
        id=row.id,
        clinic_id=row.clinic_id,
        person_id=row.person_id,
        physio_id=row.physio_id,
        rule=row.rule,
        urgency=row.urgency,
        episode=row.episode,
        message=row.message,
        numbers=dict(row.numbers or {}),
        day=row.day,
        created_at=row.created_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        note=row.note,
        digested_at=row.digested_at,
    )


def _replace_mail(alert: AlertRecord, mail: str) -> AlertRecord:
    return replace(alert, mail=mail)


def _mail(row: MailOut, to: str) -> MailRecord:
    return MailRecord(
        id=row.id,
        clinic_id=row.clinic_id,
        account_id=row.account_id,
        to=to,
        alert_id=row.alert_id,
        kind=row.kind,
        subject=row.subject,
        body=row.body,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        attempts=row.attempts,
        sent_at=row.sent_at,
        last_error=row.last_error,
    )
