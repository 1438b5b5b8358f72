"""Running `kneecoach` as a person would: in this process (fast), or as a real subprocess."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

from kneecoach.cli.main import main

EXE = shutil.which("kneecoach", path=str(Path(sys.executable).parent)) or "kneecoach"


def kc(*args: str) -> subprocess.CompletedProcess[str]:
    """`kneecoach ARGS` through its real entry function, stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def kc_process(*args: str) -> subprocess.CompletedProcess[str]:
    """The installed `kneecoach` command in a subprocess."""
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    env.pop("KNEECOACH_DATABASE_URL", None)
    return subprocess.run(
        [EXE, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def one_line_error(done: subprocess.CompletedProcess[str], field: str) -> None:
    """Exit 2, one line on stderr naming the field, no traceback."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"error: {field}"), lines[0]
    assert "Traceback" not in done.stderr
