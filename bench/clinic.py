"""Benchmark: the physiotherapist's dashboard with 1,000 patients on PostgreSQL.

    .venv/bin/python bench/clinic.py [--patients 1000] [--seconds 10] [--connections 8]
                                     [--workers 2] [--db URL] [--hold]

Makes one clinic with one physiotherapist who has N patients, each with 6-12 weeks of
history (a morning pain score most days, sessions on training days), some with a red
flag or a worsening trend, about one in ten with open alerts, and their course states
and dashboard summaries as the nightly review leaves them. Six template journeys are
lived once through the services (on SQLite); the patients are copies of them, written
in bulk. Then `kneecoach review` runs for today, `kneecoach serve --clinic` starts with
its production settings, and wrk (Debian's `wrk`) measures `GET /api/v1/patients` and
`GET /clinic` as the physio, at `--connections` connections, beside two floors: `/healthz`
(no database) and one audited read of one patient (`GET /api/v1/patients/{id}`: the
session lookup and the audit event every clinic read pays). The last line printed is
one JSON object: for each route p50 and p99 latency (ms), requests/s and non-2xx
answers; the first request's time (its server process has no list in memory yet), the
answers' sizes and the machine.

`--db` takes an empty PostgreSQL database; without it the bench starts a throwaway
PostgreSQL server of its own (as the tests do, tests/pgserver.py) and removes it after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402
from bench.bulk import Copier, Rows, rows_of, table  # noqa: E402
from bench.web import ensure_wrk, free_port, hold, wrk  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402
from tests.factories import clear_answers, profile  # noqa: E402
from tests.pgserver import PG_BIN, PostgresServer  # noqa: E402

from kneecoach.content.loader import load_catalogue  # noqa: E402
from kneecoach.services import auth, clinic  # noqa: E402
from kneecoach.services.actor import OWNER, Actor  # noqa: E402
from kneecoach.services.checkins import record_checkin  # noqa: E402
from kneecoach.services.onboarding import start_programme  # noqa: E402
from kneecoach.services.sessions import record_session  # noqa: E402
from kneecoach.services.today import today as today_of  # noqa: E402
from kneecoach.store.db import connect, database, dispose_all  # noqa: E402

TODAY = dt.date.today()  # the server's today is the machine's
PASSWORD = "bench knees calm 2026"


# --- the template journeys ------------------------------------------------------------

# (weeks, morning pain at the start, its drift per week, a red flag this many days ago)
JOURNEYS = (
    (12, 6, -0.4, None),  # getting better
    (10, 4, 0.0, None),  # steady
    (8, 3, 0.5, None),  # worsening: ES-2 by the end
    (6, 5, -0.3, 2),  # a red flag (RF-2) two days ago: stopped
    (9, 5, -0.2, None),
    (7, 2, 0.9, None),  # worsening fast
)


def session_log(day: dt.date, items: list[dict[str, Any]], key: str, pain: int) -> dict[str, Any]:
    entries = []
    for item in items:
        if any(e["exercise_id"] == item["exercise_id"] for e in entries):
            continue
        dose = item["dose"]
        one = {k: dose[k] for k in ("reps", "hold_seconds", "minutes", "load_kg") if dose[k]}
        entries.append(
            {
                "exercise_id": item["exercise_id"],
                "hurt": False,
                "sets": [{**one, "pain": pain}] * int(dose["sets"]),
            }
        )
    return {
        "client_id": key,
        "date": day.isoformat(),
        "pain_before": pain,
        "pain_after": pain,
        "entries": entries,
    }


def live(url: str, weeks: int, pain: int, drift: float, flag_days_ago: int | None) -> None:
    """One journey, lived day by day through the services, ending yesterday."""
    catalogue = load_catalogue()
    db = database(url)
    days = weeks * 7
    start = TODAY - dt.timedelta(days=days)
    started = start_programme(db, catalogue, profile(pain_now=pain), start, actor=OWNER)
    person_id = started["person_id"]
    assert isinstance(person_id, int), started
    rng = random.Random(weeks * 100 + pain)
    for n in range(days):
        day = start + dt.timedelta(days=n)
        if rng.random() < 0.15:
            continue  # a day without a score
        score = max(0, min(10, round(pain + drift * n / 7 + rng.choice((-1, 0, 0, 1)))))
        answers = None
        if flag_days_ago is not None and n == days - flag_days_ago:
            answers = clear_answers(knee_locked=True)
        record_checkin(
            db, catalogue, person_id, day, score, morning=True, actor=OWNER, answers=answers
        )
        plan = today_of(db, catalogue, person_id, day, actor=OWNER)
        if plan["status"] == "session" and plan["items"] and rng.random() < 0.8:
            log = session_log(day, plan["items"], f"t{n}", min(score, 4))
            record_session(db, catalogue, person_id, log, day, actor=OWNER)
    dispose_all()


# --- the clinic -----------------------------------------------------------------------


def make_physio(url: str) -> tuple[int, int, str]:
    """A clinic and its physio (signed up, with a TOTP secret): (clinic, physio, secret)."""
    db = database(url)
    now = dt.datetime.now(dt.UTC)
    made = clinic.init_clinic(db, "Bench Clinic", "admin@bench.example.org", now=now)
    admin = clinic.accept_invite(db, made.invite.invite_token, "Ada Admin", PASSWORD, now=now)
    actor = Actor("admin", admin.account_id, None, made.clinic_id)
    invite = clinic.invite_staff(db, actor, "physio@bench.example.org", "physio", now=now)
    physio = clinic.accept_invite(db, invite.invite_token, "Pia Physio", PASSWORD, now=now)
    assert physio.otpauth_uri
    secret = str(pyotp.parse_uri(physio.otpauth_uri).secret)
    return made.clinic_id, physio.account_id, secret


def sign_in(url: str, secret: str) -> str:
    """The physio's session token (as the cookie carries it)."""
    login = auth.login(
        database(url),
        "physio@bench.example.org",
        PASSWORD,
        pyotp.TOTP(secret).now(),
        now=dt.datetime.now(dt.UTC),
    )
    return login.token


