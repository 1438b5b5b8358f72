"""Commands that take the person's data away: handout, report, export, import, calendar,
backup and restore (kneecoach.reports does the work; docs/reports.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated

import typer

from kneecoach import clock
from kneecoach.cli.database import (
    DbOption,
    PersonOption,
    backup,
    optional_day,
    restore,
    started_person,
)
from kneecoach.cli.database import database as _database
from kneecoach.cli.database import day_option as _day
from kneecoach.cli.io import err, fail, load_catalogue, print_json, read_json
from kneecoach.cli.tracking import JsonFlag
from kneecoach.services.actor import OWNER

PaperOption = Annotated[
    str, typer.Option("--paper", help="Paper size: a4 or letter.", metavar="a4|letter")
]
PAPERS = ("a4", "letter")
FORMATS = ("json", "csv", "fhir")


def _paper(value: str) -> str:
    paper = value.lower()
    if paper not in PAPERS:
        fail("--paper", f"expected a4 or letter, got {value!r}")
    return paper


def _write(path: Path, data: bytes, option: str = "--out") -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        fail(option, f"cannot write {path}: {error.strerror or error}")


def _done(as_json: bool, summary: dict[str, object], words: str) -> None:
    if as_json:
        print_json(summary)
    else:
        err.print(words, markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the handout, report, export, import, calendar, backup and restore commands."""

    @app.command("handout")
    def handout(
        out: Annotated[Path, typer.Option("--out", help="The PDF file to write.")],
        paper: PaperOption = "a4",
        date: Annotated[
            str | None, typer.Option("--date", help="The programme as on YYYY-MM-DD.")
        ] = None,
        db: DbOption = None,
        person: PersonOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Print your programme: the week, every exercise with pictures, what to avoid."""
        from kneecoach.reports.current import current
        from kneecoach.reports.pdf import handout_html, render_pdf

        size = _paper(paper)
        day = _day(date)
        catalogue = load_catalogue()
        uow = _database(db)
        now = current(uow, catalogue, started_person(uow, person), day, actor=OWNER)
        html = handout_html(now, catalogue, paper=size, printed=day)  # type: ignore[arg-type]
        _write(out, render_pdf(html))
        _done(
            as_json,
            {"out": str(out), "paper": size, "date": day.isoformat(), "stopped": now.stopped},
            f"Handout written to {out}",
        )

    @app.command("report")
    def report(
        out: Annotated[Path, typer.Option("--out", help="The PDF file to write.")],
        start: Annotated[
            str | None,
            typer.Option("--from", help="First day YYYY-MM-DD (default: the programme start)."),
        ] = None,
        end: Annotated[
            str | None, typer.Option("--to", help="Last day YYYY-MM-DD (default: today).")
        ] = None,
        paper: PaperOption = "a4",
        db: DbOption = None,
        person: PersonOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """A progress report for an appointment: pain, activities, sessions, decisions."""
        from kneecoach.reports.current import current
        from kneecoach.reports.pdf import render_pdf
        from kneecoach.reports.progress_report import report_html

        size = _paper(paper)
        last = optional_day(end, "--to") or clock.today()
        first_option = optional_day(start, "--from")
        catalogue = load_catalogue()
        uow = _database(db)
        now = current(uow, catalogue, started_person(uow, person), last, actor=OWNER)
        begin = now.person["start_date"]
        first = first_option or begin
        if first > last:
            fail("--from", f"{first} is after --to {last}")
        if last < begin:
            fail("--to", f"{last} is before the programme started ({begin})")
        html = report_html(
            catalogue,
            now,
            first=max(first, begin),
            last=last,
            paper=size,  # type: ignore[arg-type]
            printed=clock.today(),
        )
        _write(out, render_pdf(html))
        _done(
            as_json,
            {
                "out": str(out),
                "paper": size,
                "from": max(first, begin).isoformat(),
                "to": last.isoformat(),
            },
            f"Report written to {out}",
        )

    @app.command("export")
    def export(
        out: Annotated[
            Path, typer.Option("--out", help="The file to write (a folder for --format csv).")
        ],
        format_: Annotated[
            str, typer.Option("--format", help="json (default), csv or fhir.")
        ] = "json",
        db: DbOption = None,
        person: PersonOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Everything stored about you, as JSON (restorable), CSV files, or a FHIR R4 Bundle."""
        from kneecoach.reports.export import export_document

        kind = format_.lower()
        if kind not in FORMATS:
            fail("--format", f"expected json, csv or fhir, got {format_!r}")
        catalogue = load_catalogue()
        uow = _database(db)
        who = started_person(uow, person)
        document = export_document(uow, who, actor=OWNER)
        if kind == "fhir":
            from kneecoach.reports.current import current

            now = current(uow, catalogue, who, clock.today(), actor=OWNER)
        summary: dict[str, object] = {
            "out": str(out),
            "format": kind,
            "format_version": document["format_version"],
        }
        if kind == "json":
            _write(out, _json_bytes(document))
        elif kind == "csv":
            from kneecoach.reports.spreadsheet import write_csv

            try:
                files = write_csv(document, out)
            except OSError as error:
                fail("--out", f"cannot write CSV files into {out}: {error.strerror or error}")
            summary["files"] = [str(f) for f in files]
        else:
            from kneecoach.reports.fhir import fhir_bundle, validate_bundle

            bundle = fhir_bundle(document, now, catalogue)
            validate_bundle(bundle)
            _write(out, _json_bytes(bundle))
            summary["resources"] = len(bundle["entry"])
        _done(as_json, summary, f"Exported ({kind}) to {out}")

    @app.command("import")
    def import_command(
        file: Annotated[
            Path, typer.Argument(metavar="FILE", help="A JSON file from `kneecoach export`.")
        ],
        db: DbOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Restore an export into an EMPTY database (nothing is written if anything is wrong)."""
        from kneecoach.reports.export import import_document

        raw = read_json(file, "FILE")
        summary = import_document(_database(db), raw, clock.today(), actor=OWNER)
        _done(
            as_json,
            summary,
            f"Imported {summary['sessions']} sessions and {summary['checkins']} check-ins.",
        )

    @app.command("calendar")
    def calendar(
        out: Annotated[Path, typer.Option("--out", help="The .ics file to write.")],
        weeks: Annotated[
            int, typer.Option("--weeks", min=1, max=52, help="How many weeks ahead.")
        ] = 6,
        at: Annotated[
            str, typer.Option("--time", help="Session start time HH:MM (your local time).")
        ] = "18:00",
        remind: Annotated[
            int,
            typer.Option("--remind", min=0, max=1440, help="Reminder, minutes before."),
        ] = 30,
        date: Annotated[
            str | None, typer.Option("--date", help="First day YYYY-MM-DD (default: today).")
        ] = None,
        db: DbOption = None,
        person: PersonOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Your sessions for the coming weeks as calendar events, each with a reminder."""
        from kneecoach.reports.current import current
        from kneecoach.reports.ical import calendar_ics, session_days

        try:
            start_time = dt.time.fromisoformat(at)
        except ValueError:
            fail("--time", f"expected HH:MM, got {at!r}")
        day = _day(date)
        catalogue = load_catalogue()
        uow = _database(db)
        now = current(uow, catalogue, started_person(uow, person), day, actor=OWNER)
        data = calendar_ics(
            now,
            catalogue,
            first=day,
            weeks=weeks,
            at=start_time,
            remind_minutes=remind,
            stamp=dt.datetime.now(dt.UTC).replace(microsecond=0),
        )
        _write(out, data)
        events = 0 if now.stopped else len(session_days(now, day, weeks))
        words = f"{events} sessions written to {out}"
        if now.stopped:
            words = f"The programme is on hold, so {out} has no sessions."
        _done(as_json, {"out": str(out), "events": events, "stopped": now.stopped}, words)

    @app.command("backup")
    def backup_command(
        out: Annotated[Path, typer.Option("--out", help="The backup file to write.")],
        db: DbOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """A consistent copy of the SQLite database, safe while `kneecoach serve` runs."""
        summary = backup(db, out)
        _done(as_json, summary, f"Backup written to {out}")

    @app.command("restore")
    def restore_command(
        file: Annotated[Path, typer.Argument(metavar="FILE", help="A file from `backup`.")],
        force: Annotated[
            bool, typer.Option("--force", help="Replace a database that already holds data.")
        ] = False,
        db: DbOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Put a backup back into the SQLite database (refuses to overwrite data unless --force)."""
        summary = restore(file, db, force=force)
        _done(as_json, summary, f"Restored {file} into {summary['database']}")


def _json_bytes(document: object) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
