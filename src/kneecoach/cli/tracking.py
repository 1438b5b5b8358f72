"""Commands that follow a person over time: start, today, session, checkin, psfs, clear,
history, progress, review. Each opens one unit of work on the chosen database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kneecoach import clock
from kneecoach.cli.database import (
    DateOption,
    DbOption,
    PersonOption,
    count_people,
    database_url,
    person_for,
    prepared_url,
    started_person,
)
from kneecoach.cli.database import database as _database
from kneecoach.cli.database import day_option as _day
from kneecoach.cli.io import (
    err,
    fail,
    lazy_module,
    load_catalogue,
    out,
    print_json,
    read_json,
)
from kneecoach.domain.planning import DISCLAIMER, parse_profile, plan
from kneecoach.domain.screening import screen
from kneecoach.services.actor import OWNER
from kneecoach.services.validation import pain_score

# Rich layouts and prompts load only when a command prints for a person.
views = lazy_module("kneecoach.cli.views")
prompts = lazy_module("kneecoach.cli.prompts")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")]


def register(app: typer.Typer) -> None:
    """Add the tracking commands to the `kneecoach` app."""

    @app.command("start")
    def start(
        profile: Annotated[
            Path | None,
            typer.Option("--profile", help="The profile of `plan` as JSON; no questions asked."),
        ] = None,
        psfs: Annotated[
            Path | None,
            typer.Option("--psfs", help='PSFS activities as JSON: {"activities": [...]}.'),
        ] = None,
        date: DateOption = None,
        db: DbOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Start a programme: disclaimer, safety questions, your profile, your plan (saved)."""
        from kneecoach.services.onboarding import start_programme

        day = _day(date)
        catalogue = load_catalogue()
        psfs_raw: Any = None
        if profile is not None:
            err.print(DISCLAIMER)
            raw = read_json(profile, "--profile")
            if not isinstance(raw, dict):
                fail("--profile", "expected a JSON object")
            if psfs is not None:
                psfs_raw = read_json(psfs, "--psfs")
        else:
            if as_json:
                fail("--profile", "required with --json (nothing is asked interactively)")
            err.print(f"[bold]{DISCLAIMER}[/bold]\n")
            answers = prompts.ask_screening()
            triage = screen(answers)
            views.triage(triage)
            if triage.stops_programme:
                return
            raw = {**prompts.ask_profile(), "screening": answers}
            psfs_raw = prompts.ask_psfs()
        result = start_programme(_database(db), catalogue, raw, day, psfs_raw, actor=OWNER)
        if as_json:
            print_json(result)
            return
        views.programme(plan(parse_profile(raw), catalogue), catalogue)
        views.started(result, catalogue)

    @app.command("today")
    def today(
        date: DateOption = None,
        db: DbOption = None,
        person: PersonOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """What to do today, what changed since last time, and why."""
        from kneecoach.services.today import today as today_of

        catalogue = load_catalogue()
        uow = _database(db)
        result = today_of(uow, catalogue, person_for(uow, person), _day(date), actor=OWNER)
        if as_json:
            print_json(result)
            return
        views.today(result, catalogue)

    @app.command("session")
    def session(
        log: Annotated[
            Path | None,
            typer.Option("--log", help="Record a finished session from JSON ('-' for stdin)."),
        ] = None,
        fast: Annotated[
            bool, typer.Option("--fast", help="Skip the waiting (timers) for scripted use.")
        ] = False,
        date: DateOption = None,
        db: DbOption = None,
        person: PersonOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """A guided session in the terminal, or `--log FILE` to record one."""
        from kneecoach.services.sessions import record_session
        from kneecoach.services.today import today as today_of

        catalogue = load_catalogue()
        uow = _database(db)
        if log is not None:
            raw = read_json(log, "--log")
            result = record_session(
                uow, catalogue, started_person(uow, person), raw, clock.today(), actor=OWNER
            )
            if as_json:
                print_json(result)
                return
            views.session_saved(result)
            return
        if as_json:
            fail("--log", "required with --json (the guided session asks questions)")
        day = _day(date)
        who = person_for(uow, person)
        plan_today = today_of(uow, catalogue, who, day, actor=OWNER)
        if plan_today["status"] != "session":
            views.today(plan_today, catalogue)
            return
        from kneecoach.cli.player import run_player

        raw = run_player(plan_today, catalogue, fast=fast)
        if raw is None:
            err.print("Nothing was done, so nothing was saved.")
            return
        result = record_session(
            uow, catalogue, started_person(uow, who), raw, clock.today(), actor=OWNER
        )
        views.session_saved(result)

    @app.command("checkin")
    def checkin(
        pain: Annotated[int, typer.Option("--pain", help="Your pain score 0-10 now.")],
        morning: Annotated[
            bool, typer.Option("--morning", help="This is your score on waking up.")
        ] = False,
        answers: Annotated[
            Path | None,
            typer.Option("--answers", help="The safety questions answered again, as JSON."),
        ] = None,
        note: Annotated[str | None, typer.Option("--note", help="Anything to add.")] = None,
        date: DateOption = None,
        db: DbOption = None,
        person: PersonOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Record a pain score 0-10 (and the safety questions, weekly or when something is new)."""
        from kneecoach.services.checkins import record_checkin

        score = _pain_option(pain)
        raw = read_json(answers, "--answers") if answers is not None else None
        if raw is not None and not isinstance(raw, dict):
            fail("--answers", "expected a JSON object of answers")
        catalogue = load_catalogue()
        uow = _database(db)
        result = record_checkin(
            uow,
            catalogue,
            started_person(uow, person),
            _day(date),
            score,
            actor=OWNER,
            morning=morning,
            answers=raw,
            notes=note,
        )
        if as_json:
            print_json(result)
            return
        views.checked_in(result)

    @app.command("psfs")
    def psfs_command(
        answers: Annotated[
            Path, typer.Option("--answers", help='{"activities": [{"name", "score"}]} as JSON.')
        ],
        date: DateOption = None,
        db: DbOption = None,
        person: PersonOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Score 1-3 everyday activities 0 (cannot do) to 10 (as before): PSFS."""
        from kneecoach.services.checkins import record_psfs

        raw = read_json(answers, "--answers")
        uow = _database(db)
        result = record_psfs(uow, started_person(uow, person), _day(date), raw, actor=OWNER)
        if as_json:
            print_json(result)
            return
        out.print(
            f"Saved. Activity score {result['mean']:g}/10 "
            f"({result['change_from_intake']:+g} since the start)."
        )

    @app.command("clear")
    def clear(
        by: Annotated[str, typer.Option("--by", help="Who cleared you to exercise.")],
        answers: Annotated[
            Path | None,
            typer.Option("--answers", help="The safety questions answered again, as JSON."),
        ] = None,
        date: DateOption = None,
        db: DbOption = None,
        person: PersonOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Record that a professional cleared you to exercise again after a stop."""
        from kneecoach.services.checkins import record_clearance

        if not by.strip():
            fail("--by", "say who cleared you, e.g. --by 'Dr Patel, GP'")

        raw: Any = read_json(answers, "--answers") if answers is not None else None
        if raw is not None and not isinstance(raw, dict):
            fail("--answers", "expected a JSON object of answers")
        catalogue = load_catalogue()
        uow = _database(db)
        who = started_person(uow, person)
        result = record_clearance(uow, catalogue, who, _day(date), by, raw, actor=OWNER)
        if as_json:
            print_json(result)
            return
        views.cleared(result)

    @app.command("history")
    def history_command(
        db: DbOption = None, person: PersonOption = None, as_json: JsonFlag = False
    ) -> None:
        """Every session, check-in and PSFS score recorded."""
        from kneecoach.services.progress import history

        uow = _database(db)
        result = history(uow, person_for(uow, person), actor=OWNER)
        if as_json:
            print_json(result)
            return
        views.history(result)

    @app.command("progress")
    def progress_command(
        date: DateOption = None,
        db: DbOption = None,
        person: PersonOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Your pain trend, decisions, escalations and how many sessions you did."""
        from kneecoach.services.progress import progress

        catalogue = load_catalogue()
        uow = _database(db)
        result = progress(uow, catalogue, started_person(uow, person), _day(date), actor=OWNER)
        if as_json:
            print_json(result)
            return
        views.progress(result)

    @app.command("review")
    def review(
        date: DateOption = None,
        db: DbOption = None,
        batch: Annotated[int, typer.Option("--batch", min=1, max=10000)] = 200,
        workers: Annotated[
            int,
            typer.Option("--workers", min=1, max=16, help="Processes to review in (default: 1)."),
        ] = 1,
        as_json: JsonFlag = False,
    ) -> None:
        """Recompute decisions for every person in the database (the nightly job)."""
        import time

        day = _day(date)
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        from kneecoach.services.review import review_all

        catalogue = load_catalogue()
        uow = _database(db)  # opened (settings read, schema checked) before the clock
        # The review's own time: after the program has loaded and its database is open.
        began = time.perf_counter()
        total = count_people(uow)
        columns = (TextColumn("Reviewing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err, disable=as_json, transient=False) as bar:
            task = bar.add_task("review", total=total)
            people, new = review_all(
                database_url(db),
                catalogue,
                day,
                batch=batch,
                workers=workers,
                progress=lambda n: bar.update(task, advance=n),
            )
        result = {
            "date": day.isoformat(),
            "people": people,
            "new_decisions": new,
            "seconds": round(time.perf_counter() - began, 3),
        }
        if as_json:
            print_json(result)
            return
        out.print(f"Reviewed {people} people; {new} new decisions.")


GRACEFUL_SHUTDOWN_SECONDS = 2


def _pain_option(value: int) -> int:
    try:
        return pain_score(value, "--pain")
    except ValueError as error:
        fail("--pain", str(error).split(": ", 1)[1])


def register_serve(app: typer.Typer) -> None:
    """`kneecoach serve`: the web app on this machine only (personal mode), or a clinic's
    server (`--clinic`: accounts and roles, so it may listen beyond loopback)."""

    @app.command("serve")
    def serve(
        host: Annotated[
            str,
            typer.Option("--host", help="Loopback only (127.0.0.1 or ::1), unless --clinic."),
        ] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
        workers: Annotated[int, typer.Option("--workers", min=1, max=16)] = 1,
        db: DbOption = None,
        clinic: Annotated[
            bool,
            typer.Option(
                "--clinic", help="Clinic mode: accounts, roles, patients, the audit trail."
            ),
        ] = False,
        public_host: Annotated[
            list[str] | None,
            typer.Option(
                "--public-host",
                help="Clinic mode: a host name clients use (behind a TLS proxy, its name). "
                "Turns on Secure cookies and HSTS. Repeatable.",
            ),
        ] = None,
    ) -> None:
        """Start the web app at http://127.0.0.1:8000 (no account needed; this machine only)."""
        import json
        import os

        import uvicorn

        from kneecoach.settings import get_settings

        public = _public_hosts(host, public_host or [], clinic=clinic)
        # Create or migrate the database before the workers start.
        url = prepared_url(db, clinic=clinic)
        os.environ["KNEECOACH_DATABASE_URL"] = url
        os.environ["KNEECOACH_PORT"] = str(port)
        os.environ["KNEECOACH_CLINIC_MODE"] = "1" if clinic else "0"
        os.environ["KNEECOACH_PUBLIC_HOSTS"] = json.dumps(public)
        # Read again by the app (in this process with one worker): the URL may have been
        # resolved from the settings, read before these were set.
        get_settings.cache_clear()
        shown = f"[{host}]" if ":" in host else host
        where = f"https://{public[0]}" if public else f"http://{shown}:{port}"
        mode = "kneecoach (clinic mode)" if clinic else "kneecoach"
        err.print(f"{mode} is running at {where}  (Ctrl-C to stop)")
        uvicorn.run(
            "kneecoach.web.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
            # Clinic mode behind a TLS proxy on this machine: the client's address (the
            # audit trail, sign-in throttling) from X-Forwarded-For, trusted from
            # 127.0.0.1 only. Personal mode trusts no header.
            proxy_headers=clinic,
            forwarded_allow_ips="127.0.0.1",
            server_header=False,
            # Stop within a few seconds of SIGTERM even with browsers holding connections open.
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )


WILDCARDS = ("0.0.0.0", "::", "[::]")


def _public_hosts(host: str, given: list[str], *, clinic: bool) -> list[str]:
    """The host names clients may use beyond loopback: the --public-host names, and
    --host itself when it is a name or address beyond loopback."""
    from kneecoach.web.security import is_loopback

    if not clinic:
        if not is_loopback(host):
            fail(
                "--host",
                f"{host!r} is not a loopback address. Personal mode has no accounts, so it "
                "only listens on this machine (127.0.0.1, localhost or ::1). A clinic "
                "serves beyond it with --clinic.",
            )
        if given:
            fail("--public-host", "Only clinic mode (--clinic) serves beyond this machine.")
        return []
    names = []
    for name in given:
        cleaned = name.strip().lower()
        if not cleaned or "/" in cleaned or " " in cleaned or cleaned in WILDCARDS:
            fail("--public-host", f"{name!r} is not a host name (clinic.example.org).")
        names.append(cleaned)
    if host in WILDCARDS and not names:
        fail(
            "--public-host",
            f"--host {host} listens on every address: name the host clients use "
            "(--public-host clinic.example.org).",
        )
    if not is_loopback(host) and host not in WILDCARDS and host not in names:
        names.append(host)
    return names
