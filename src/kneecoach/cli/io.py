"""Input and output rules every command shares.

With --json, stdout carries only the JSON document; messages go to stderr.
Bad input exits with code 2 and one line naming the field; never a traceback.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from kneecoach.domain.exercises import Catalogue


class LazyConsole:
    """A Rich console made on first use: `--json` output never imports Rich."""

    def __init__(self, *, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False)
        return getattr(self._console, name)


out: Any = LazyConsole()
err: Any = LazyConsole(stderr=True)


def lazy_module(name: str) -> ModuleType:
    """`name`, imported on first attribute access (the standard library's LazyLoader)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, name
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


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
