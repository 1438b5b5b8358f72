"""Backups while another thread writes, and restores that refuse to overwrite data."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path

from kneecoach.store.backup import backup, integrity
from kneecoach.store.db import database
from tests.factories import clear_answers, profile
from tests.reports.cli import kc, one_line_error

START = dt.date(2026, 1, 5)


def _person(url: str) -> int:
    with database(url).write() as store:
        return store.add_person(
            profile=profile(),
            start_date=START,
            baseline_pain=4,
            screening=clear_answers(),
            urgency="none",
        )


def _counts(path: Path) -> tuple[int, int]:
    """(check-ins, revision): each check-in is written with a new revision token, together."""
    with sqlite3.connect(path) as connection:
        checkins = connection.execute("SELECT count(*) FROM checkins").fetchone()[0]
        revision = connection.execute("SELECT revision FROM people").fetchone()[0]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    return int(checkins), int(revision)


def test_backup_during_writes_is_consistent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    person_id = _person(url)
    db = database(url)
    stop = threading.Event()
    written = [0]
    # The revision token each number of check-ins was committed with.
    revisions: dict[int, int] = {}

    def writer() -> None:
        while not stop.is_set():
            with db.write() as store:
                store.add_checkin(person_id, date=START, pain=written[0] % 11, morning=False)
                key = store.current_person_revision()
            assert key is not None
            written[0] += 1
            revisions[written[0]] = key[2]

    thread = threading.Thread(target=writer)
    thread.start()
    copies = []
    try:
        while written[0] < 5:  # the writer is under way
            stop.wait(0.01)
        for n in range(3):
            copy = tmp_path / f"copy-{n}.db"
            backup(url, copy)
            copies.append(copy)
    finally:
        stop.set()
        thread.join()
    assert written[0] > 5
    seen = []
    for copy in copies:
        assert integrity(copy) == "ok"
        checkins, revision = _counts(copy)
        assert revision == revisions[checkins]  # never a check-in without its revision, or back
        seen.append(checkins)
    assert seen == sorted(seen) and seen[-1] <= written[0]

    target = tmp_path / "restored.db"
    done = kc("restore", str(copies[-1]), "--db", f"sqlite:///{target}", "--json")
    assert done.returncode == 0, done.stderr
    assert integrity(target) == "ok"
    assert _counts(target) == (seen[-1], revisions[seen[-1]])
    # The restored file opens as a kneecoach database.
    with database(f"sqlite:///{target}").read() as store:
        assert len(store.checkins(person_id)) == seen[-1]


def test_restore_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    _person(url)
    out = tmp_path / "a.backup"
    done = kc("backup", "--out", str(out), "--db", url, "--json")
    assert done.returncode == 0, done.stderr

    other = f"sqlite:///{tmp_path / 'b.db'}"
    _person(other)
    _person(other)
    one_line_error(kc("restore", str(out), "--db", other), "--force")
    assert _people(tmp_path / "b.db") == 2
    done = kc("restore", str(out), "--db", other, "--force")
    assert done.returncode == 0, done.stderr
    assert _people(tmp_path / "b.db") == 1

    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    one_line_error(kc("restore", str(junk), "--db", f"sqlite:///{tmp_path / 'c.db'}"), "FILE")
    one_line_error(kc("backup", "--out", str(out), "--db", "postgresql://x@localhost/db"), "--db")


def _people(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM people").fetchone()[0])
