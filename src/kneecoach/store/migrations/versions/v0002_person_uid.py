"""People get a random `uid` that is never reused; revisions become random tokens.

Cached answers are keyed by (uid, revision). SQLite reuses the id of a deleted
last row, so after "delete my data" a new person could get the old id and
revision and be served the deleted person's cached `today`. A random uid per
person, and a random revision on every write, are never reused.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("people", sa.Column("uid", sa.String(length=32), nullable=True))
    people = sa.table("people", sa.column("id", sa.Integer()), sa.column("uid", sa.String()))
    connection = op.get_bind()
    for (person_id,) in connection.execute(sa.select(people.c.id)).all():
        connection.execute(
            people.update().where(people.c.id == person_id).values(uid=uuid.uuid4().hex)
        )


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("uid")
