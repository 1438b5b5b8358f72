"""Benchmark: `kneecoach review` over many synthetic people, with its memory sampled.

    .venv/bin/python bench/review.py --people 10000

Builds a SQLite database of synthetic people (one week of morning scores and
three logged sessions each), then runs `kneecoach review` on it as a separate
process, sampling its resident memory every 0.2 s. Prints throughput and the
memory at each tenth of the run, so a growing footprint would show.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.factories import profile  # noqa: E402

from kneecoach.content.loader import load_catalogue  # noqa: E402
from kneecoach.domain.planning import parse_profile, plan  # noqa: E402
from kneecoach.store.db import connect, unit_of_work  # noqa: E402

START = dt.date(2026, 1, 5)


def build(url: str, people: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    catalogue = load_catalogue()
    templates = []
    for pain in (2, 4, 6):
        raw = profile(pain_now=pain, minutes_per_session=45)
        templates.append((raw, plan(parse_profile(raw), catalogue)))
    engine = connect(url)
    made = 0
    while made < people:
        with unit_of_work(engine) as store:
            for _ in range(min(500, people - made)):
                raw, programme = rng.choice(templates)
                person = store.add_person(
                    profile=raw,
                    start_date=START,
                    baseline_pain=raw["pain_now"],
                    screening=raw["screening"],
                    urgency=programme.triage.urgency,
                )
                store.add_programme_version(
                    person,
                    version=1,
                    effective_date=START,
                    programme={
                        "slots": [s.as_dict() for s in programme.slots],
                        "valgus_ban": programme.valgus_ban,
                    },
                    reasons=[],
                )
                for n in range(7):
                    store.add_checkin(
                        person,
                        date=START + dt.timedelta(days=n),
                        pain=max(0, raw["pain_now"] - n // 3 + rng.choice((-1, 0, 0, 1))),
                        morning=True,
                    )
                strength = [s for s in programme.slots if s.kind == "strength"][:3]
                for n in (0, 2, 4):
                    store.add_session(
                        person,
                        {
                            "client_id": f"bench-{person}-{n}",
                            "date": START + dt.timedelta(days=n),
                            "pain_before": 2,
                            "pain_after": 2,
                            "programme_version": 1,
                            "entries": [
                                {
                                    "exercise_id": slot.exercise_id,
                                    "hurt": False,
                                    "sets": [
                                        {
                                            "target_reps": slot.dose.reps,
                                            "reps": slot.dose.reps,
                                            "target_hold_seconds": slot.dose.hold_seconds,
                                            "hold_seconds": slot.dose.hold_seconds,
                                            "target_minutes": None,
                                            "minutes": None,
                                            "target_load_kg": None,
                                            "load_kg": None,
                                            "pain": rng.choice((0, 1, 2, 3)),
                                        }
                                    ]
                                    * slot.dose.sets,
                                }
                                for slot in strength
                            ],
                        },
                    )
                made += 1
        print(f"  built {made}/{people} people", file=sys.stderr, end="\r")
    print(file=sys.stderr)


def rss_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def run_review(url: str, day: dt.date) -> dict[str, object]:
    exe = shutil.which("kneecoach", path=str(Path(sys.executable).parent)) or "kneecoach"
    started = time.monotonic()
    proc = subprocess.Popen(
        [exe, "review", "--date", day.isoformat(), "--db", url, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    samples: list[tuple[float, int]] = []
    while proc.poll() is None:
        rss = rss_kib(proc.pid)
        if rss:
            samples.append((time.monotonic() - started, rss))
        time.sleep(0.2)
    out = proc.stdout.read() if proc.stdout else ""
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"review failed with exit code {proc.returncode}")
    result = json.loads(out)
    tenths = []
    for tenth in range(1, 11):
        moment = seconds * tenth / 10
        before = [rss for t, rss in samples if t <= moment]
        tenths.append(round(before[-1] / 1024, 1) if before else None)
    return {
        **result,
        "seconds": round(seconds, 1),
        "people_per_second": round(int(result["people"]) / seconds, 1),
        "peak_rss_mib": round(max(rss for _, rss in samples) / 1024, 1) if samples else None,
        "rss_mib_at_each_tenth": tenths,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--db", help="SQLite file to build (default: a temporary one)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kneecoach-bench-"))
    path = Path(args.db) if args.db else folder / "bench.db"
    url = f"sqlite:///{path}"
    started = time.monotonic()
    build(url, args.people)
    print(f"built {args.people} people in {time.monotonic() - started:.1f} s", file=sys.stderr)
    report = run_review(url, START + dt.timedelta(days=7))
    print(json.dumps(report, indent=2))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
