"""The audit append made in the server (PostgreSQL): one statement that takes the
chain's head, seals the event and moves the head.

The application still writes every field, and the JSON of all of them but the id and
the previous hash (services/audit.py `canonical_middle`); the function adds those two
around it exactly as `event_hash` does ('[' id ',' middle ',' "prev" ']'), and takes
SHA-256 of it. So the head's row lock is held from this one statement to the commit,
with no round trip to the application in between. SQLite appends as before (its write
lock queues appenders anyway). `kneecoach audit verify` recomputes every hash in Python,
so a function that sealed differently would be found at once (tested).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = """
CREATE FUNCTION kneecoach_audit_append(
    p_at timestamptz, p_actor_id integer, p_role varchar, p_action varchar,
    p_patient_id integer, p_route varchar, p_outcome varchar, p_ip varchar,
    p_clinic_id integer, p_middle text, p_genesis varchar
) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    v_last integer;
    v_prev varchar;
    v_id integer;
    v_hash varchar;
BEGIN
    SELECT h.last_id, h.last_hash INTO v_last, v_prev FROM audit_head h WHERE h.id = 1
    FOR UPDATE;
    IF NOT FOUND THEN
        -- No head (an empty chain, or a head deleted in SQL): make it, locked, and go on
        -- from the newest event itself.
        INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '')
        ON CONFLICT (id) DO NOTHING;
        PERFORM 1 FROM audit_head h WHERE h.id = 1 FOR UPDATE;
        SELECT e.id, e.hash INTO v_last, v_prev FROM audit_events e ORDER BY e.id DESC LIMIT 1;
    END IF;
    IF v_last IS NULL OR v_last = 0 THEN
        v_id := 1;
        v_prev := p_genesis;
    ELSE
        v_id := v_last + 1;
    END IF;
    v_hash := encode(
        sha256(convert_to('[' || v_id || ',' || p_middle || ',' || to_json(v_prev)::text || ']',
                          'UTF8')),
        'hex');
    INSERT INTO audit_events (id, at, actor_id, role, action, patient_id, route, outcome,
                              ip, clinic_id, prev_hash, hash)
    VALUES (v_id, p_at, p_actor_id, p_role, p_action, p_patient_id, p_route, p_outcome,
            p_ip, p_clinic_id, v_prev, v_hash);
    UPDATE audit_head SET last_id = v_id, last_hash = v_hash WHERE id = 1;
    RETURN v_id;
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION kneecoach_audit_append(timestamptz, integer, varchar, varchar, "
            "integer, varchar, varchar, varchar, integer, text, varchar)"
        )