FIRST = ("Maria", "John", "Susan", "David", "Emma", "Ahmed", "Lena", "Tom", "Priya", "Omar")
LAST = ("Lopez", "Okafor", "Park", "Chen", "Wilson", "Hassan", "Berg", "Nguyen", "Silva", "Kim")


def clone(
    url: str,
    templates: list[Rows],
    patients: int,
    clinic_id: int,
    physio_id: int,
) -> None:
    """`patients` copies of the templates, each a patient of the physio; open alerts for
    about one in ten (more often for those with a red flag or a worsening trend)."""
    engine = connect(url)
    copier = Copier(engine, extra=("accounts", "alerts"))
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)
    for n in range(patients):
        journey = n % len(templates)
        person = copier.person(templates[journey])
        name = f"{FIRST[n % 10]} {LAST[(n // 10) % 10]} {n // 100 + 1}"
        copier.add(
            "accounts",
            {
                "id": copier.take("accounts"),
                "clinic_id": clinic_id,
                "email": f"patient{n}@bench.example.org",
                "name": name,
                "role": "patient",
                "password_hash": None,
                "totp_secret": None,
                "totp_enrolled": False,
                "person_id": person,
                "physio_id": physio_id,
                "created_at": now,
            },
        )
        odds = 0.5 if journey in (2, 3, 5) else 0.05
        if rng.random() < odds:
            for k in range(rng.choice((1, 1, 2, 3))):
                urgency = rng.choice(("urgent", "soon", "soon", "none"))
                copier.add(
                    "alerts",
                    {
                        "id": copier.take("alerts"),
                        "clinic_id": clinic_id,
                        "person_id": person,
                        "physio_id": physio_id,
                        "rule": "ES-2" if urgency != "none" else "CL-3",
                        "urgency": urgency,
                        "episode": f"bench-{k}",
                        "message": "A bench alert.",
                        "numbers": {},
                        "day": TODAY - dt.timedelta(days=k),
                        "created_at": now,
                    },
                )
        if copier.full():
            copier.flush()
            print(f"  wrote {n + 1}/{patients} patients", file=sys.stderr, end="\r")
    copier.finish()
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    print(file=sys.stderr)


