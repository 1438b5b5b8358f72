"""Re-sent and concurrent sessions: a client_id is stored once, whoever sends it and however."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import DBAPIError

from kneecoach.store.db import connect, create_raw_engine, unit_of_work
from kneecoach.store.tables import EntrySet, ExerciseSession
from tests.integration.records import a_session, add_person


def stored_sessions(engine: Engine) -> tuple[int, int]:
    with engine.connect() as connection:
        sessions = connection.scalar(select(func.count(ExerciseSession.id))) or 0
        sets = connection.scalar(select(func.count(EntrySet.id))) or 0
    return sessions, sets


def test_the_same_client_id_twice_is_one_session(db_url: str) -> None:
    engine = connect(db_url)
    person_id = add_person(engine)
    with unit_of_work(engine) as store:
        first = store.add_session(person_id, a_session("phone-42"))
    with unit_of_work(engine) as store:
        again = store.add_session(person_id, a_session("phone-42", pain_after=9))
        inside = store.add_session(person_id, a_session("phone-42"))
    assert first[1] is True
    assert again == inside == (first[0], False)
    assert stored_sessions(engine) == (1, 4)
    with unit_of_work(engine) as store:
        assert store.sessions(person_id)[0]["pain_after"] == 2  # the resend changed nothing


def test_one_client_id_may_be_used_by_two_people(db_url: str) -> None:
    engine = connect(db_url)
    one, two = add_person(engine), add_person(engine)
    with unit_of_work(engine) as store:
        assert store.add_session(one, a_session("same"))[1]
        assert store.add_session(two, a_session("same"))[1]


def in_threads(*work: Callable[[], Any]) -> list[Any]:
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            results[index] = work[index]()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def test_two_engines_sending_one_session_at_once_store_it_once(db_url: str) -> None:
    engine = connect(db_url)
    other = create_raw_engine(db_url)  # a second pool, as a second process would have
    person_id = add_person(engine)
    start = threading.Barrier(2)

    def send(through: Engine) -> Callable[[], tuple[int, bool]]:
        def work() -> tuple[int, bool]:
            start.wait(timeout=10)
            with unit_of_work(through) as store:
                return store.add_session(person_id, a_session("twice"))

        return work

    try:
        results = in_threads(send(engine), send(other))
    finally:
        other.dispose()
    assert sorted(created for _, created in results) == [False, True]
    assert results[0][0] == results[1][0]
    assert stored_sessions(engine) == (1, 4)


def wait_until_blocked(engine: Engine, seconds: float = 10) -> None:
    """Return once another PostgreSQL backend waits on a lock (our uncommitted insert)."""
    deadline = time.monotonic() + seconds
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.scalar(query):
                return
        time.sleep(0.02)
    raise AssertionError("the second writer never waited for the first")


def test_a_duplicate_that_hits_the_unique_key_returns_the_existing_session(db_url: str) -> None:
    """The second writer inserts before the first commits, so only the unique key catches it."""
    engine = connect(db_url)
    person_id = add_person(engine)
    second: list[tuple[int, bool]] = []
    errors: list[str] = []
    event.listen(
        engine, "handle_error", lambda context: errors.append(repr(context.original_exception))
    )
    with unit_of_work(engine) as store:
        first_id, created = store.add_session(person_id, a_session("racing"))
        assert created
        thread = threading.Thread(
            target=lambda: second.append(_send_in_own_unit(engine, person_id, "racing"))
        )
        thread.start()
        if engine.dialect.name == "postgresql":
            wait_until_blocked(engine)  # its check saw nothing; its insert waits on our key
        else:
            time.sleep(0.3)  # SQLite: it waits for our write lock (BEGIN IMMEDIATE)
    thread.join(timeout=30)
    assert second == [(first_id, False)]
    assert stored_sessions(engine) == (1, 4)
    # The unique key turned the racing insert away (ON CONFLICT DO NOTHING): no error at all.
    assert errors == []


def _send_in_own_unit(engine: Engine, person_id: int, client_id: str) -> tuple[int, bool]:
    with unit_of_work(engine) as store:
        return store.add_session(person_id, a_session(client_id))


def test_a_read_only_unit_of_work_does_not_wait_for_a_writer(db_url: str) -> None:
    engine = connect(db_url)
    person_id = add_person(engine)
    with unit_of_work(engine) as writer:
        writer.add_session(person_id, a_session("pending"))

        def read() -> tuple[float, int]:
            started = time.monotonic()
            with unit_of_work(engine, read_only=True) as reader:
                seen = len(reader.sessions(person_id))
            return time.monotonic() - started, seen

        ((waited, seen),) = in_threads(read)
    assert seen == 0  # the writer had not committed
    assert waited < 5  # not held up for the 10-second busy timeout


def test_a_read_only_unit_of_work_refuses_writes(db_url: str) -> None:
    engine = connect(db_url)
    person_id = add_person(engine)
    with pytest.raises(DBAPIError), unit_of_work(engine, read_only=True) as store:
        store.add_checkin(person_id, date=a_session()["date"], pain=1, morning=True)
    with unit_of_work(engine) as store:
        assert store.checkins(person_id) == []
        store.add_checkin(person_id, date=a_session()["date"], pain=1, morning=True)


def test_writer_busy_sees_another_holder_of_the_sqlite_write_lock(tmp_path) -> None:
    import fcntl

    from kneecoach.store.sqlite import writer_busy

    engine = connect(f"sqlite:///{tmp_path / 'busy.db'}")
    assert writer_busy(engine) is False
    with open(f"{tmp_path / 'busy.db'}-writer.lock", "a+b") as other:
        fcntl.flock(other, fcntl.LOCK_EX)  # as another process would
        assert writer_busy(engine) is True
        fcntl.flock(other, fcntl.LOCK_UN)
    assert writer_busy(engine) is False
