"""A `kneecoach` process that stops inside its write transaction, for the crash tests.

    python -m tests.integration.pause_in_write MARKER kneecoach-args...

It runs the real command, with one thing added from outside the product: a SQLAlchemy
listener that, after the first set of a session is inserted (the transaction open, the
session half written), touches MARKER and sleeps, so the test can SIGKILL it there.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


def main() -> int:
    marker, args = Path(sys.argv[1]), sys.argv[2:]

    @event.listens_for(Engine, "after_cursor_execute")
    def _pause(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ENTRY_SETS"):
            marker.write_text(str(os.getpid()))
            time.sleep(60)

    from kneecoach.cli.main import main as kneecoach

    return kneecoach(args)


if __name__ == "__main__":
    sys.exit(main())
