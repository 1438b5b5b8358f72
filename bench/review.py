"""Benchmark: the nightly `kneecoach review` over many people with weeks of history.

    .venv/bin/python bench/review.py --people 3000 --weeks 12 [--db URL] [--workers 2]

`--workers` is the review's processes in all (default 2, this machine's cores).

Makes N people, each with W weeks of history (a morning pain score every day, a
session every other day) and their course state stored up to the day before, plus
one new day of events each (that morning's score), as a nightly run meets them.
Three template journeys are lived once through the services; the people are copies
of them, written in bulk, so building 3,000 people with 12 weeks takes a minute or so.
Then it lets the database settle (`settle`: on PostgreSQL VACUUM ANALYZE and a
CHECKPOINT) and runs `kneecoach review --date DAY --json` as its own process, sampling its
resident memory (its workers' too), and prints one JSON object as its last line:
`people`, `weeks`, `workers`,
`seconds` (the review's own wall time, as it reports it, without the interpreter's
start), `people_per_second`, `peak_rss_mib` and the memory at each tenth of the run.
`--db` defaults to a temporary SQLite file; a PostgreSQL URL must name an empty database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bulk import Copier, Rows, rows_of  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.exc import DBAPIError  # noqa: E402
from tests.factories import profile  # noqa: E402

from kneecoach.content.loader import load_catalogue  # noqa: E402
from kneecoach.services.actor import OWNER  # noqa: E402
from kneecoach.services.checkins import record_checkin  # noqa: E402
from kneecoach.services.onboarding import start_programme  # noqa: E402
from kneecoach.services.sessions import record_session  # noqa: E402
from kneecoach.services.today import today  # noqa: E402
from kneecoach.store.db import connect, database  # noqa: E402

START = dt.date(2026, 1, 5)


def session_log(day: dt.date, items: list[dict[str, Any]], key: str, pain: int) -> dict[str, Any]:
    entries = []
    for item in items:
        dose = item["dose"]
        one = {k: dose.get(k) for k in ("reps", "hold_seconds", "minutes", "load_kg")}
        entries.append(
            {"exercise_id": item["exercise_id"], "sets": [{**one, "pain": pain}] * dose["sets"]}
        )
    return {
        "client_id": key,
        "date": day.isoformat(),
        "pain_before": pain,
        "pain_after": pain,
        "entries": entries,
    }


def live(url: str, pain: int, days: int) -> None:
    """One template person, lived day by day through the services (state stored daily)."""
    catalogue = load_catalogue()
    db = database(url)
    started = start_programme(
        db, catalogue, profile(days_per_week=7, pain_now=pain), START, actor=OWNER
    )
    person_id = started["person_id"]
    assert isinstance(person_id, int), started
    for n in range(days):
        day = START + dt.timedelta(days=n)
        score = max(0, pain - n // 10 + (n % 3 == 0))
        record_checkin(db, catalogue, person_id, day, score, morning=True, actor=OWNER)
        plan = today(db, catalogue, person_id, day, actor=OWNER)
        if plan["status"] == "session" and plan["items"] and n % 2 == 0:
            log = session_log(day, plan["items"], f"t{n}", min(score, 3))
            record_session(db, catalogue, person_id, log, day, actor=OWNER)
            today(db, catalogue, person_id, day, actor=OWNER)  # the state stored to the day's end


def clone(url: str, templates: list[Rows], people: int, day: dt.date) -> None:
    """`people` copies of the templates, with one new morning score each on `day`."""
    copier = Copier(connect(url))
    for n in range(people):
        person = copier.person(templates[n % len(templates)])
        copier.add(
            "checkins",
            {
                "id": copier.take("checkins"),
                "person_id": person,
                "date": day,
                "pain": 2,
                "morning": True,
                "notes": None,
                "answers": None,
                "urgency": None,
                "created_at": dt.datetime.now(dt.UTC),
            },
        )
        if copier.full():
            copier.flush()
            print(f"  wrote {n + 1}/{people} people", file=sys.stderr, end="\r")
    copier.finish()
    print(file=sys.stderr)


def settle(url: str) -> None:
    """Leave the database as a nightly run meets it: at rest, not just bulk-loaded.

    On PostgreSQL the load leaves about half a gigabyte of WAL, and a checkpoint then
    spreads its writes over the next 20 seconds or so, on the same two cores as the
    review. A review started at once ran at 1,452 people/s, one started after a
    checkpoint at 2,024 (docs/performance.md). So the load ends with VACUUM ANALYZE
    (what autovacuum does to a database in use) and a CHECKPOINT; a role that may not
    run CHECKPOINT gets a warning, and the figure may be low. SQLite folds its WAL
    file back into the database."""
    engine = connect(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("VACUUM ANALYZE"))
            try:
                connection.execute(text("CHECKPOINT"))
            except DBAPIError as error:
                print(
                    f"warning: no CHECKPOINT ({error.orig}); the figure may be low", file=sys.stderr
                )
        else:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def children(pid: int) -> list[int]:
    """The worker processes of a review (`--workers`), whose memory counts too."""
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(child) for child in found]


def run_review(url: str, day: dt.date, workers: int) -> dict[str, Any]:
    exe = shutil.which("kneecoach", path=str(Path(sys.executable).parent)) or "kneecoach"
    started = time.monotonic()
    command = [exe, "review", "--date", day.isoformat(), "--db", url, "--json"]
    proc = subprocess.Popen(
        [*command, "--workers", str(workers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    samples: list[tuple[float, int]] = []
    while proc.poll() is None:
        rss = sum(rss_kib(pid) or 0 for pid in (proc.pid, *children(proc.pid)))
        if rss:
            samples.append((time.monotonic() - started, rss))
        time.sleep(0.1)
    out = proc.stdout.read() if proc.stdout else ""
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"review failed with exit code {proc.returncode}")
    result = json.loads(out)
    tenths = []
    for tenth in range(1, 11):
        moment = elapsed * tenth / 10
        before = [rss for t, rss in samples if t <= moment]
        tenths.append(round(before[-1] / 1024, 1) if before else None)
    return {
        **result,
        "people_per_second": round(int(result["people"]) / float(result["seconds"]), 1),
        "process_seconds": round(elapsed, 2),
        "peak_rss_mib": round(max(rss for _, rss in samples) / 1024, 1) if samples else None,
        "rss_mib_at_each_tenth": tenths,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--db", help="database URL to fill (default: a temporary SQLite file)")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="review processes in all (default: 2, as bench/web.py and bench/clinic.py)",
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kneecoach-bench-"))
    url = args.db or f"sqlite:///{folder / 'bench.db'}"
    days = args.weeks * 7
    day = START + dt.timedelta(days=days)  # the review's day: one new day of events
    started = time.monotonic()
    templates = []
    for n, pain in enumerate((2, 4, 6)):
        scratch = f"sqlite:///{folder / f'template-{n}.db'}"
        live(scratch, pain, days)
        templates.append(rows_of(connect(scratch)))
    clone(url, templates, args.people, day)
    settle(url)
    print(f"built {args.people} people in {time.monotonic() - started:.1f} s", file=sys.stderr)
    report = run_review(url, day, args.workers)
    print(json.dumps({"weeks": args.weeks, "workers": args.workers, **report}))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
