"""The dashboard's change mark: one number per clinic that moves whenever a patient's
row of the dashboard could change.

Triggers move it, in the same transaction as the change: a patient account added,
renamed, reassigned, signed up or removed; anything recorded about a patient (their
person row's revision moves); a session or check-in written or marked; a stored
summary; an alert opened or acknowledged. A physio's dashboard reads this one row
instead of all their patients' rows to know whether the list it holds is still true
(services/dashboard.py). On PostgreSQL the triggers are deferred to the commit, so the
mark's row lock is held for the commit only.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables whose rows a dashboard row is made from, and how a row names its clinic
# ({row} is NEW or OLD). A patient's account names it; the others name their person.
BY_PERSON = "(SELECT clinic_id FROM accounts WHERE person_id = {row}.person_id)"
CLINIC_OF = {
    "accounts": "{row}.clinic_id",
    "alerts": "{row}.clinic_id",
    "people": "(SELECT clinic_id FROM accounts WHERE person_id = {row}.id)",
    "course_summaries": BY_PERSON,
    "sessions": BY_PERSON,
    "checkins": BY_PERSON,
}
# Staff accounts change at every sign-in (last_login_at): only patients' rows count.
ONLY_IF = {"accounts": "{row}.role = 'patient'"}
EVENTS = ("INSERT", "UPDATE", "DELETE")

PG_FUNCTION = """
CREATE FUNCTION kneecoach_dashboard_mark() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed record;
    clinic integer;
BEGIN
    IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF;
    IF TG_TABLE_NAME = 'accounts' THEN
        IF changed.role <> 'patient' AND (TG_OP <> 'UPDATE' OR OLD.role <> 'patient') THEN
            RETURN NULL;
        END IF;
        clinic := changed.clinic_id;
    ELSIF TG_TABLE_NAME = 'alerts' THEN
        clinic := changed.clinic_id;
    ELSIF TG_TABLE_NAME = 'people' THEN
        SELECT a.clinic_id INTO clinic FROM accounts a WHERE a.person_id = changed.id;
    ELSE
        SELECT a.clinic_id INTO clinic FROM accounts a WHERE a.person_id = changed.person_id;
    END IF;
    IF clinic IS NOT NULL THEN
        INSERT INTO dashboard_marks AS m (clinic_id, mark) VALUES (clinic, 1)
        ON CONFLICT (clinic_id) DO UPDATE SET mark = m.mark + 1;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "dashboard_marks",
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("mark", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_dashboard_marks_clinic_id_clinics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("clinic_id", name=op.f("pk_dashboard_marks")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in CLINIC_OF:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER dashboard_mark AFTER INSERT OR UPDATE OR DELETE "
                f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                f"EXECUTE FUNCTION kneecoach_dashboard_mark()"
            )
        return
    for table, clinic_of in CLINIC_OF.items():
        for event in EVENTS:
            row = "OLD" if event == "DELETE" else "NEW"
            clinic = clinic_of.format(row=row)
            condition = ONLY_IF.get(table, "1").format(row=row)
            if table in ONLY_IF and event == "UPDATE":
                condition = f"({condition} OR {ONLY_IF[table].format(row='OLD')})"
            op.execute(
                f"CREATE TRIGGER dashboard_mark_{table}_{event.lower()} AFTER {event} ON {table} "
                f"FOR EACH ROW WHEN {condition} BEGIN "
                # Not INSERT OR IGNORE: an outer upsert's conflict rule would override it.
                f"INSERT INTO dashboard_marks (clinic_id, mark) SELECT {clinic}, 0 "
                f"WHERE {clinic} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM dashboard_marks WHERE clinic_id = {clinic}); "
                f"UPDATE dashboard_marks SET mark = mark + 1 WHERE clinic_id = {clinic}; "
                f"END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in CLINIC_OF:
            op.execute(f"DROP TRIGGER dashboard_mark ON {table}")
        op.execute("DROP FUNCTION kneecoach_dashboard_mark()")
    else:
        for table in CLINIC_OF:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER dashboard_mark_{table}_{event.lower()}")
    op.drop_table("dashboard_marks")
