"""The clinic tables as migrated are the models' tables, on both backends."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from tests.integration.test_schema import schema_diff

CLINIC_TABLES = {
    "clinics",
    "accounts",
    "invites",
    "auth_sessions",
    "login_failures",
    "audit_events",
}


def test_the_migration_creates_the_clinic_tables_as_modelled(engine: Engine) -> None:
    assert set(inspect(engine).get_table_names()) >= CLINIC_TABLES
    assert schema_diff(engine) == []


def test_an_email_is_unique_among_accounts_that_sign_in(engine: Engine) -> None:
    indexes = {index["name"]: index for index in inspect(engine).get_indexes("accounts")}
    assert indexes["uq_accounts_active_email"]["unique"]
