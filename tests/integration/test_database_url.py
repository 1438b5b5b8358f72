"""Choosing the database: --db, then $KNEECOACH_DATABASE_URL, then the default file."""

from __future__ import annotations

from pathlib import Path

import pytest

from kneecoach.store.db import ENV_VAR, connect, default_url, resolve_url
from kneecoach.store.errors import StoreError


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv(ENV_VAR, raising=False)
    return tmp_path / "data"


def test_the_default_is_a_file_in_the_user_data_directory(data_home: Path) -> None:
    url = default_url()
    assert url == f"sqlite:///{data_home / 'kneecoach' / 'kneecoach.db'}"
    assert (data_home / "kneecoach").is_dir()
    assert resolve_url(None) == url


def test_the_option_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "sqlite:////tmp/from-env.db")
    assert resolve_url("sqlite:////tmp/from-option.db") == "sqlite:////tmp/from-option.db"
    assert resolve_url(None) == "sqlite:////tmp/from-env.db"


def test_an_empty_environment_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "  ")
    assert resolve_url(None) == default_url()


@pytest.mark.parametrize(
    ("given", "resolved"),
    [
        (
            "postgres://kc:secret@db.example:5432/kc",
            "postgresql+psycopg://kc:secret@db.example:5432/kc",
        ),
        ("postgresql://kc@localhost/kc", "postgresql+psycopg://kc@localhost/kc"),
        ("postgresql+psycopg://kc@localhost/kc", "postgresql+psycopg://kc@localhost/kc"),
        ("POSTGRESQL://kc@localhost/kc", "postgresql+psycopg://kc@localhost/kc"),
        ("sqlite:///relative.db", "sqlite:///relative.db"),
    ],
)
def test_postgresql_urls_are_given_the_psycopg_driver(given: str, resolved: str) -> None:
    assert resolve_url(given) == resolved


@pytest.mark.parametrize(
    "bad", ["mysql://kc@localhost/kc", "postgresql+psycopg2://kc@h/kc", "kneecoach.db", ""]
)
def test_an_unsupported_url_is_a_store_error_naming_db(bad: str) -> None:
    with pytest.raises(StoreError) as caught:
        resolve_url(bad)
    assert caught.value.field == "database"
    assert isinstance(caught.value, ValueError)
    assert caught.value.problem.startswith("--db: ")  # where the URL came from


def test_a_bad_environment_url_says_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "oracle://scott@tiger/db")
    with pytest.raises(StoreError, match=ENV_VAR) as caught:
        resolve_url(None)
    assert caught.value.field == "database"


def test_an_unreachable_database_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        connect(f"sqlite:///{tmp_path / 'missing-directory' / 'kneecoach.db'}")
    assert caught.value.field == "database"
    with pytest.raises(StoreError) as caught:
        connect("postgresql://kneecoach:hidden-secret@127.0.0.1:1/kneecoach")
    assert caught.value.field == "database"
    assert "hidden-secret" not in str(caught.value)


def test_connect_returns_one_engine_per_url(db_url: str) -> None:
    assert connect(db_url) is connect(db_url)
