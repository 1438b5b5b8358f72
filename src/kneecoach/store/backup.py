"""SQLite backups with the online backup API: a consistent copy while the server writes.

The copy is made in one step, inside one read transaction: with WAL, writers carry on
meanwhile and the copy is the database as it was when the step began. It is written to a
temporary file, checked (integrity_check) and only then moved into place.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from kneecoach.store.errors import StoreError
from kneecoach.store.sqlite import BUSY_TIMEOUT_MS


def sqlite_path(url: str) -> Path:
    """The file behind a sqlite:/// URL; other databases have their own backup tools."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise StoreError(
            "database",
            "backup and restore work on a SQLite file; for PostgreSQL use pg_dump and "
            "pg_restore, or `kneecoach export`",
        )
    if not parsed.database or parsed.database == ":memory:":
        raise StoreError("database", "give a SQLite file, e.g. sqlite:///kneecoach.db")
    return Path(parsed.database)


def _open(path: Path) -> sqlite3.Connection:
    # Not mode=ro: a read-only connection cannot open a WAL database whose -shm is missing.
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return connection


def integrity(path: Path) -> str:
    """'ok', or SQLite's first complaint about the file."""
    with contextlib.closing(_open(path)) as connection:
        row = connection.execute("PRAGMA integrity_check").fetchone()
    return str(row[0]) if row else "no answer"


def _people(connection: sqlite3.Connection) -> int | None:
    """How many people a kneecoach database holds; None if it is not one."""
    try:
        row = connection.execute("SELECT count(*) FROM people").fetchone()
    except sqlite3.DatabaseError:
        return None
    return int(row[0])


def backup(url: str, out: Path) -> dict[str, object]:
    """Copy the database at `url` into the file `out` (replaced if it exists)."""
    source = sqlite_path(url)
    if not source.exists():
        raise StoreError("database", f"{source} does not exist: nothing to back up")
    target = out.with_name(f".{out.name}.partial")
    target.unlink(missing_ok=True)
    try:
        with contextlib.closing(_open(source)) as src:
            if _people(src) is None:
                raise StoreError("database", f"{source} is not a kneecoach database")
            with contextlib.closing(sqlite3.connect(target)) as dst:
                src.backup(dst)  # pages=-1: all in one step, one consistent snapshot
                dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                people = _people(dst)
        checked = integrity(target)
        if checked != "ok":
            raise StoreError("out", f"the copy failed its integrity check: {checked}")
        os.replace(target, out)
    except OSError as error:
        raise StoreError("out", f"cannot write {out}: {error.strerror or error}") from None
    finally:
        target.unlink(missing_ok=True)
    return {"backup": str(out), "people": people, "bytes": out.stat().st_size}


def restore(backup_file: Path, url: str, *, force: bool) -> dict[str, object]:
    """Copy a backup into the SQLite database at `url`.

    Refuses a database that already holds someone's data unless `force`; the target's
    own file is written through SQLite (under its lock), never replaced behind its back.
    """
    target = sqlite_path(url)
    if not backup_file.is_file():
        raise StoreError("FILE", f"{backup_file} is not a file")
    try:
        checked = integrity(backup_file)
    except sqlite3.DatabaseError as error:
        raise StoreError("FILE", f"{backup_file} is not a SQLite database: {error}") from None
    if checked != "ok":
        raise StoreError("FILE", f"{backup_file} failed its integrity check: {checked}")
    with contextlib.closing(_open(backup_file)) as src:
        people = _people(src)
        if people is None:
            raise StoreError("FILE", f"{backup_file} is not a kneecoach backup")
        if target.exists():
            with contextlib.closing(_open(target)) as existing:
                held = _people(existing)
            if held and not force:
                raise StoreError(
                    "force",
                    f"{target} already holds data ({held} "
                    f"{'person' if held == 1 else 'people'}); add --force to replace it",
                )
        target.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(_open(target)) as dst:
            src.backup(dst)
    return {"restored": str(backup_file), "database": str(target), "people": people}
