"""The layers of docs/architecture.md: who may import whom, and who finds the person."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "kneecoach"


def imports(path: Path) -> set[str]:
    """Every kneecoach module a file imports (at any depth, lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("kneecoach")}


def files(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


def test_the_domain_imports_only_itself():
    for path in files("domain"):
        outside = {m for m in imports(path) if not m.startswith("kneecoach.domain")}
        assert not outside, (path.name, outside)


def test_services_know_nothing_of_the_web_or_the_cli():
    for path in files("services"):
        adapters = {m for m in imports(path) if m.startswith(("kneecoach.web", "kneecoach.cli"))}
        assert not adapters, (path.name, adapters)


def test_only_the_personal_mode_adapters_look_up_the_person_on_this_machine():
    """`current_person_id` and `current_revision` (the store's "most recent person") are
    reached only through the unit of work's `revision()`, which the personal-mode adapters
    call: the CLI's one place (cli/database.py) and the web's dependency module."""
    callers = {
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if "current_person_id(" in path.read_text() or "current_revision(" in path.read_text()
    }
    allowed = {"store/repository.py", "store/db.py"}
    assert callers <= allowed, callers - allowed


# The composition roots: they build the unit of work the services open for themselves.
COMPOSITION_ROOTS = {"web/deps.py", "cli/database.py"}


def test_outside_services_and_the_store_only_the_composition_roots_import_the_store():
    importers = {
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if any(m.startswith("kneecoach.store") for m in imports(path))
    }
    outside = {p for p in importers if not p.startswith(("store/", "services/"))}
    assert outside <= COMPOSITION_ROOTS, outside - COMPOSITION_ROOTS


def test_the_store_knows_nothing_of_the_services_or_the_adapters():
    for path in files("store"):
        above = {
            m
            for m in imports(path)
            if m.startswith(("kneecoach.services", "kneecoach.web", "kneecoach.cli"))
            or m.startswith("kneecoach.reports")
        }
        assert not above, (path.name, above)
