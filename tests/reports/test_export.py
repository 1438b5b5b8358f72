"""Export and import: lossless round trip on both backends, refusals, one transaction, CSV."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from kneecoach.reports.export import export_document, import_document
from kneecoach.services.actor import OWNER
from kneecoach.services.validation import InvalidInput
from kneecoach.store import restore as restore_module
from kneecoach.store.db import database
from tests.reports.cli import kc, kc_process, one_line_error
from tests.reports.journey import seed

TODAY = dt.date(2026, 6, 1)


def _export(url: str) -> dict[str, Any]:
    db = database(url)
    newest = db.revision()
    assert newest is not None
    return export_document(db, newest[0], actor=OWNER)


def _people(url: str) -> int:
    with database(url).read() as store:
        return store.count_people()


@pytest.fixture
def second_url(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Another empty database on the same backend as `db_url`."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'second.db'}"
    server = request.getfixturevalue("postgresql_server")
    name = server.create_database()
    request.addfinalizer(lambda: server.recycle(name))
    return str(server.url(name))


def test_round_trip_is_lossless(db_url: str, second_url: str) -> None:
    seed(db_url, days=10)
    first = _export(db_url)
    assert first["sessions"] and first["checkins"] and first["decisions"]
    summary = import_document(
        database(second_url), json.loads(json.dumps(first)), TODAY, actor=OWNER
    )
    assert summary["sessions"] == len(first["sessions"])
    again = _export(second_url)
    assert json.dumps(again, sort_keys=False) == json.dumps(first, sort_keys=False)
    # The imported database keeps working: new rows get fresh ids (PostgreSQL sequences).
    newest = database(second_url).revision()
    assert newest is not None and newest[0] == summary["person_id"]
    with database(second_url).write() as store:
        new_id = store.add_checkin(newest[0], date=dt.date(2026, 1, 20), pain=1, morning=True)
    assert new_id > max(c["id"] for c in first["checkins"])


def test_import_refuses_a_database_with_data(db_url: str) -> None:
    seed(db_url, days=2)
    document = _export(db_url)
    with pytest.raises(InvalidInput) as refused:
        import_document(database(db_url), document, TODAY, actor=OWNER)
    # The store names the database; the CLI says --db (test_cli_round_trip_and_refusals).
    assert refused.value.field == "database"
    assert _people(db_url) == 1


def test_a_failure_half_way_leaves_nothing(
    db_url: str, second_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db_url, days=4)
    document = _export(db_url)
    real = restore_module._rows

    def broken(session: Any, model: Any, rows: list[dict[str, Any]]) -> None:
        if model.__tablename__ == "escalations" or model.__tablename__ == "decisions":
            raise RuntimeError("disk full")
        real(session, model, rows)

    monkeypatch.setattr(restore_module, "_rows", broken)
    with pytest.raises(RuntimeError):
        import_document(database(second_url), document, TODAY, actor=OWNER)
    assert _people(second_url) == 0
    with database(second_url).read() as store:
        assert store.sessions(1) == [] and store.checkins(1) == []


def _document(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "export.json"
    done = kc_process("export", "--out", str(path), "--db", url)
    assert done.returncode == 0, done.stderr
    return path


def test_cli_round_trip_and_refusals(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    seed(url, days=5)
    path = _document(tmp_path, url)
    document = json.loads(path.read_text())
    assert document["format_version"] == 1

    copy = f"sqlite:///{tmp_path / 'b.db'}"
    done = kc("import", str(path), "--db", copy, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sessions"] == len(document["sessions"])
    again = tmp_path / "again.json"
    assert kc("export", "--out", str(again), "--db", copy).returncode == 0
    # Byte for byte: the document holds no moment of export, only the data.
    assert again.read_text() == path.read_text()

    one_line_error(kc("import", str(path), "--db", copy), "--db")

    empty = f"sqlite:///{tmp_path / 'c.db'}"
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**document, "format_version": 99}))
    done = kc("import", str(newer), "--db", empty)
    one_line_error(done, "format_version")
    assert "99" in done.stderr

    broken = tmp_path / "broken.json"
    sessions = [dict(s) for s in document["sessions"]]
    sessions[-1]["pain_after"] = 14
    broken.write_text(json.dumps({**document, "sessions": sessions}))
    one_line_error(kc("import", str(broken), "--db", empty), f"sessions.{len(sessions) - 1}")

    garbled = tmp_path / "garbled.json"
    garbled.write_text('{"format_version": 1, "person": ')
    one_line_error(kc("import", str(garbled), "--db", empty), "FILE")
    assert _people(empty) == 0


def test_csv_files(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    seed(url, days=5)
    folder = tmp_path / "csv"
    done = kc("export", "--format", "csv", "--out", str(folder), "--db", url, "--json")
    assert done.returncode == 0, done.stderr
    document = _export(url)
    with (folder / "sessions.csv").open() as handle:
        sessions = list(csv.DictReader(handle))
    assert [s["client_id"] for s in sessions] == [s["client_id"] for s in document["sessions"]]
    with (folder / "entries.csv").open() as handle:
        sets = list(csv.DictReader(handle))
    assert len(sets) == sum(
        len(entry["sets"]) for s in document["sessions"] for entry in s["entries"]
    )
    with (folder / "checkins.csv").open() as handle:
        checkins = list(csv.DictReader(handle))
    assert [int(c["pain"]) for c in checkins] == [c["pain"] for c in document["checkins"]]
    one_line_error(kc("export", "--format", "xml", "--out", "x", "--db", url), "--format")
