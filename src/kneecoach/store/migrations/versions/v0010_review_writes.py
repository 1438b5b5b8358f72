"""What made the nightly review's writes slow on PostgreSQL.

- `decisions (person_id, decided_on)`: a review drops the decisions derived after each
  person's state day (`decided_on > base OR decided_on IS NULL`); with only
  `(person_id, date)` every decision of the page's people was read to find none (30 ms a
  page of 200 with 12 weeks of history; 2 ms with it). SQLite gets the index too.
- PostgreSQL only: the course state (3-9 kB of JSON a person, written every night) is
  compressed with lz4 instead of the default pglz, where the server has lz4 (Debian's
  PostgreSQL 15 has): writing a page's states took 40 % less. Rows already stored keep
  their compression until they are written again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LZ4_AVAILABLE = (
    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
)


def upgrade() -> None:
    op.create_index(
        op.f("ix_decisions_person_id_decided_on"), "decisions", ["person_id", "decided_on"]
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.scalar(sa.text(LZ4_AVAILABLE)):
        op.execute("ALTER TABLE course_states ALTER COLUMN state SET COMPRESSION lz4")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.scalar(sa.text(LZ4_AVAILABLE)):
        op.execute("ALTER TABLE course_states ALTER COLUMN state SET COMPRESSION pglz")
    op.drop_index(op.f("ix_decisions_person_id_decided_on"), table_name="decisions")
