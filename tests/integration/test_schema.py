"""The migrated schema is the models' schema, and SQLite runs with the settings we rely on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from kneecoach.store.db import SCHEMA_HEAD, alembic_config, connect, dispose_all, unit_of_work
from kneecoach.store.tables import Base
from tests.integration.records import a_session, add_person

TABLES = {
    "people",
    "programme_versions",
    "sessions",
    "session_entries",
    "entry_sets",
    "checkins",
    "psfs",
    "clearances",
    "decisions",
    "escalations",
    "course_states",
    # clinic mode (migration 0005)
    "clinics",
    "accounts",
    "invites",
    "auth_sessions",
    "login_failures",
    "audit_events",
    "audit_head",  # migration 0006
    # the physiotherapist's day (migration 0007)
    "alerts",
    "mail_outbox",
    "programme_templates",
    "course_summaries",
    "dashboard_marks",  # migration 0008
}


def schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_the_migrations_create_exactly_the_models(db_url: str) -> None:
    engine = connect(db_url)
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    assert schema_diff(engine) == []


def test_the_head_constant_names_the_newest_revision() -> None:
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_HEAD


def test_downgrade_to_nothing_and_upgrade_again(db_url: str) -> None:
    engine = connect(db_url)
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection=connection), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection=connection), "head")
    assert schema_diff(engine) == []


def pragma(engine: Engine, name: str) -> object:
    with engine.connect() as connection:
        return connection.exec_driver_sql(f"PRAGMA {name}").scalar()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    yield connect(f"sqlite:///{tmp_path / 'kneecoach.db'}")
    dispose_all()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(sqlite_engine: Engine) -> None:
    # Two connections at once: the settings hold for every connection, not only the first.
    with sqlite_engine.connect() as one, sqlite_engine.connect() as two:
        for connection in (one, two):
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_sqlite_enforces_foreign_keys(sqlite_engine: Engine) -> None:
    with pytest.raises(IntegrityError), sqlite_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO checkins (person_id, date, pain, morning, created_at) "
                "VALUES (12345, '2025-03-03', 2, 1, '2025-03-03 08:00:00')"
            )
        )


def test_sqlite_integrity_check_is_ok_after_writes(sqlite_engine: Engine) -> None:
    person_id = add_person(sqlite_engine)
    with unit_of_work(sqlite_engine) as store:
        for n in range(20):
            store.add_session(person_id, a_session(f"s{n}"))
        store.delete_person(person_id)
    assert pragma(sqlite_engine, "integrity_check") == "ok"
    assert pragma(sqlite_engine, "foreign_key_check") is None
