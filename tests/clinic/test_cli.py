"""`kneecoach clinic init` through a real subprocess: JSON, a second tenant, bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kneecoach.cli.main import main
from kneecoach.services import clinic
from kneecoach.store.db import Database
from tests.clinic.conftest import PASSWORD
from tests.clinic.test_audit import kc


def test_clinic_init_prints_the_invite_and_makes_a_tenant_each_time(
    db_url: str, uow: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    first = kc(
        "clinic",
        "init",
        "--name",
        "Knee Clinic",
        "--admin-email",
        "a@example.org",
        "--db",
        db_url,
        "--json",
    )
    assert first.returncode == 0, first.stderr
    made = json.loads(first.stdout)
    assert made.keys() == {"clinic_id", "invite_token", "invite_path"}
    assert made["invite_path"] == f"/invite/{made['invite_token']}"
    # In this process from here on: a subprocess costs seconds on a busy machine.
    args = ["clinic", "init", "--name", "Hip Clinic", "--admin-email", "b@example.org"]
    assert main([*args, "--db", db_url]) == 0
    assert "Clinic 2 created." in capsys.readouterr().out
    # The command dated the invite by the clock: accept it by the clock too.
    now = dt.datetime.now(dt.UTC)
    accepted = clinic.accept_invite(uow, made["invite_token"], "Ada", PASSWORD, now=now)
    assert (accepted.role, accepted.clinic_id) == ("admin", made["clinic_id"])


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--name", "  ", "--admin-email", "a@example.org"], "--name"),
        (["--name", "C", "--admin-email", "not-an-email"], "--admin-email"),
    ],
)
def test_bad_input_exits_2_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], option: str
) -> None:
    code = main(["clinic", "init", *args, "--db", f"sqlite:///{tmp_path}/k.db", "--json"])
    written = capsys.readouterr()
    assert code == 2
    assert written.out == ""
    assert written.err.startswith(f"error: {option}: ")


def test_clinic_mode_defaults_to_postgresql_and_personal_mode_to_sqlite(monkeypatch) -> None:
    from kneecoach.cli.database import database_url
    from kneecoach.settings import get_settings

    monkeypatch.delenv("KNEECOACH_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    assert database_url(None, clinic=True) == "postgresql+psycopg:///kneecoach"
    assert database_url(None).startswith("sqlite:///")
    assert database_url("sqlite:///x.db", clinic=True) == "sqlite:///x.db"
    monkeypatch.setenv("KNEECOACH_DATABASE_URL", "sqlite:///from-env.db")
    get_settings.cache_clear()
    assert database_url(None, clinic=True) == "sqlite:///from-env.db"
