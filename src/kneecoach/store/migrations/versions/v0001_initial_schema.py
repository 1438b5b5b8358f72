"""Initial schema: people and everything recorded for them.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out in full, not imported from tables.py: a revision is frozen once released.
TIMESTAMP = sa.DateTime(timezone=True)
NAME = sa.String(length=200)
CODE = sa.String(length=40)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _person_id(table: str) -> list[SchemaItem]:
    return [
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f(f"fk_{table}_person_id_people"),
            ondelete="CASCADE",
        ),
    ]


def _by_person_and_date(table: str) -> None:
    op.create_index(op.f(f"ix_{table}_person_id_date"), table, ["person_id", "date"])


def upgrade() -> None:
    op.create_table(
        "people",
        _id(),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("baseline_pain", sa.Integer(), nullable=False),
        sa.Column("screening", sa.JSON(), nullable=False),
        sa.Column("urgency", CODE, nullable=False),
        sa.Column("revision", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_table(
        "programme_versions",
        _id(),
        *_person_id("programme_versions"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("programme", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_versions")),
        sa.UniqueConstraint(
            "person_id", "version", name=op.f("uq_programme_versions_person_id_version")
        ),
    )
    op.create_table(
        "sessions",
        _id(),
        *_person_id("sessions"),
        sa.Column("client_id", NAME, nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("pain_before", sa.Integer(), nullable=False),
        sa.Column("pain_after", sa.Integer(), nullable=False),
        sa.Column("programme_version", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("person_id", "client_id", name=op.f("uq_sessions_person_id_client_id")),
    )
    _by_person_and_date("sessions")
    op.create_table(
        "session_entries",
        _id(),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("exercise_id", NAME, nullable=False),
        sa.Column("hurt", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_session_entries_session_id_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_entries")),
        sa.UniqueConstraint(
            "session_id", "position", name=op.f("uq_session_entries_session_id_position")
        ),
    )
    op.create_table(
        "entry_sets",
        _id(),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("set_number", sa.Integer(), nullable=False),
        sa.Column("target_reps", sa.Integer(), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=True),
        sa.Column("target_hold_seconds", sa.Float(), nullable=True),
        sa.Column("hold_seconds", sa.Float(), nullable=True),
        sa.Column("target_minutes", sa.Float(), nullable=True),
        sa.Column("minutes", sa.Float(), nullable=True),
        sa.Column("target_load_kg", sa.Float(), nullable=True),
        sa.Column("load_kg", sa.Float(), nullable=True),
        sa.Column("pain", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["session_entries.id"],
            name=op.f("fk_entry_sets_entry_id_session_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entry_sets")),
        sa.UniqueConstraint(
            "entry_id", "set_number", name=op.f("uq_entry_sets_entry_id_set_number")
        ),
    )
    op.create_table(
        "checkins",
        _id(),
        *_person_id("checkins"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("pain", sa.Integer(), nullable=False),
        sa.Column("morning", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("answers", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("urgency", CODE, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
    )
    _by_person_and_date("checkins")
    op.create_table(
        "psfs",
        _id(),
        *_person_id("psfs"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("activities", sa.JSON(), nullable=False),
        sa.Column("mean", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psfs")),
    )
    _by_person_and_date("psfs")
    op.create_table(
        "clearances",
        _id(),
        *_person_id("clearances"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("cleared_by", NAME, nullable=False),
        sa.Column("answers", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clearances")),
    )
    _by_person_and_date("clearances")
    op.create_table(
        "decisions",
        _id(),
        *_person_id("decisions"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("slot", NAME, nullable=False),
        sa.Column("exercise_id", NAME, nullable=False),
        sa.Column("action", CODE, nullable=False),
        sa.Column("rule", CODE, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["sessions.id"],
            name=op.f("fk_decisions_session_id_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
        sa.UniqueConstraint(
            "person_id",
            "slot",
            "date",
            "rule",
            "action",
            name=op.f("uq_decisions_person_id_slot_date_rule_action"),
        ),
    )
    _by_person_and_date("decisions")
    op.create_table(
        "escalations",
        _id(),
        *_person_id("escalations"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("rule", CODE, nullable=False),
        sa.Column("urgency", CODE, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("acknowledged_at", TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalations")),
        sa.UniqueConstraint(
            "person_id",
            "rule",
            "urgency",
            "date",
            name=op.f("uq_escalations_person_id_rule_urgency_date"),
        ),
    )
    _by_person_and_date("escalations")


def downgrade() -> None:
    for table in (
        "escalations",
        "decisions",
        "clearances",
        "psfs",
        "checkins",
        "entry_sets",
        "session_entries",
        "sessions",
        "programme_versions",
        "people",
    ):
        op.drop_table(table)
