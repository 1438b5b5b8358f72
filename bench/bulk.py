"""Bulk copies of template people, for the benches (`bench/review.py`, `bench/clinic.py`).

A template person is lived once through the services into a scratch database; `rows_of`
reads every row of theirs, and a `Copier` writes as many copies as a bench needs, each
row with a new id (a session's entries and sets, and the decisions about a session,
follow it), in large batches.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, Table, func, select, text

from kneecoach.store import tables

# Person-owned tables, copied with new ids; sessions' entries and sets follow their session.
OWNED = (
    "programme_versions",
    "sessions",
    "checkins",
    "psfs",
    "clearances",
    "decisions",
    "escalations",
    "course_states",
)
NESTED = ("session_entries", "entry_sets")
PERSON_TABLES = ("people", *OWNED, *NESTED)
FLUSH_ROWS = 50_000  # rows held before they are written

Rows = dict[str, list[dict[str, Any]]]


def table(name: str) -> Table:
    found = tables.Base.metadata.tables[name]
    assert isinstance(found, Table)
    return found


def rows_of(engine: Engine) -> Rows:
    """Every person-owned row of a template database, table by table."""
    with engine.connect() as connection:
        return {
            name: [dict(r._mapping) for r in connection.execute(select(table(name)))]
            for name in PERSON_TABLES
        }


class Copier:
    """Copies of template people written into `engine`'s database: `person` copies one,
    `add` queues a row of the bench's own (a table named in `extra`), `finish` writes
    what is left and moves PostgreSQL's id sequences past the new ids."""

    def __init__(self, engine: Engine, extra: Iterable[str] = ()) -> None:
        self.engine = engine
        self.names = (*PERSON_TABLES, *extra)  # written in this order: parents first
        with engine.connect() as connection:
            self.ids = {
                name: int(connection.scalar(select(func.max(table(name).c.id))) or 0)
                for name in self.names
            }
        self.batch: Rows = {name: [] for name in self.names}
        self.held = 0

    def take(self, name: str) -> int:
        """A new id in `name`."""
        self.ids[name] += 1
        return self.ids[name]

    def add(self, name: str, row: dict[str, Any]) -> None:
        self.batch[name].append(row)
        self.held += 1

    def person(self, rows: Rows) -> int:
        """One copy of the template person `rows`; its new id."""
        person = self.take("people")
        self.add("people", {**rows["people"][0], "id": person, "uid": f"{person:032x}"})
        session_ids: dict[int, int] = {}
        entry_ids: dict[int, int] = {}
        for name in OWNED:
            for row in rows[name]:
                new = {**row, "id": self.take(name), "person_id": person}
                if name == "sessions":
                    session_ids[row["id"]] = new["id"]
                if name == "decisions" and row["session_id"] is not None:
                    new["session_id"] = session_ids[row["session_id"]]
                self.add(name, new)
        for row in rows["session_entries"]:
            entry_ids[row["id"]] = self.take("session_entries")
            session = session_ids[row["session_id"]]
            self.add("session_entries", {**row, "id": entry_ids[row["id"]], "session_id": session})
        for row in rows["entry_sets"]:
            entry = entry_ids[row["entry_id"]]
            self.add("entry_sets", {**row, "id": self.take("entry_sets"), "entry_id": entry})
        return person

    def full(self) -> bool:
        """Whether enough rows are held to write them (`flush`)."""
        return self.held >= FLUSH_ROWS

    def flush(self) -> None:
        with self.engine.begin() as connection:
            for name in self.names:
                if self.batch[name]:
                    connection.execute(table(name).insert(), self.batch[name])
                    self.batch[name] = []
        self.held = 0

    def finish(self) -> None:
        self.flush()
        if self.engine.dialect.name != "postgresql":
            return
        with self.engine.begin() as connection:
            for name, last in self.ids.items():
                sequence = f"pg_get_serial_sequence('{name}', 'id')"
                connection.execute(text(f"SELECT setval({sequence}, {max(last, 1)})"))
