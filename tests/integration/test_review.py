"""`kneecoach review` recomputes every person's decisions, in batches, on both backends."""

from __future__ import annotations

import datetime as dt
import json

from kneecoach.cli.main import main
from kneecoach.content.loader import load_catalogue
from kneecoach.services import programme as svc
from kneecoach.store.db import connect, unit_of_work
from tests.factories import profile

START = dt.date(2026, 1, 5)


def test_review_decides_for_every_person_once(db_url, capsys):
    catalogue = load_catalogue()
    engine = connect(db_url)
    with unit_of_work(engine) as store:
        for n in range(7):
            svc.start_programme(store, catalogue, profile(pain_now=3), START)
            person = store.current_person_id()
            for offset in (0, 1, 2, 3):
                store.add_checkin(
                    person, date=START + dt.timedelta(days=offset), pain=2, morning=True
                )
            for offset in (0, 2):
                store.add_session(
                    person,
                    {
                        "client_id": f"p{n}-{offset}",
                        "date": START + dt.timedelta(days=offset),
                        "pain_before": 1,
                        "pain_after": 1,
                        "programme_version": 1,
                        "entries": [
                            {
                                "exercise_id": "bridge",
                                "hurt": False,
                                "sets": [
                                    {
                                        "target_reps": 10,
                                        "reps": 10,
                                        "target_hold_seconds": 2,
                                        "hold_seconds": 2,
                                        "target_minutes": None,
                                        "minutes": None,
                                        "target_load_kg": None,
                                        "load_kg": None,
                                        "pain": 1,
                                    }
                                ]
                                * 2,
                            }
                        ],
                    },
                )
    capsys.readouterr()
    assert main(["review", "--date", "2026-01-09", "--batch", "3", "--db", db_url, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["people"] == 7
    # Each person: Monday's bridge repeats (one good session), Wednesday's progresses (PR-1).
    assert first["new_decisions"] == 14
    with unit_of_work(engine) as store:
        for person in store.iter_person_ids():
            decisions = store.decisions(person)
            assert [d["action"] for d in decisions] == ["repeat", "progress"]
            assert decisions[1]["rule"] == "PR-1"
            assert len(store.programme_versions(person)) == 2
    assert main(["review", "--date", "2026-01-09", "--db", db_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["new_decisions"] == 0  # idempotent