def run_review(url: str) -> float:
    """The nightly review for today: states and summaries as it leaves them."""
    exe = shutil.which("kneecoach", path=str(Path(sys.executable).parent)) or "kneecoach"
    started = time.monotonic()
    command = [exe, "review", "--date", TODAY.isoformat(), "--db", url, "--json"]
    subprocess.run(command, check=True, capture_output=True)
    return round(time.monotonic() - started, 1)


def serve(url: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    exe = shutil.which("kneecoach", path=str(Path(sys.executable).parent)) or "kneecoach"
    command = [exe, "serve", "--clinic", "--db", url, "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            return server, base
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit("the server did not start") from None
            time.sleep(0.3)


def first_patient(url: str) -> int:
    with connect(url).connect() as connection:
        return int(connection.scalar(select(func.min(table("accounts").c.person_id))) or 0)


def cookie_script(folder: Path, token: str) -> Path:
    script = folder / "cookie.lua"
    script.write_text(f'wrk.headers["Cookie"] = "kc_session={token}"\n')
    return script


def check(base: str, token: str, path: str) -> tuple[int, float]:
    """The route answers 200 as the physio: (bytes of the answer, ms). The first request
    a worker serves finds no list in its memory (a cold read)."""
    request = urllib.request.Request(base + path, headers={"Cookie": f"kc_session={token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 200, answer.status
        size = len(answer.read())
    return size, round((time.perf_counter() - started) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", help="an empty PostgreSQL database (default: a server of its own)")
    parser.add_argument(
        "--hold", action="store_true", help="keep the server up after measuring (for a profiler)"
    )
    args = parser.parse_args()
    exe = ensure_wrk()
    folder = Path(tempfile.mkdtemp(prefix="kneecoach-clinic-bench-"))
    pg: PostgresServer | None = None
    server: subprocess.Popen[bytes] | None = None
    try:
        url = args.db
        if url is None:
            pg = PostgresServer(PG_BIN)
            pg.start()
            url = pg.url(pg.create_database())
        started = time.monotonic()
        templates = []
        for n, (weeks, pain, drift, flag) in enumerate(JOURNEYS):
            scratch = f"sqlite:///{folder / f'template-{n}.db'}"
            live(scratch, weeks, pain, drift, flag)
            templates.append(rows_of(connect(scratch)))
        dispose_all()
        connect(url)  # migrated
        clinic_id, physio_id, secret = make_physio(url)
        clone(url, templates, args.patients, clinic_id, physio_id)
        review_seconds = run_review(url)
        token = sign_in(url, secret)
        dispose_all()
        built = round(time.monotonic() - started, 1)
        print(f"built {args.patients} patients in {built} s", file=sys.stderr)
        server, base = serve(url, args.workers)
        one = f"/api/v1/patients/{first_patient(url)}"
        cold = {path: check(base, token, path) for path in ("/api/v1/patients", "/clinic", one)}
        script = cookie_script(folder, token)
        report: dict[str, Any] = {
            "machine": {
                "cores": os.cpu_count(),
                "workers": args.workers,
                "connections": args.connections,
                "seconds": args.seconds,
                "database": "postgresql",
            },
            "patients": args.patients,
            "weeks_of_history": sorted({w for w, *_ in JOURNEYS}),
            "review_seconds": review_seconds,
            "answer_bytes": {path: size for path, (size, _) in cold.items()},
            "first_request_ms": {path: ms for path, (_, ms) in cold.items()},
            "GET /healthz (floor)": wrk(exe, base + "/healthz", args.seconds, args.connections),
        }
        for path, label in (
            (one, "GET /api/v1/patients/{id} (one audited read: the clinic's floor)"),
            ("/api/v1/patients", "GET /api/v1/patients"),
            ("/clinic", "GET /clinic"),
        ):
            wrk(exe, base + path, 2, args.connections, script)  # warm every worker
            report[label] = wrk(exe, base + path, args.seconds, args.connections, script)
        report["target_p99_ms"] = 100
        report["met"] = all(
            report[f"GET {p}"]["p99_ms"] < 100 for p in ("/api/v1/patients", "/clinic")
        )
        print(json.dumps(report), flush=True)
        if args.hold:
            hold(f"{base} cookie kc_session={token}")
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        dispose_all()
        if pg is not None:
            pg.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
