"""Quick commands stay quick: `--help` and `exercises --json` import no database, web,
PDF or FHIR stack (timings are in bench/cli_start.py and docs/performance.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "fastapi", "uvicorn", "weasyprint", "fhir", "alembic", "psycopg")


def imported_modules(*args: str) -> set[str]:
    code = "import sys; from kneecoach.cli.main import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert len(names) > 50, "expected -X importtime to list the imports"
    return names


@pytest.mark.parametrize(
    "args", [["--help"], ["exercises", "--json"], ["exercises", "show", "bridge"]]
)
def test_quick_commands_import_no_heavy_stack(args):
    names = imported_modules(*args)
    heavy = sorted(n for n in names if n.split(".")[0] in HEAVY or n.startswith("fhir"))
    assert heavy == []


def test_a_data_command_still_imports_the_database():
    assert "sqlalchemy" in imported_modules("today", "--json", "--db", "sqlite:///:memory:")
