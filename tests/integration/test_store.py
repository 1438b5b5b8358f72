"""Store round trips: what goes in comes back out, as plain values, on both backends."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from kneecoach.store.db import connect, unit_of_work
from kneecoach.store.errors import StoreError
from kneecoach.store.repository import ENGINE_SOURCE, refolded
from kneecoach.store.tables import (
    Checkin,
    Clearance,
    Decision,
    EntrySet,
    Escalation,
    ExerciseSession,
    Person,
    ProgrammeVersion,
    Psfs,
    SessionEntry,
)
from tests.factories import clear_answers, profile
from tests.integration.records import DAY, a_session, add_person, decision, escalation


@pytest.fixture
def engine(db_url: str) -> Engine:
    return connect(db_url)


def test_a_person_round_trips(engine: Engine) -> None:
    person_id = add_person(engine, profile=profile(side="right"), urgency="routine")
    with unit_of_work(engine) as store:
        person = store.person(person_id)
        assert store.current_person_id() == person_id
    assert person == {
        "id": person_id,
        "profile": profile(side="right"),
        "start_date": DAY,
        "baseline_pain": 4,
        "screening": clear_answers(),
        "urgency": "routine",
        "created_at": person["created_at"],
        "revision": person["revision"],  # a random token, new on every write
    }
    assert isinstance(person["revision"], int)
    assert person["created_at"].tzinfo is not None
    assert person["created_at"].utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - person["created_at"]) < dt.timedelta(minutes=5)


def test_the_current_person_is_the_latest_and_none_when_empty(engine: Engine) -> None:
    with unit_of_work(engine) as store:
        assert store.current_person_id() is None
    add_person(engine)
    latest = add_person(engine)
    with unit_of_work(engine) as store:
        assert store.current_person_id() == latest


def test_update_profile_replaces_the_profile(engine: Engine) -> None:
    person_id = add_person(engine)
    with unit_of_work(engine) as store:
        store.update_profile(person_id, profile(days_per_week=5, units="lb"))
    with unit_of_work(engine) as store:
        assert store.person(person_id)["profile"] == profile(days_per_week=5, units="lb")


def test_an_unknown_person_is_a_store_error_naming_person(engine: Engine) -> None:
    with unit_of_work(engine) as store:
        for attempt in (
            lambda: store.person(999),
            lambda: store.update_profile(999, {}),
            lambda: store.delete_person(999),
            lambda: store.add_checkin(999, date=DAY, pain=1, morning=True),
            lambda: store.add_session(999, a_session()),
        ):
            with pytest.raises(StoreError) as caught:
                attempt()
            assert caught.value.field == "person"


def test_programme_versions_come_back_in_version_order(engine: Engine) -> None:
    person_id = add_person(engine)
    reasons = [{"rule": "PR-1", "reason": "full dose, pain 1/10", "numbers": {"pain": 1}}]
    with unit_of_work(engine) as store:
        store.add_programme_version(
            person_id,
            version=2,
            effective_date=DAY + dt.timedelta(days=7),
            programme={"items": ["bridge"]},
            reasons=reasons,
        )
        store.add_programme_version(
            person_id, version=1, effective_date=DAY, programme={"items": []}, reasons=[]
        )
    with unit_of_work(engine) as store:
        versions = store.programme_versions(person_id)
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[1] == {
        "version": 2,
        "effective_date": DAY + dt.timedelta(days=7),
        "programme": {"items": ["bridge"]},
        "reasons": reasons,
        "created_at": versions[1]["created_at"],
    }


def test_a_programme_version_number_is_used_once(engine: Engine) -> None:
    person_id = add_person(engine)
    with unit_of_work(engine) as store:
        store.add_programme_version(
            person_id, version=1, effective_date=DAY, programme={}, reasons=[]
        )
        with pytest.raises(StoreError) as caught:
            store.add_programme_version(
                person_id, version=1, effective_date=DAY, programme={}, reasons=[]
            )
    assert caught.value.field == "version"


def test_a_session_round_trips_with_entries_and_sets_in_order(engine: Engine) -> None:
    person_id = add_person(engine)
    sent = a_session()
    with unit_of_work(engine) as store:
        session_id, created = store.add_session(person_id, sent)
    assert created
    with unit_of_work(engine) as store:
        (stored,) = store.sessions(person_id)
    # Not logged while stopped until the engine says so (`while_stopped`, set by its fold).
    assert stored == {
        **sent,
        "id": session_id,
        "created_at": stored["created_at"],
        "while_stopped": False,
    }
    assert stored["created_at"].tzinfo is not None
    walking = stored["entries"][1]["sets"][0]
    assert walking["minutes"] == 12.5
    assert walking["target_minutes"] == 20
    assert isinstance(walking["target_minutes"], int)  # whole numbers do not come back as 20.0
    assert stored["entries"][2]["sets"][0]["load_kg"] == pytest.approx(2.27)


def test_sessions_are_ordered_by_date_then_id_and_until_is_inclusive(engine: Engine) -> None:
    person_id = add_person(engine)
    other = add_person(engine)
    days = [DAY + dt.timedelta(days=n) for n in (2, 0, 1, 1)]
    with unit_of_work(engine) as store:
        for n, day in enumerate(days):
            store.add_session(person_id, a_session(f"c{n}", day, entries=[]))
        store.add_session(other, a_session("c0", DAY))
    with unit_of_work(engine) as store:
        every = store.sessions(person_id)
        until = store.sessions(person_id, until=DAY + dt.timedelta(days=1))
    assert [s["client_id"] for s in every] == ["c1", "c2", "c3", "c0"]
    assert [s["client_id"] for s in until] == ["c1", "c2", "c3"]
    assert every[0]["entries"] == []


def test_a_session_needs_a_client_id(engine: Engine) -> None:
    person_id = add_person(engine)
    with unit_of_work(engine) as store, pytest.raises(StoreError) as caught:
        store.add_session(person_id, a_session(client_id=""))
    assert caught.value.field == "client_id"


def test_checkins_round_trip_in_date_order(engine: Engine) -> None:
    person_id = add_person(engine)
    answers = {"night_pain": True}
    with unit_of_work(engine) as store:
        later = store.add_checkin(
            person_id,
            date=DAY + dt.timedelta(days=1),
            pain=5,
            morning=False,
            notes="after stairs",
            answers=answers,
            urgency="urgent",
        )
        earlier = store.add_checkin(person_id, date=DAY, pain=2, morning=True)
    with unit_of_work(engine) as store:
        checkins = store.checkins(person_id)
        until = store.checkins(person_id, until=DAY)
    assert [c["id"] for c in checkins] == [earlier, later]
    assert checkins[0] == {
        "id": earlier,
        "date": DAY,
        "pain": 2,
        "morning": True,
        "notes": None,
        "answers": None,
        "urgency": None,
        "created_at": checkins[0]["created_at"],
    }
    assert checkins[1]["answers"] == answers
    assert checkins[1]["notes"] == "after stairs"
    assert checkins[1]["urgency"] == "urgent"
    assert [c["id"] for c in until] == [earlier]


def test_psfs_stores_the_mean_of_the_scores(engine: Engine) -> None:
    person_id = add_person(engine)
    activities = [{"name": "stairs", "score": 4}, {"name": "kneeling", "score": 7}]
    with unit_of_work(engine) as store:
        second = store.add_psfs(person_id, date=DAY + dt.timedelta(days=7), activities=activities)
        first = store.add_psfs(person_id, date=DAY, activities=[{"name": "stairs", "score": 3}])
        with pytest.raises(StoreError):
            store.add_psfs(person_id, date=DAY, activities=[])
    with unit_of_work(engine) as store:
        answers = store.psfs(person_id)
    assert answers == [
        {"id": first, "date": DAY, "activities": [{"name": "stairs", "score": 3}], "mean": 3.0},
        {"id": second, "date": DAY + dt.timedelta(days=7), "activities": activities, "mean": 5.5},
    ]


def test_clearances_round_trip(engine: Engine) -> None:
    person_id = add_person(engine)
    with unit_of_work(engine) as store:
        cleared = store.add_clearance(
            person_id, date=DAY, cleared_by="Dr Ng, physiotherapist", answers={"night_pain": False}
        )
        bare = store.add_clearance(person_id, date=DAY, cleared_by="GP", answers=None)
    with unit_of_work(engine) as store:
        clearances = store.clearances(person_id)
    assert [c["id"] for c in clearances] == [cleared, bare]
    assert clearances[0]["cleared_by"] == "Dr Ng, physiotherapist"
    assert clearances[0]["answers"] == {"night_pain": False}
    assert clearances[1]["answers"] is None
    assert set(clearances[0]) == {"id", "date", "cleared_by", "answers", "created_at"}


def test_decisions_are_recorded_once_per_key(engine: Engine) -> None:
    person_id = add_person(engine)
    with unit_of_work(engine) as store:
        session_id, _ = store.add_session(person_id, a_session())
        first = [decision(session_id=session_id), decision(slot="stretch-1", rule="PR-8")]
        assert store.record_decisions(person_id, first) == 2
    again = [
        decision(reason="recomputed"),  # same key: skipped
        decision(action="repeat"),  # new action
        decision(date=DAY + dt.timedelta(days=1)),  # new date
        decision(date=DAY + dt.timedelta(days=1)),  # duplicate within the batch
    ]
    with unit_of_work(engine) as store:
        assert store.record_decisions(person_id, again) == 2
        assert store.record_decisions(person_id, []) == 0
    with unit_of_work(engine) as store:
        stored = store.decisions(person_id)
    assert len(stored) == 4
    # Made on the day it is dated unless the engine says otherwise (`decided_on`).
    assert stored[0] == {"id": stored[0]["id"], **first[0], "decided_on": first[0]["date"]}
    assert [d["date"] for d in stored] == sorted(d["date"] for d in stored)
    assert stored[-1]["date"] == DAY + dt.timedelta(days=1)


def test_dates_inside_json_values_are_stored_as_iso_text(engine: Engine) -> None:
    person_id = add_person(engine)
    with unit_of_work(engine) as store:
        store.record_decisions(person_id, [decision(numbers={"since": DAY})])
        assert store.decisions(person_id)[0]["numbers"] == {"since": "2025-03-03"}


def test_escalations_are_recorded_once_and_acknowledged(engine: Engine) -> None:
    person_id = add_person(engine)
    with unit_of_work(engine) as store:
        assert store.record_escalations(person_id, [escalation(), escalation()]) == 1
        assert store.record_escalations(person_id, [escalation(), escalation(rule="ES-2")]) == 1
    when = dt.datetime(2025, 3, 4, 8, 30, tzinfo=dt.UTC)
    with unit_of_work(engine) as store:
        first, second = store.escalations(person_id)
        assert first == {"id": first["id"], **escalation(), "acknowledged_at": None}
        store.acknowledge_escalation(person_id, first["id"], when)
        store.acknowledge_escalation(person_id, first["id"], when + dt.timedelta(days=1))
        with pytest.raises(StoreError) as caught:
            store.acknowledge_escalation(person_id + 1, second["id"], when)
        assert caught.value.field == "escalation"
    with unit_of_work(engine) as store:
        first, second = store.escalations(person_id)
    assert first["acknowledged_at"] == when  # the first acknowledgement is kept
    assert second["acknowledged_at"] is None


def count_rows(engine: Engine, person_id: int) -> dict[str, int]:
    tables = [Checkin, Clearance, Decision, Escalation, ExerciseSession, ProgrammeVersion, Psfs]
    with engine.connect() as connection:
        counts = {
            table.__tablename__: connection.scalar(
                select(func.count()).select_from(table).where(table.person_id == person_id)
            )
            or 0
            for table in tables
        }
        counts["session_entries"] = connection.scalar(select(func.count(SessionEntry.id))) or 0
        counts["entry_sets"] = connection.scalar(select(func.count(EntrySet.id))) or 0
        counts["people"] = (
            connection.scalar(select(func.count()).where(Person.id == person_id)) or 0
        )
    return counts


def fill(engine: Engine, person_id: int) -> None:
    with unit_of_work(engine) as store:
        session_id, _ = store.add_session(person_id, a_session())
        store.add_programme_version(
            person_id, version=1, effective_date=DAY, programme={}, reasons=[]
        )
        store.add_checkin(person_id, date=DAY, pain=3, morning=True)
        store.add_psfs(person_id, date=DAY, activities=[{"name": "stairs", "score": 5}])
        store.add_clearance(person_id, date=DAY, cleared_by="GP", answers=None)
        store.record_decisions(person_id, [decision(session_id=session_id)])
        store.record_escalations(person_id, [escalation()])


def test_deleting_a_person_removes_everything_of_theirs_and_nothing_else(engine: Engine) -> None:
    leaving, staying = add_person(engine), add_person(engine)
    fill(engine, leaving)
    fill(engine, staying)
    before = count_rows(engine, leaving)
    assert all(before.values()), before
    with unit_of_work(engine) as store:
        store.delete_person(leaving)
    after = count_rows(engine, leaving)
    assert all(n == 0 for name, n in after.items() if name not in ("session_entries", "entry_sets"))
    assert after["session_entries"] == before["session_entries"] // 2  # the other person's
    assert after["entry_sets"] == before["entry_sets"] // 2
    with unit_of_work(engine) as store:
        assert len(store.sessions(staying)) == 1
        assert store.current_person_id() == staying
        with pytest.raises(StoreError):
            store.person(leaving)


def test_a_failed_unit_of_work_leaves_nothing_behind(engine: Engine) -> None:
    person_id = add_person(engine)
    with pytest.raises(RuntimeError), unit_of_work(engine) as store:
        store.add_session(person_id, a_session())
        store.add_checkin(person_id, date=DAY, pain=3, morning=True)
        raise RuntimeError("interrupted")
    with unit_of_work(engine) as store:
        assert store.sessions(person_id) == []
        assert store.checkins(person_id) == []


def test_iter_person_ids_walks_two_thousand_people_a_batch_at_a_time(engine: Engine) -> None:
    with unit_of_work(engine) as store:
        made = [
            store.add_person(
                profile={}, start_date=DAY, baseline_pain=n % 11, screening={}, urgency="none"
            )
            for n in range(2000)
        ]
    queries: list[str] = []

    def spy(*args: Any) -> None:
        statement = args[2]
        if "FROM people" in statement:
            queries.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        with unit_of_work(engine) as store:
            walked = list(store.iter_person_ids(batch_size=300))
            assert list(store.iter_person_ids(batch_size=500)) == made
            assert list(store.iter_person_ids(batch_size=5000)) == made
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert walked == made == sorted(made)
    # 7 batches of at most 300, then 5 of 500 (the last one empty), then 1 of 5000.
    assert len(queries) == 7 + 5 + 1
    assert all("LIMIT" in query.upper() for query in queries)


def test_a_fold_replaces_exactly_the_versions_refolded_names(engine: Engine) -> None:
    """`Store.replace_derived` (SQL) and `refolded` (Python, used by progress and the
    numbering of new versions) are one rule: what one drops, the other says a fold makes
    again. Each kind of source, dated on, before and after the fold's base."""
    person_id = add_person(engine)
    base = DAY + dt.timedelta(days=10)
    sources = [None, ENGINE_SOURCE, "settings", "prescription", "import"]
    days = [base - dt.timedelta(days=1), base, base + dt.timedelta(days=1)]
    with unit_of_work(engine) as store:
        number = 0
        for source in sources:
            for day in [DAY, *days] if source is None and number == 0 else days:
                number += 1
                programme = {"slots": []} if source is None else {"slots": [], "source": source}
                store.add_programme_version(
                    person_id, version=number, effective_date=day, programme=programme, reasons=[]
                )
        before = store.programme_versions(person_id)
    survivors = [v["version"] for v in before if not refolded(v, base)]
    assert len(survivors) == len(before) - 1  # only the engine's version after the base
    with unit_of_work(engine) as store:
        made = {
            "decisions": [],
            "escalations": [],
            "versions": [],
            "stopped": set(),
            "state": {"engine": {}},
            "checkpoint": False,
            "stopped_at_end": False,
        }
        store.replace_derived(base, base + dt.timedelta(days=2), {person_id: made}, 1)
    with unit_of_work(engine) as store:
        after = [v["version"] for v in store.programme_versions(person_id)]
    assert after == survivors
