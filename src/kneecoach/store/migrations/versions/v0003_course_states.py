"""The course as stored state: a snapshot per person and day, and when each decision was made.

`course_states` keeps the engine's state (kneecoach.domain.state.CourseState as JSON)
at the newest day it was advanced to, plus one checkpoint per programme week, so every
read and write advances only the days since. `decisions.decided_on` is the day the
engine made a decision (a PM-3 decision about a session is made the morning after it),
so a rewind knows which stored decisions to make again. `sessions.while_stopped` marks
a session logged while the programme was stopped: kept, and never counted.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "course_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("checkpoint", sa.Boolean(), nullable=False),
        sa.Column("stopped", sa.Boolean(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name=op.f("fk_course_states_person_id_people"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_states")),
        sa.UniqueConstraint("person_id", "day", name=op.f("uq_course_states_person_id_day")),
    )
    op.add_column("decisions", sa.Column("decided_on", sa.Date(), nullable=True))
    op.add_column(
        "sessions",
        sa.Column("while_stopped", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("while_stopped")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("decided_on")
    op.drop_table("course_states")
