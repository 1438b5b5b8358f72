"""The person's data as one versioned JSON document (docs/export-format.md), and back.

The document itself is built by `kneecoach.services.account.export_data`, so the web's
"download my data" and `kneecoach export` give the same file. Importing writes every row
in one transaction, ids and timestamps included, so export → import → export is lossless.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kneecoach.domain.dates import check_day
from kneecoach.services.account import EXPORT_FORMAT_VERSION, export_data, import_data
from kneecoach.services.actor import Actor
from kneecoach.services.uow import UnitOfWork
from kneecoach.services.validation import InvalidInput

FORMAT_VERSION = EXPORT_FORMAT_VERSION

Pain = Annotated[int, Field(ge=0, le=10)]


class _Strict(BaseModel):
    # An unknown key would be dropped silently on import: refuse it instead.
    model_config = ConfigDict(extra="forbid")


class PersonRecord(_Strict):
    profile: dict[str, Any]
    start_date: dt.date
    baseline_pain: Pain
    screening: dict[str, Any]
    urgency: str
    created_at: dt.datetime


class VersionRecord(_Strict):
    version: int
    effective_date: dt.date
    programme: dict[str, Any]
    reasons: list[Any]
    created_at: dt.datetime


class SetRecord(_Strict):
    target_reps: int | None
    reps: int | None
    target_hold_seconds: float | None
    hold_seconds: float | None
    target_minutes: float | None
    minutes: float | None
    target_load_kg: float | None
    load_kg: float | None
    pain: Pain


class EntryRecord(_Strict):
    exercise_id: str
    hurt: bool
    sets: list[SetRecord]


class SessionRecord(_Strict):
    id: int
    client_id: Annotated[str, Field(min_length=1, max_length=200)]
    date: dt.date
    pain_before: Pain
    pain_after: Pain
    programme_version: int | None
    created_at: dt.datetime
    entries: list[EntryRecord]
    # Logged while the programme was stopped (files written before it existed: false).
    while_stopped: bool = False


class CheckinRecord(_Strict):
    id: int
    date: dt.date
    pain: Pain
    morning: bool
    notes: str | None
    answers: dict[str, Any] | None
    urgency: str | None
    created_at: dt.datetime


class PsfsRecord(_Strict):
    id: int
    date: dt.date
    activities: list[Any]
    mean: float


class ClearanceRecord(_Strict):
    id: int
    date: dt.date
    cleared_by: str
    answers: dict[str, Any] | None
    created_at: dt.datetime


class DecisionRecord(_Strict):
    id: int
    date: dt.date
    slot: str
    exercise_id: str
    action: str
    rule: str
    reason: str
    numbers: dict[str, Any]
    session_id: int | None
    # The day the engine made it (format 1 files written before it existed have none).
    decided_on: dt.date | None = None


class EscalationRecord(_Strict):
    id: int
    date: dt.date
    rule: str
    urgency: str
    message: str
    numbers: dict[str, Any]
    acknowledged_at: dt.datetime | None


class ExportDocument(_Strict):
    format_version: int
    app_version: str
    person: PersonRecord
    programme_versions: Annotated[list[VersionRecord], Field(min_length=1)]
    sessions: list[SessionRecord]
    checkins: list[CheckinRecord]
    psfs: list[PsfsRecord]
    clearances: list[ClearanceRecord]
    decisions: list[DecisionRecord]
    escalations: list[EscalationRecord]


def export_document(uow: UnitOfWork, person_id: int, *, actor: Actor) -> dict[str, Any]:
    """Everything stored about the person."""
    return export_data(uow, person_id, actor=actor)


def parse_document(raw: object, today: dt.date) -> ExportDocument:
    """Check a document before anything is written; errors name the field that is wrong.

    Every date must be in the window of `kneecoach.domain.dates` around `today`.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("FILE", "expected a JSON object written by `kneecoach export`")
    if "format_version" not in raw:
        raise InvalidInput(
            "format_version", "missing: this is not a kneecoach export (no format_version)"
        )
    version = raw["format_version"]
    if type(version) is not int or version != FORMAT_VERSION:
        raise InvalidInput(
            "format_version",
            f"unknown format_version {version!r}; this kneecoach reads format_version "
            f"{FORMAT_VERSION} (a newer kneecoach may read this file)",
        )
    try:
        document = ExportDocument.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "FILE"
        raise InvalidInput(where, first["msg"]) from None
    _check_links(document)
    _check_dates(document, today)
    return document


def _check_dates(document: ExportDocument, today: dt.date) -> None:
    check_day(document.person.start_date, today, "person.start_date")
    for n, version in enumerate(document.programme_versions):
        check_day(version.effective_date, today, f"programme_versions.{n}.effective_date")
    for name in ("sessions", "checkins", "psfs", "clearances", "decisions", "escalations"):
        for n, row in enumerate(getattr(document, name)):
            check_day(row.date, today, f"{name}.{n}.date")


def _check_links(document: ExportDocument) -> None:
    session_ids = [s.id for s in document.sessions]
    if len(set(session_ids)) != len(session_ids):
        raise InvalidInput("sessions", "two sessions share one id")
    client_ids = [s.client_id for s in document.sessions]
    if len(set(client_ids)) != len(client_ids):
        raise InvalidInput("sessions", "two sessions share one client_id")
    versions = [v.version for v in document.programme_versions]
    if len(set(versions)) != len(versions):
        raise InvalidInput("programme_versions", "two programme versions share one number")
    known = set(session_ids)
    for n, decision in enumerate(document.decisions):
        if decision.session_id is not None and decision.session_id not in known:
            raise InvalidInput(
                f"decisions.{n}.session_id", f"no session with id {decision.session_id}"
            )
    for name in ("checkins", "psfs", "clearances", "decisions", "escalations"):
        ids = [row.id for row in getattr(document, name)]
        if len(set(ids)) != len(ids):
            raise InvalidInput(name, "two records share one id")


def import_document(
    uow: UnitOfWork, raw: object, today: dt.date, *, actor: Actor
) -> dict[str, Any]:
    """Write a parsed export into an EMPTY database, all in one transaction.

    Refuses (naming --db) a database that already holds anyone's data; a failure half-way
    rolls everything back. Returns a summary of what was written.
    """
    document = parse_document(raw, today)
    person_id = import_data(uow, document.model_dump(), actor=actor)
    return {
        "person_id": person_id,
        "format_version": document.format_version,
        "sessions": len(document.sessions),
        "checkins": len(document.checkins),
        "psfs": len(document.psfs),
        "clearances": len(document.clearances),
        "decisions": len(document.decisions),
        "escalations": len(document.escalations),
        "programme_versions": len(document.programme_versions),
    }
