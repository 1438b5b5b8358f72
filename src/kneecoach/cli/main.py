"""The `kneecoach` command: thin Typer adapters around the domain."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.exceptions import TyperException

from kneecoach.cli import clinic, reports, tracking
from kneecoach.cli.io import (
    BAD_INPUT,
    InputError,
    err,
    fail,
    lazy_module,
    load_catalogue,
    print_json,
    read_json,
)
from kneecoach.content.errors import ContentError
from kneecoach.domain.errors import FieldError
from kneecoach.domain.exercises import CATEGORIES
from kneecoach.domain.planning import parse_profile, plan
from kneecoach.domain.screening import screen

# Rich layouts and prompts load only when a command prints for a person.
views = lazy_module("kneecoach.cli.views")
prompts = lazy_module("kneecoach.cli.prompts")

app = typer.Typer(
    name="kneecoach",
    help="A home exercise programme for pain on the inner side of the knee.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
exercises_app = typer.Typer(
    help="List the exercises, or show one in full.",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(exercises_app, name="exercises")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")]


@exercises_app.callback()
def exercises(
    ctx: typer.Context,
    category: Annotated[
        str | None,
        typer.Option("--category", help=f"Only one category: {', '.join(CATEGORIES)}."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """List the exercises (all, or one category)."""
    if ctx.invoked_subcommand is not None:
        return
    if category is not None and category not in CATEGORIES:
        fail("--category", f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")
    entries = [ex for ex in load_catalogue() if category is None or ex.category == category]
    if as_json:
        print_json([ex.as_dict() for ex in entries])
        return
    views.exercise_list(entries)


@exercises_app.command("show")
def exercises_show(
    exercise_id: Annotated[str, typer.Argument(metavar="ID", help="An exercise id, e.g. bridge.")],
    as_json: JsonFlag = False,
    svg: Annotated[
        Path | None,
        typer.Option("--svg", metavar="FILE", help="Also write the animated figure (SVG) to FILE."),
    ] = None,
    strip: Annotated[
        Path | None,
        typer.Option("--strip", metavar="FILE", help="Also write the key positions (SVG) to FILE."),
    ] = None,
) -> None:
    """Show one exercise in full: steps, dose, what to feel, what to avoid."""
    catalogue = load_catalogue()
    if exercise_id not in catalogue:
        fail("ID", f"unknown exercise id {exercise_id!r}; see `kneecoach exercises`")
    exercise = catalogue.get(exercise_id)
    from kneecoach.figures.render import animated_svg, strip_svg

    for option, target, draw in (("--svg", svg, animated_svg), ("--strip", strip, strip_svg)):
        if target is None:
            continue
        if exercise.category == "avoid":
            fail(option, f"{exercise_id!r} is something to avoid, so it has no figure")
        try:
            target.write_text(draw(exercise_id), encoding="utf-8")
        except OSError as error:
            fail(option, f"cannot write {target}: {error.strerror or error}")
        err.print(f"Figure written to {target}", markup=False)
    if as_json:
        print_json(exercise.as_dict())
        return
    views.exercise_detail(exercise, catalogue)


@app.command("screen")
def screen_command(
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="A JSON file of answers ('-' for stdin). Asks if absent."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check for danger signs that need a doctor before exercise."""
    if answers is None:
        if as_json:
            fail("--answers", "required with --json (nothing is asked interactively)")
        raw = prompts.ask_screening()
    else:
        raw = read_json(answers, "--answers")
        if not isinstance(raw, dict):
            fail("--answers", "expected a JSON object of answers")
    triage = screen(raw)
    if as_json:
        print_json(triage.as_dict())
        return
    views.triage(triage)


@app.command("plan")
def plan_command(
    profile: Annotated[
        Path, typer.Option("--profile", help="A JSON profile file ('-' for stdin).")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Build a weekly programme from a profile file."""
    from kneecoach.settings import apply_rules

    raw = read_json(profile, "--profile")
    apply_rules()
    programme = plan(parse_profile(raw), load_catalogue())
    if as_json:
        print_json(programme.as_dict())
        return
    views.programme(programme, load_catalogue())


@app.command("avoid")
def avoid_command(as_json: JsonFlag = False) -> None:
    """What to leave out for now, and why."""
    entries = load_catalogue().by_category("avoid")
    if as_json:
        print_json([ex.as_dict() for ex in entries])
        return
    views.avoid_list(entries)


tracking.register(app)
reports.register(app)
tracking.register_serve(app)
clinic.register(app)


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code: 2 and one line for bad input."""
    try:
        code = app(args=argv, prog_name="kneecoach", standalone_mode=False)
    except TyperException as error:  # usage errors: unknown option, missing value
        show = getattr(error, "show", None)
        if show is not None:
            show(file=sys.stderr)
        else:
            err.print(f"error: {error.format_message()}", markup=False)
        return int(error.exit_code)
    except typer.Abort:
        err.print("\nStopped. Nothing was saved.")
        return 130
    except (InputError, FieldError) as error:
        field = getattr(error, "field", None)
        hint = " (run `kneecoach start`)" if field == "programme" else ""
        shown = str(error)
        if isinstance(error, FieldError) and field in OPTION_FOR:  # the store's own names
            shown = f"{OPTION_FOR[field]}: {error.problem}"
        err.print(f"error: {shown}{hint}", markup=False, soft_wrap=True)
        return BAD_INPUT
    except ContentError as error:
        err.print(f"error: content file {error}", markup=False, soft_wrap=True)
        return 1
    except (KeyboardInterrupt, EOFError):
        err.print("\nStopped. Nothing was saved.")
        return 130
    except Exception as error:  # a bug: say so in one line unless debugging
        if os.environ.get("KNEECOACH_DEBUG"):
            raise
        err.print(f"internal error: {type(error).__name__}: {error}", markup=False)
        err.print("Set KNEECOACH_DEBUG=1 to see the details, and please report it.")
        return 1
    return code if isinstance(code, int) else 0


# The store names what it could not use in its own words; the CLI names the option.
OPTION_FOR = {"database": "--db", "out": "--out", "force": "--force"}


def run() -> None:
    """Console entry point."""
    sys.exit(main())
