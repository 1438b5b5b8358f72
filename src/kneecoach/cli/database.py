"""The one CLI module that opens the database: `--db`, the unit of work, today's date.

SQLAlchemy and the services are imported only when a command needs them, so
`kneecoach --help` and `kneecoach exercises` start quickly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from kneecoach import clock
from kneecoach.cli.io import fail
from kneecoach.domain.dates import parse_day
from kneecoach.domain.errors import FieldError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kneecoach.store.repository import Store

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL (sqlite:///file.db or postgresql://...). "
        "Default: $KNEECOACH_DATABASE_URL, else a file in your data folder.",
    ),
]
PersonOption = Annotated[
    int | None,
    typer.Option("--person", min=1, help="Act for this person id (default: the most recent)."),
]
DateOption = Annotated[
    str | None, typer.Option("--date", help="Act as if today were YYYY-MM-DD (default: today).")
]


def day_option(value: str | None, option: str = "--date") -> dt.date:
    """A date option (default today), YYYY-MM-DD, from 2000-01-01 to 366 days after today."""
    today = clock.today()
    if value is None:
        return today
    try:
        return parse_day(value, today, option)
    except FieldError as error:
        fail(option, error.problem)


def optional_day(value: str | None, option: str) -> dt.date | None:
    return None if value is None else day_option(value, option)


def database_url(db: str | None) -> str:
    from kneecoach.store.db import resolve_url

    return resolve_url(db)


def engine_for(db: str | None) -> Engine:
    """The engine for `--db`, with the configured design choices handed to the engine."""
    from kneecoach.settings import apply_rules
    from kneecoach.store.db import connect

    apply_rules()
    return connect(database_url(db))


@contextmanager
def store(db: str | None, *, read_only: bool = False) -> Iterator[Store]:
    """One unit of work on the chosen database: committed at the end, rolled back on error."""
    from kneecoach.store.db import unit_of_work

    with unit_of_work(engine_for(db), read_only=read_only) as opened:
        yield opened


def person_for(store: Store, person: int | None) -> int | None:
    """The person a command acts for: `--person`, else the most recent person in the
    database (None when nobody has started). The CLI's one "person on this machine"."""
    if person is None:
        return store.current_person_id()
    if not store.has_person(person):
        fail("--person", f"no person with id {person} in this database")
    return person


def started_person(store: Store, person: int | None) -> int:
    """`person_for`, for commands that need a programme (NotStarted when none)."""
    from kneecoach.services.programme import NotStarted

    found = person_for(store, person)
    if found is None:
        raise NotStarted()
    return found
