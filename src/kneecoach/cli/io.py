"""Input and output rules every command shares.

With --json, stdout carries only the JSON document; messages go to stderr.
Bad input exits with code 2 and one line naming the field; never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from kneecoach.domain.exercises import Catalogue

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

BAD_INPUT = 2


class InputError(ValueError):
    """Bad input from the person or a file; `field` names what was wrong."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def fail(field: str, problem: str) -> NoReturn:
    """Print one line naming the field and exit with code 2."""
    err.print(f"error: {field}: {problem}", markup=False, soft_wrap=True)
    raise typer.Exit(BAD_INPUT)


def read_json(path: Path, option: str) -> Any:
    """Read a JSON document from a file ('-' for standard input)."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InputError(option, f"cannot read {path}: {reason}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            option, f"{path} is not valid JSON (line {error.lineno}, column {error.colno})"
        ) from None


def print_json(document: object) -> None:
    """Write a JSON document to stdout, alone."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def load_catalogue() -> Catalogue:
    """The programme content (YAML and pydantic are imported only by commands that need it)."""
    from kneecoach.content.loader import load_catalogue as load

    return load()
