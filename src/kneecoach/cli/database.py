"""The one CLI module that opens the database: `--db`, the unit of work, the person, today's date.

SQLAlchemy and the services are imported only when a command needs them, so
`kneecoach --help` and `kneecoach exercises` start quickly.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kneecoach import clock
from kneecoach.cli.io import fail
from kneecoach.domain.dates import parse_day
from kneecoach.domain.errors import FieldError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from kneecoach.services.uow import UnitOfWork

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


# Clinic mode's database when neither --db nor KNEECOACH_DATABASE_URL names one: the
# PostgreSQL database `kneecoach` on this machine's default socket, as the local user.
CLINIC_DEFAULT_URL = "postgresql:///kneecoach"


def database_url(db: str | None, *, clinic: bool = False) -> str:
    """`--db`, else $KNEECOACH_DATABASE_URL, else the default: the SQLite file in the data
    folder, or for clinic mode (`clinic`, `audit`, `serve --clinic`) CLINIC_DEFAULT_URL."""
    from kneecoach.settings import get_settings
    from kneecoach.store.db import normalise_url, resolve_url

    if clinic and db is None and not (get_settings().database_url or "").strip():
        return normalise_url(CLINIC_DEFAULT_URL)
    return resolve_url(db)


def engine_for(db: str | None, *, clinic: bool = False) -> Engine:
    """The engine for `--db`, with the configured design choices handed to the engine."""
    from kneecoach.settings import apply_rules
    from kneecoach.store.db import connect

    apply_rules()
    return connect(database_url(db, clinic=clinic))


def database(db: str | None, *, clinic: bool = False) -> UnitOfWork:
    """The unit of work the services open on the chosen database (`--db`)."""
    from kneecoach.store.db import Database

    return Database(engine_for(db, clinic=clinic))


def person_for(uow: UnitOfWork, person: int | None) -> int | None:
    """The person a command acts for: `--person`, else the most recent person in the
    database (None when nobody has started). The CLI's one "person on this machine"."""
    if person is None:
        found = uow.revision()
        return found[0] if found else None
    with uow.read() as store:
        if not store.has_person(person):
            fail("--person", f"no person with id {person} in this database")
    return person


def started_person(uow: UnitOfWork, person: int | None) -> int:
    """`person_for`, for commands that need a programme (NotStarted when none)."""
    from kneecoach.services.onboarding import started

    return started(person_for(uow, person))


def prepared_url(db: str | None, *, clinic: bool = False) -> str:
    """The URL of `--db`, its database created or migrated now (before `serve` starts its
    workers). Reads no settings beyond the URL: `serve` sets its workers' environment next."""
    from kneecoach.store.db import connect

    url = database_url(db, clinic=clinic)
    connect(url)
    return url


def count_people(uow: UnitOfWork) -> int:
    with uow.read() as store:
        return store.count_people()


def backup(db: str | None, out: Path) -> dict[str, object]:
    """A consistent copy of the SQLite database behind `--db` into `out`."""
    from kneecoach.store.backup import backup as copy

    return copy(database_url(db), out)


def restore(file: Path, db: str | None, *, force: bool) -> dict[str, object]:
    """Put the backup `file` back into the SQLite database behind `--db`."""
    from kneecoach.store.backup import restore as put_back

    return put_back(file, database_url(db), force=force)
