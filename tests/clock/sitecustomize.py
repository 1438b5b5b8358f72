"""The opt-in test clock (docs/testing.md): `make test-dates` puts this folder on PYTHONPATH.

With KNEECOACH_TEST_NOW set, e.g. 2028-02-29T23:59:50 (local time unless an offset follows),
every Python process that starts with this folder on PYTHONPATH runs on a wall clock that
time-machine moves there, ticking on: pytest, and the `kneecoach` subprocesses the tests start.
All of them share one clock: the first process stores the real moment it started in
KNEECOACH_TEST_NOW_ANCHOR, which its children inherit, and each starts as far past
KNEECOACH_TEST_NOW as the real clock is past that anchor. So a run started at 23:59:50 crosses
midnight ten seconds in, in every process alike.

Only the wall clock moves (time.time, datetime.now, date.today): time.monotonic and
perf_counter stay real, so sleeps, timeouts and event loops (uvicorn, Playwright) are unchanged.
Without KNEECOACH_TEST_NOW this file does nothing.
"""

from __future__ import annotations

import os

NOW = os.environ.get("KNEECOACH_TEST_NOW", "")
ANCHOR = "KNEECOACH_TEST_NOW_ANCHOR"


def _travel(now: str) -> None:
    import datetime as dt
    import time

    import time_machine

    moment = dt.datetime.fromisoformat(now)
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a naive moment is local time, like date.today()
    real = time.time()  # not travelling yet: the machine's clock
    anchor = float(os.environ.setdefault(ANCHOR, repr(real)))
    time_machine.travel(moment + dt.timedelta(seconds=real - anchor), tick=True).start()


if NOW:
    try:
        _travel(NOW)
    except Exception as error:  # a wrong clock must stop the run, not go on with the real date
        import sys

        sys.stderr.write(f"KNEECOACH_TEST_NOW={NOW!r}: cannot start the test clock: {error}\n")
        os._exit(2)
