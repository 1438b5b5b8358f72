"""Programme templates (CL-1), shared within a clinic, in one unit of work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kneecoach.store.tables import ProgrammeTemplate


@dataclass(frozen=True)
class TemplateRecord:
    id: int
    clinic_id: int
    name: str
    created_by: int | None
    created_at: dt.datetime
    # {"days_per_week"?, "minutes_per_session"?, "slots": [...]} as a prescription takes it.
    programme: dict[str, Any]


def _record(row: ProgrammeTemplate) -> TemplateRecord:
    return TemplateRecord(
        id=row.id,
        clinic_id=row.clinic_id,
        name=row.name,
        created_by=row.created_by,
        created_at=row.created_at,
        programme=dict(row.programme),
    )


class TemplateStore:
    """Every read and write of `programme_templates`, inside one SQLAlchemy Session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self,
        *,
        clinic_id: int,
        name: str,
        created_by: int | None,
        now: dt.datetime,
        programme: dict[str, Any],
    ) -> TemplateRecord:
        row = ProgrammeTemplate(
            clinic_id=clinic_id,
            name=name,
            created_by=created_by,
            created_at=now,
            programme=programme,
        )
        self._session.add(row)
        self._session.flush()
        return _record(row)

    def get(self, clinic_id: int, template_id: int) -> TemplateRecord | None:
        """The template, if it is this clinic's (another clinic's is None, like none)."""
        row = self._session.scalars(
            select(ProgrammeTemplate).where(
                ProgrammeTemplate.id == template_id, ProgrammeTemplate.clinic_id == clinic_id
            )
        ).one_or_none()
        return None if row is None else _record(row)

    def by_name(self, clinic_id: int, name: str) -> TemplateRecord | None:
        row = self._session.scalars(
            select(ProgrammeTemplate).where(
                ProgrammeTemplate.clinic_id == clinic_id, ProgrammeTemplate.name == name
            )
        ).one_or_none()
        return None if row is None else _record(row)

    def of_clinic(self, clinic_id: int) -> list[TemplateRecord]:
        """The clinic's templates by name."""
        rows = self._session.scalars(
            select(ProgrammeTemplate)
            .where(ProgrammeTemplate.clinic_id == clinic_id)
            .order_by(ProgrammeTemplate.name, ProgrammeTemplate.id)
        )
        return [_record(row) for row in rows]
