"""The physiotherapist's day: alerts (CL-3), the mail outbox, programme templates (CL-1)
and each person's dashboard summary.

An alert starts once per episode: (person, rule, episode) is unique. Mail waits in
`mail_outbox` until a send succeeds, so a mail server that is down loses nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMESTAMP = sa.DateTime(timezone=True)


def _fk(column: str, table: str, source: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{table}.id"],
        name=op.f(f"fk_{source}_{column}_{table}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("physio_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("urgency", sa.String(length=20), nullable=False),
        sa.Column("episode", sa.String(length=100), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("numbers", sa.JSON(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("acknowledged_at", TIMESTAMP, nullable=True),
        sa.Column("acknowledged_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("digested_at", TIMESTAMP, nullable=True),
        _fk("clinic_id", "clinics", "alerts", "CASCADE"),
        _fk("person_id", "people", "alerts", "CASCADE"),
        _fk("physio_id", "accounts", "alerts", "SET NULL"),
        _fk("acknowledged_by", "accounts", "alerts", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint(
            "person_id", "rule", "episode", name=op.f("uq_alerts_person_id_rule_episode")
        ),
    )
    op.create_index(
        op.f("ix_alerts_clinic_id_physio_id_acknowledged_at"),
        "alerts",
        ["clinic_id", "physio_id", "acknowledged_at"],
    )
    op.create_index(
        op.f("ix_alerts_person_id_acknowledged_at"), "alerts", ["person_id", "acknowledged_at"]
    )
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _fk("clinic_id", "clinics", "mail_outbox", "CASCADE"),
        _fk("account_id", "accounts", "mail_outbox", "CASCADE"),
        _fk("alert_id", "alerts", "mail_outbox", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index(
        op.f("ix_mail_outbox_sent_at_next_attempt_at"),
        "mail_outbox",
        ["sent_at", "next_attempt_at"],
    )
    op.create_table(
        "programme_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("programme", sa.JSON(), nullable=False),
        _fk("clinic_id", "clinics", "programme_templates", "CASCADE"),
        _fk("created_by", "accounts", "programme_templates", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_templates")),
        sa.UniqueConstraint(
            "clinic_id", "name", name=op.f("uq_programme_templates_clinic_id_name")
        ),
    )
    op.create_table(
        "course_summaries",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        _fk("person_id", "people", "course_summaries", "CASCADE"),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_course_summaries")),
    )


def downgrade() -> None:
    op.drop_table("course_summaries")
    op.drop_table("programme_templates")
    op.drop_index(op.f("ix_mail_outbox_sent_at_next_attempt_at"), table_name="mail_outbox")
    op.drop_table("mail_outbox")
    op.drop_index(op.f("ix_alerts_person_id_acknowledged_at"), table_name="alerts")
    op.drop_index(op.f("ix_alerts_clinic_id_physio_id_acknowledged_at"), table_name="alerts")
    op.drop_table("alerts")
