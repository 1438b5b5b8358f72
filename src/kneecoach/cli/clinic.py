"""Clinic mode's commands: `clinic init` (a clinic and its first admin's invite) and
`audit verify` (the audit trail's hash chain). The services do the work (issue 12)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from kneecoach.cli.database import DbOption, database
from kneecoach.cli.io import err, fail, out, print_json
from kneecoach.cli.tracking import JsonFlag
from kneecoach.domain.errors import FieldError

BROKEN_CHAIN = 3
# The services name their fields; the command names its options.
OPTIONS = {"name": "--name", "admin_email": "--admin-email", "database": "--db"}


def register(app: typer.Typer) -> None:
    """Add `kneecoach clinic ...` and `kneecoach audit ...`."""
    clinic_app = typer.Typer(help="Clinic mode: accounts, roles and an audit trail.")
    audit_app = typer.Typer(help="Clinic mode's audit trail.")
    app.add_typer(clinic_app, name="clinic")
    app.add_typer(audit_app, name="audit")

    @clinic_app.command("init")
    def init(
        name: Annotated[str, typer.Option("--name", help="The clinic's name.")],
        admin_email: Annotated[
            str, typer.Option("--admin-email", help="The first admin's email (invited).")
        ],
        db: DbOption = None,
        as_json: JsonFlag = False,
    ) -> None:
        """Create a clinic and a one-time invite (72 hours) for its first admin."""
        from kneecoach.services.clinic import init_clinic

        try:
            created = init_clinic(
                database(db, clinic=True), name, admin_email, now=dt.datetime.now(dt.UTC)
            )
        except FieldError as error:
            fail(OPTIONS.get(error.field, error.field), error.problem)
        if as_json:
            print_json(created.as_dict())
            return
        out.print(f"Clinic {created.clinic_id} created.", markup=False)
        out.print(
            "Send the first admin this invite (it works once, for 72 hours): "
            f"{created.invite.invite_path}",
            markup=False,
            soft_wrap=True,
        )

    @audit_app.command("verify")
    def verify(db: DbOption = None, as_json: JsonFlag = False) -> None:
        """Check the audit trail's hash chain: exit 0 when it holds, 3 when it is broken."""
        from kneecoach.services.audit import verify as verify_chain

        result = verify_chain(database(db, clinic=True))
        if as_json:
            print_json(result.as_dict())
        elif result.ok:
            out.print(f"The audit trail holds: {result.events} events.", markup=False)
        else:
            err.print(
                f"The audit trail is broken at event {result.first_bad_id} "
                f"({result.events} events): it was changed or deleted outside kneecoach.",
                markup=False,
                soft_wrap=True,
            )
        if not result.ok:
            raise typer.Exit(BROKEN_CHAIN)
