"""Benchmark: the web app under load on loopback, against the framework's floor.

    .venv/bin/python bench/web.py [--seconds 10] [--connections 32] [--workers 2] [--db URL]
                                  [--hold]

Builds a database (`--db`; default a temporary SQLite file) holding one person with six
weeks of history (on a database that holds people already, one more: the app serves the
newest), starts
`kneecoach serve` with its production settings (2 workers, no access log), and
runs wrk (Debian's `wrk`, installed if missing) against:

- GET /healthz: no database work, the framework's floor;
- GET /api/v1/today: what to do today;
- POST /api/v1/sessions: a full nine-exercise session, a new client_id each time.

Each run is bounded in time and targets 127.0.0.1 only. Prints a JSON report
with requests/s and p50/p99 latency for each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.factories import profile  # noqa: E402

from kneecoach.content.loader import load_catalogue  # noqa: E402
from kneecoach.services.actor import OWNER  # noqa: E402
from kneecoach.services.checkins import record_checkin  # noqa: E402
from kneecoach.services.onboarding import start_programme  # noqa: E402
from kneecoach.services.sessions import record_session  # noqa: E402
from kneecoach.services.today import today as today_of  # noqa: E402
from kneecoach.store.db import database, dispose_all  # noqa: E402

START = dt.date(2026, 1, 5)
TODAY = START + dt.timedelta(days=42)  # a Monday, six weeks in

POST_LUA = """
-- Every request a new session: a client_id unique to this run, thread and request.
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
init = function(args)
  counter = 0
  run = tostring(os.time())
end
local body_template = [[%s]]
request = function()
  counter = counter + 1
  local id = "wrk-" .. run .. "-" .. tid .. "-" .. counter
  local body = string.gsub(body_template, "CLIENT_ID", id)
  return wrk.format("POST", "/api/v1/sessions",
    {["Content-Type"] = "application/json", ["Host"] = "127.0.0.1:%d"}, body)
end
"""


def session_log(day: dt.date, items: list[dict[str, object]], client_id: str) -> dict:
    entries = []
    for item in items:
        if any(e["exercise_id"] == item["exercise_id"] for e in entries):
            continue
        dose = item["dose"]
        one = {k: dose[k] for k in ("reps", "hold_seconds", "minutes") if dose[k] is not None}
        entries.append(
            {
                "exercise_id": item["exercise_id"],
                "hurt": False,
                "sets": [{**one, "pain": 1}] * int(dose["sets"]),
            }
        )
    return {
        "client_id": client_id,
        "date": day.isoformat(),
        "pain_before": 2,
        "pain_after": 2,
        "entries": entries,
    }


def build(url: str) -> list[dict[str, object]]:
    """One person, six weeks of mornings and sessions; returns Monday's items (9 exercises)."""
    catalogue = load_catalogue()
    db = database(url)
    raw = profile(pain_now=4, minutes_per_session=60, days_per_week=3)
    started = start_programme(db, catalogue, raw, START, actor=OWNER)
    person_id = started["person_id"]
    assert isinstance(person_id, int), started
    for n in range(42):
        day = START + dt.timedelta(days=n)
        pain = max(1, 4 - n // 10)
        record_checkin(db, catalogue, person_id, day, pain, morning=True, actor=OWNER)
        plan = today_of(db, catalogue, person_id, day, actor=OWNER)
        if plan["status"] == "session":
            log = session_log(day, plan["items"], f"b{n}")
            record_session(db, catalogue, person_id, log, day, actor=OWNER)
    items = today_of(db, catalogue, person_id, TODAY, actor=OWNER)["items"]
    dispose_all()
    return items


def hold(what: str) -> None:
    """`--hold`: keep the server up (for a profiler) until Ctrl-C, which the caller takes
    as its end."""
    print(f"holding: {what} (Ctrl-C ends)", file=sys.stderr)
    while True:
        time.sleep(3600)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def parse(output: str) -> dict[str, float]:
    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": round(rps, 1),
        "p50_ms": round(p50, 2),
        "p99_ms": round(p99, 2),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def wrk(exe: str, url: str, seconds: int, connections: int, script: Path | None = None) -> dict:
    args = [exe, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        args += ["-s", str(script)]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    return parse(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--post-connections", type=int, default=8, help="a second, lighter POST run"
    )
    parser.add_argument(
        "--db", default=None, help="database URL (default: a temporary SQLite file)"
    )
    parser.add_argument(
        "--hold", action="store_true", help="keep the server up after measuring (for a profiler)"
    )
    args = parser.parse_args()
    exe = ensure_wrk()
    folder = Path(tempfile.mkdtemp(prefix="kneecoach-web-bench-"))
    url = args.db or f"sqlite:///{folder / 'bench.db'}"
    items = build(url)
    port = free_port()
    kneecoach = shutil.which("kneecoach", path=str(Path(sys.executable).parent)) or "kneecoach"
    server = subprocess.Popen(
        [kneecoach, "serve", "--port", str(port), "--workers", str(args.workers), "--db", url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.3)
        log = session_log(TODAY, items, "CLIENT_ID")
        script = folder / "post.lua"
        script.write_text(POST_LUA % (json.dumps(log), port))
        today_url = f"{base}/api/v1/today?date={TODAY.isoformat()}"
        # Warm every worker (each has its own cache) with many connections at once,
        # then measure: the first answer per worker replays six weeks (a few 100 ms).
        wrk(exe, today_url, 2, args.connections)
        report = {
            "machine": {
                "cores": os.cpu_count(),
                "workers": args.workers,
                "connections": args.connections,
                "seconds": args.seconds,
                "database": "sqlite" if url.startswith("sqlite") else "postgresql",
            },
            "session_exercises": len(log["entries"]),
            "GET /healthz (floor)": wrk(exe, f"{base}/healthz", args.seconds, args.connections),
            "GET /api/v1/today": wrk(exe, today_url, args.seconds, args.connections),
            "POST /api/v1/sessions": wrk(
                exe, f"{base}/api/v1/sessions", args.seconds, args.connections, script
            ),
            f"POST /api/v1/sessions at {args.post_connections} connections": wrk(
                exe, f"{base}/api/v1/sessions", args.seconds, args.post_connections, script
            ),
        }
        floor = report["GET /healthz (floor)"]["requests_per_second"]
        today = report["GET /api/v1/today"]["requests_per_second"]
        report["today_share_of_floor"] = round(today / floor, 2) if floor else None
        print(json.dumps(report, indent=2), flush=True)
        if args.hold:
            hold(f"{base}, POST script {script}")
    except KeyboardInterrupt:
        pass
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
