"""Writing an export back: every row as it was, ids and timestamps included."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from kneecoach.store.errors import StoreError
from kneecoach.store.tables import (
    Base,
    Checkin,
    Clearance,
    Decision,
    EntrySet,
    Escalation,
    ExerciseSession,
    Person,
    ProgrammeVersion,
    Psfs,
    SessionEntry,
    core_table,
)

# Tables whose ids the import keeps (decisions point at sessions by id).
KEPT_IDS: tuple[type[Base], ...] = (
    ExerciseSession,
    Checkin,
    Psfs,
    Clearance,
    Decision,
    Escalation,
)
OWNED = (
    (Checkin, "checkins"),
    (Psfs, "psfs"),
    (Clearance, "clearances"),
    (Decision, "decisions"),
    (Escalation, "escalations"),
)


def require_empty(session: Session) -> None:
    """Refuse a database that already holds anyone's data."""
    people = int(session.scalar(select(func.count(Person.id))) or 0)
    if people:
        raise StoreError(
            "database",
            f"the database already holds data ({people} "
            f"{'person' if people == 1 else 'people'}); import only into an empty "
            "database, e.g. --db sqlite:///new.db",
        )
    models: tuple[type[Base], ...] = (*KEPT_IDS, ProgrammeVersion)
    for model in models:
        if session.scalar(select(func.count()).select_from(core_table(model))):
            raise StoreError("database", "the database is not empty; import into a new one")


def restore(session: Session, document: Mapping[str, Any]) -> int:
    """Write a checked export document (plain values, as docs/export-format.md); the new
    person's id."""
    person = document["person"]
    person_id = session.scalar(
        insert(Person)
        .values(
            profile=person["profile"],
            start_date=person["start_date"],
            baseline_pain=person["baseline_pain"],
            screening=person["screening"],
            urgency=person["urgency"],
            created_at=person["created_at"],
        )
        .returning(Person.id)
    )
    assert person_id is not None
    owned = {"person_id": person_id}
    _rows(session, ProgrammeVersion, [{**owned, **v} for v in document["programme_versions"]])
    _rows(
        session,
        ExerciseSession,
        [{**owned, **{k: v for k, v in s.items() if k != "entries"}} for s in document["sessions"]],
    )
    for record in document["sessions"]:
        for position, entry in enumerate(record["entries"], start=1):
            entry_id = session.scalar(
                insert(SessionEntry)
                .values(
                    session_id=record["id"],
                    position=position,
                    exercise_id=entry["exercise_id"],
                    hurt=entry["hurt"],
                )
                .returning(SessionEntry.id)
            )
            _rows(
                session,
                EntrySet,
                [
                    {"entry_id": entry_id, "set_number": number, **done}
                    for number, done in enumerate(entry["sets"], start=1)
                ],
            )
    for model, name in OWNED:
        _rows(session, model, [{**owned, **r} for r in document[name]])
    if session.get_bind().dialect.name == "postgresql":
        _advance_sequences(session)
    return int(person_id)


def _rows(session: Session, model: type[Base], rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(core_table(model)), rows)


def _advance_sequences(session: Session) -> None:
    """Ids were written explicitly: move each PostgreSQL sequence past them."""
    for model in KEPT_IDS:
        table = model.__tablename__
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        )
