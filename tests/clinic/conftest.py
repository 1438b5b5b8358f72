"""Clinic mode fixtures: a unit of work on each backend, cheap argon2, a clinic to work in.

Times are explicit (`NOW`), so nothing here sleeps or depends on today's date.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import Engine

from kneecoach.services import auth, clinic
from kneecoach.services.actor import Actor
from kneecoach.store.db import Database, connect, dispose_all

NOW = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"  # 21 characters, not common, no email name in it


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lowest argon2 costs (production keeps argon2-cffi's defaults): hashing would
    otherwise be most of these tests' time."""
    monkeypatch.setenv("KNEECOACH_CLINIC__ARGON2_TIME_COST", "1")
    monkeypatch.setenv("KNEECOACH_CLINIC__ARGON2_MEMORY_KIB", "8")
    monkeypatch.setenv("KNEECOACH_CLINIC__ARGON2_PARALLELISM", "1")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the newest schema once, for each test to copy."""
    path = tmp_path_factory.mktemp("template") / "kneecoach.db"
    connect(f"sqlite:///{path}")
    dispose_all()  # each test's own database is disposed of at its end, so only this one
    return path


@pytest.fixture
def engine(db_url: str, request: pytest.FixtureRequest) -> Engine:
    """The test's database, migrated. On SQLite a copy of a file migrated once (most of a
    second less per test); test_schema.py checks the migrations themselves."""
    if db_url.startswith("sqlite:///"):
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, db_url.removeprefix("sqlite:///"))
    return connect(db_url)


@pytest.fixture
def uow(engine: Engine) -> Database:
    return Database(engine)


def code(secret: str, at: dt.datetime) -> str:
    """The TOTP code an authenticator app would show at `at`."""
    return pyotp.TOTP(secret).at(at)


def secret_of(uri: str | None) -> str:
    assert uri is not None
    return str(pyotp.parse_uri(uri).secret)


@dataclass
class Member:
    """A signed-up account: its actor, email, password and TOTP secret (staff)."""

    account_id: int
    role: str
    clinic_id: int
    email: str
    secret: str | None = None
    patient_id: int | None = None
    password: str = PASSWORD

    @property
    def actor(self) -> Actor:
        return Actor(self.role, self.account_id)  # type: ignore[arg-type]

    def login(self, uow: Database, at: dt.datetime, **changes: object) -> auth.Login:
        totp = code(self.secret, at) if self.secret else None
        values: dict[str, object] = {"password": self.password, "totp": totp, **changes}
        return auth.login(uow, self.email, values["password"], values["totp"], now=at)


def accept(uow: Database, token: str, email: str, name: str = "Sam Example") -> Member:
    accepted = clinic.accept_invite(uow, token, name, PASSWORD, now=NOW)
    secret = secret_of(accepted.otpauth_uri) if accepted.otpauth_uri else None
    return Member(accepted.account_id, accepted.role, accepted.clinic_id, email, secret)


@dataclass
class ClinicWorld:
    clinic_id: int
    admin: Member
    physio: Member
    other_physio: Member
    patient: Member
    other_patient: Member


def make_clinic(uow: Database, tag: str = "one") -> ClinicWorld:
    """A clinic with an admin, two physios, and one signed-up patient of each physio."""
    created = clinic.init_clinic(uow, f"Clinic {tag}", f"admin.{tag}@example.org", now=NOW)
    admin = accept(uow, created.invite.invite_token, f"admin.{tag}@example.org")
    physios = []
    for who in ("physio", "other"):
        email = f"{who}.{tag}@example.org"
        invite = clinic.invite_staff(uow, admin.actor, email, "physio", now=NOW)
        physios.append(accept(uow, invite.invite_token, email))
    patients = []
    for physio, who in zip(physios, ("patient", "otherpatient"), strict=True):
        email = f"{who}.{tag}@example.org"
        made = clinic.create_patient(uow, physio.actor, f"{who} {tag}", email, now=NOW)
        member = accept(uow, made.invite.invite_token, email)
        member.patient_id = made.patient_id
        patients.append(member)
    return ClinicWorld(created.clinic_id, admin, physios[0], physios[1], *patients)


@pytest.fixture
def world(uow: Database) -> ClinicWorld:
    return make_clinic(uow)


@pytest.fixture
def two_worlds(uow: Database) -> Iterator[tuple[ClinicWorld, ClinicWorld]]:
    yield make_clinic(uow, "one"), make_clinic(uow, "two")
