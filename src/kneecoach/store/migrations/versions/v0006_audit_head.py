"""The audit chain's head: its newest event's id and hash, kept beside the trail.

Deleting the newest events in SQL leaves a chain that still holds; it no longer meets
the head, which `kneecoach audit verify` compares. A trail already there gets its head
from its newest event.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.execute(
        "INSERT INTO audit_head (id, last_id, last_hash) "
        "SELECT 1, id, hash FROM audit_events ORDER BY id DESC LIMIT 1"
    )


def downgrade() -> None:
    op.drop_table("audit_head")
