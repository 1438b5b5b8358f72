"""`kneecoach review` recomputes every person's decisions, in batches, on both backends."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kneecoach.cli.main import main
from kneecoach.content.loader import load_catalogue
from kneecoach.services.actor import OWNER
from kneecoach.services.course import engine_version
from kneecoach.services.onboarding import start_programme
from kneecoach.services.review import fold_page, write_page
from kneecoach.store.db import Database, connect, unit_of_work
from tests.factories import profile

START = dt.date(2026, 1, 5)


@pytest.mark.parametrize("workers", [1, 2])
def test_review_decides_for_every_person_once(db_url, capsys, workers):
    catalogue = load_catalogue()
    engine = connect(db_url)
    for n in range(7):
        start_programme(Database(engine), catalogue, profile(pain_now=3), START, actor=OWNER)
        with unit_of_work(engine) as store:
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
    command = ["review", "--date", "2026-01-09", "--batch", "3", "--db", db_url, "--json"]
    assert main([*command, "--workers", str(workers)]) == 0
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


def test_review_leaves_out_a_person_written_to_between_its_read_and_its_write(db_url):
    catalogue = load_catalogue()
    engine = connect(db_url)
    day = START + dt.timedelta(days=3)
    for _ in range(2):
        start_programme(Database(engine), catalogue, profile(pain_now=3), START, actor=OWNER)
    with unit_of_work(engine) as store:
        first, second = list(store.iter_person_ids())
        for person in (first, second):
            store.add_checkin(person, date=START, pain=2, morning=True)
    with unit_of_work(engine, read_only=True) as store:
        work = fold_page(store, catalogue, [first, second], day)
    with unit_of_work(engine) as store:  # a late score for the first person arrives
        store.add_checkin(first, date=START + dt.timedelta(days=1), pain=6, morning=True)
    with unit_of_work(engine) as store:
        write_page(store, work)
    with unit_of_work(engine, read_only=True) as store:
        version = engine_version()
        assert store.course_state(second, day, version)[0] == day
        # The stale fold (without the score of 6) was not stored for the first person.
        assert store.course_state(first, day, version) is None
    with unit_of_work(engine) as store:  # the next review folds them with the late score
        write_page(store, fold_page(store, catalogue, [first], day))
    with unit_of_work(engine, read_only=True) as store:
        found = store.course_state(first, day, version)
    assert found is not None and found[0] == day
    assert [s[1] for s in found[1]["engine"]["scores"]] == [2, 6]
