"""Indexes for reading a page of people from their stored states.

The nightly review finds each person's newest state of the engine's version
(`course_states (person_id, version, day)`, so the large state rows are not read to
find it) and the programme versions effective after it (`programme_versions
(person_id, effective_date)`).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_course_states_person_id_version_day"),
        "course_states",
        ["person_id", "version", "day"],
    )
    op.create_index(
        op.f("ix_programme_versions_person_id_effective_date"),
        "programme_versions",
        ["person_id", "effective_date"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_programme_versions_person_id_effective_date"), table_name="programme_versions"
    )
    op.drop_index(op.f("ix_course_states_person_id_version_day"), table_name="course_states")
