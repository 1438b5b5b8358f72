"""Two people in one database: every export carries the current person only."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from kneecoach.store.db import database
from tests.reports.cli import kc
from tests.reports.journey import seed

OTHER_NOTE = "only-the-other-person-wrote-this"


def test_exports_hold_only_the_current_person(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    seed(url, days=4, label="first")
    db = database(url)
    first = db.revision()
    assert first is not None
    first_id = first[0]
    with db.write() as store:
        store.add_checkin(
            first_id, date=dt.date(2026, 1, 7), pain=9, morning=False, notes=OTHER_NOTE
        )
    last = seed(url, days=4, start=dt.date(2026, 1, 12), label="second")
    second = db.revision()
    assert second is not None and second[0] != first_id
    second_id = second[0]
    with db.read() as store:
        own_checkins = len(store.checkins(second_id))
        own_sessions = len(store.sessions(second_id))

    out = {kind: tmp_path / f"export-{kind}" for kind in ("json", "csv", "fhir")}
    for kind, path in out.items():
        done = kc("export", "--format", kind, "--out", str(path), "--db", url)
        assert done.returncode == 0, done.stderr
    calendar = tmp_path / "sessions.ics"
    done = kc("calendar", "--out", str(calendar), "--date", last.isoformat(), "--db", url)
    assert done.returncode == 0, done.stderr

    texts = [
        out["json"].read_text(),
        out["fhir"].read_text(),
        calendar.read_text(),
        *(f.read_text() for f in out["csv"].iterdir()),
    ]
    for text in texts:
        assert "first-2026" not in text  # the other person's session client ids
        assert OTHER_NOTE not in text
    document = json.loads(out["json"].read_text())
    assert len(document["checkins"]) == own_checkins
    assert len(document["sessions"]) == own_sessions
    assert {s["client_id"][:6] for s in document["sessions"]} == {"second"}
    with (out["csv"] / "checkins.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == own_checkins
    bundle = json.loads(out["fhir"].read_text())
    pains = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert len(pains) == own_checkins + 2 * own_sessions
