"""The audit trail: a hash chain that verify checks, scoped queries, denied events."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from kneecoach.cli.main import main
from kneecoach.domain.errors import FieldError
from kneecoach.services import audit, clinic
from kneecoach.services.audit import CLI, Origin
from kneecoach.store.clinic import EventRecord
from kneecoach.store.db import Database
from tests.clinic.conftest import NOW, ClinicWorld

EXE = shutil.which("kneecoach", path=str(Path(sys.executable).parent)) or "kneecoach"


def append(
    uow: Database, n: int, *, route: str = "GET /api/v1/patients/1", actor_id: int | None = None
) -> list[int]:
    """`n` read events, one unit of work each, a second apart."""
    ids = []
    for i in range(n):
        with uow.write() as store:
            at = NOW + dt.timedelta(seconds=i)
            origin = Origin(route=route, ip="192.0.2.1")
            ids.append(
                audit.record(
                    store, at=at, action="read", actor_id=actor_id, patient_id=i, origin=origin
                )
            )
    return ids


def kc(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120, env=env)


def verify_cli(db_url: str, *flags: str) -> tuple[int, dict[str, object]]:
    done = kc("audit", "verify", "--db", db_url, *flags)
    return done.returncode, json.loads(done.stdout)


def test_an_empty_trail_holds(uow: Database) -> None:
    assert audit.verify(uow).as_dict() == {"ok": True, "events": 0, "first_bad_id": None}


def test_each_event_chains_to_the_one_before(uow: Database) -> None:
    ids = append(uow, 3)
    assert ids == [1, 2, 3]
    with uow.read() as store:
        events = store.clinic.audit_events_after(0, 10)
    assert events[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert all(e.hash == audit.event_hash(e) for e in events)
    assert audit.verify(uow, batch=2).as_dict() == {"ok": True, "events": 3, "first_bad_id": None}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    ip=st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)),
    micro=st.integers(0, 999_999),
)
def test_the_database_seals_exactly_as_verify_recomputes(
    uow: Database, route: str, ip: str | None, micro: int
) -> None:
    """On PostgreSQL the chain's text is hashed in the server (migration 0009): whatever
    people typed (quotes, backslashes, any script, escaped control characters) and any
    microsecond, the stored hash is the one Python recomputes."""
    with uow.write() as store:
        at = NOW.replace(microsecond=micro)
        found = audit.record(store, at=at, action="read", origin=Origin(route=route, ip=ip))
    with uow.read() as store:
        event = store.clinic.audit_events_after(found - 1, 1)[0]
    assert event.hash == audit.event_hash(event)
    assert event.route == audit._printable(route, audit.ROUTE_MAX)


def test_the_hash_covers_every_field() -> None:
    event = EventRecord(
        id=1,
        at=NOW,
        actor_id=2,
        role="physio",
        action="read",
        patient_id=3,
        route="r",
        outcome="ok",
        ip="192.0.2.1",
        clinic_id=4,
        prev_hash=audit.GENESIS,
        hash="",
    )
    changes = {
        "id": 9,
        "at": NOW + dt.timedelta(microseconds=1),
        "actor_id": 5,
        "role": "admin",
        "action": "export",
        "patient_id": 7,
        "route": "s",
        "outcome": "denied",
        "ip": "192.0.2.2",
        "clinic_id": 8,
        "prev_hash": "f" * 64,
    }
    for name, value in changes.items():
        assert audit.event_hash(dataclasses.replace(event, **{name: value})) != audit.event_hash(
            event
        ), name


@pytest.mark.parametrize(
    ("tamper", "first_bad_id", "events"),
    [
        ("UPDATE audit_events SET outcome = 'ok, honest' WHERE id = 3", 3, 5),
        ("UPDATE audit_events SET patient_id = 99 WHERE id = 3", 3, 5),
        ("UPDATE audit_events SET at = at - interval '1' day WHERE id = 3", 3, 5),
        # A deleted event breaks the link of the one after it.
        ("DELETE FROM audit_events WHERE id = 3", 4, 4),
        # The newest events deleted: the chain holds, but no longer meets its head.
        ("DELETE FROM audit_events WHERE id >= 4", 4, 3),
        ("DELETE FROM audit_events WHERE id = 5", 5, 4),
        # An event added in SQL: caught by its hash, or else by the head.
        (
            "INSERT INTO audit_events (id, at, action, outcome, prev_hash, hash) "
            "SELECT 6, at, 'read', 'ok', hash, 'e' FROM audit_events WHERE id = 5",
            6,
            6,
        ),
        ("DELETE FROM audit_head", 1, 5),
    ],
    ids=[
        "update-outcome",
        "update-patient",
        "update-time",
        "delete",
        "delete-newest",
        "delete-last",
        "insert",
        "delete-head",
    ],
)
def test_an_edit_in_sql_is_caught(
    uow: Database, engine: Engine, tamper: str, first_bad_id: int, events: int
) -> None:
    append(uow, 5)
    assert audit.verify(uow).ok
    if engine.dialect.name == "sqlite":
        tamper = tamper.replace("at - interval '1' day", "'2025-01-01 00:00:00.000000'")
    with engine.begin() as connection:
        connection.execute(text(tamper))
    expected = {"ok": False, "events": events, "first_bad_id": first_bad_id}
    assert audit.verify(uow).as_dict() == expected


def test_an_event_added_in_sql_with_a_right_hash_is_caught_by_the_head(
    uow: Database, engine: Engine
) -> None:
    append(uow, 3)
    with uow.read() as store:
        last = store.clinic.last_audit_event()
    assert last is not None
    forged = dataclasses.replace(last, id=4, prev_hash=last.hash, outcome="ok", hash="")
    forged = dataclasses.replace(forged, hash=audit.event_hash(forged))
    row = dataclasses.asdict(forged)
    columns = ", ".join(row)
    with engine.begin() as connection:
        connection.execute(
            text(f"INSERT INTO audit_events ({columns}) VALUES (:{', :'.join(row)})"), row
        )
    with uow.read() as store:  # stored as forged: the chain itself holds
        assert audit.event_hash(store.clinic.last_audit_event()) == forged.hash
    assert audit.verify(uow).as_dict() == {"ok": False, "events": 4, "first_bad_id": 4}


def test_the_command_exits_3_when_the_chain_is_broken(
    uow: Database, engine: Engine, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    append(uow, 3)
    assert verify_cli(db_url, "--json") == (0, {"ok": True, "events": 3, "first_bad_id": None})
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_events SET ip = '10.0.0.1' WHERE id = 2"))
    assert verify_cli(db_url, "--json") == (3, {"ok": False, "events": 3, "first_bad_id": 2})
    # In this process: a subprocess costs seconds on a busy machine.
    assert main(["audit", "verify", "--db", db_url]) == 3
    assert "broken at event 2" in capsys.readouterr().err
    assert main(["audit", "verify", "--db", "nonsense"]) == 2
    assert capsys.readouterr().err.startswith("error: --db: ")


def test_what_people_typed_cannot_forge_a_line(uow: Database) -> None:
    forged = "GET /x\n2025-03-03 admin read patient 1\x1b[2J"
    append(uow, 1, route=forged)
    with uow.read() as store:
        (event,) = store.clinic.audit_events_after(0, 1)
    assert event.route == "GET /x\\n2025-03-03 admin read patient 1\\x1b[2J"
    assert audit.verify(uow).ok


def test_concurrent_appends_keep_one_chain(uow: Database) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            append(uow, 10, actor_id=n)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert audit.verify(uow).as_dict() == {"ok": True, "events": 40, "first_bad_id": None}


def test_admins_read_their_own_clinics_events_newest_first(
    two_worlds: tuple[ClinicWorld, ClinicWorld], uow: Database
) -> None:
    one, two = two_worlds
    patient = one.patient.patient_id
    assert patient is not None
    origin = Origin(route=f"GET /api/v1/patients/{patient}", ip="192.0.2.5")
    clinic.get_patient(uow, one.physio.actor, patient, now=NOW, origin=origin)
    mine = audit.events(uow, one.admin.actor, now=NOW)
    theirs = audit.events(uow, two.admin.actor, now=NOW)
    assert mine and theirs
    assert not {e["id"] for e in mine} & {e["id"] for e in theirs}
    assert [e["id"] for e in mine] == sorted((e["id"] for e in mine), reverse=True)
    assert mine[0] == {
        "id": mine[0]["id"],
        "at": NOW.isoformat(),
        "actor_id": one.physio.account_id,
        "role": "physio",
        "action": "read",
        "patient_id": patient,
        "route": f"GET /api/v1/patients/{patient}",
        "outcome": "ok",
        "ip": "192.0.2.5",
    }
    assert audit.events(uow, one.admin.actor, now=NOW, patient_id=patient, limit=1) == mine[:1]
    by_physio = audit.events(uow, one.admin.actor, now=NOW, actor_id=one.physio.account_id)
    assert {e["actor_id"] for e in by_physio} == {one.physio.account_id}
    assert audit.events(uow, one.admin.actor, now=NOW, since=NOW + dt.timedelta(seconds=1)) == []
    assert audit.events(uow, two.admin.actor, now=NOW, patient_id=patient) == []


def test_only_admins_read_the_trail_and_a_refusal_is_recorded(
    world: ClinicWorld, uow: Database
) -> None:
    for member in (world.physio, world.patient):
        with pytest.raises(audit.Forbidden):
            audit.events(uow, member.actor, now=NOW)
    denied = audit.events(uow, world.admin.actor, now=NOW)[:2]
    assert [(e["action"], e["actor_id"]) for e in denied] == [
        ("denied", world.patient.account_id),
        ("denied", world.physio.account_id),
    ]
    with pytest.raises(FieldError) as caught:
        audit.events(uow, world.admin.actor, now=NOW, limit=0)
    assert caught.value.field == "limit"
    assert audit.verify(uow).ok


def test_a_denied_read_records_the_patient_asked_for(world: ClinicWorld, uow: Database) -> None:
    asked = world.patient.patient_id
    assert asked is not None
    with pytest.raises(audit.NotFound):
        clinic.get_patient(uow, world.other_physio.actor, asked, now=NOW, origin=CLI)
    (event,) = audit.events(uow, world.admin.actor, now=NOW, patient_id=asked)[:1]
    assert (event["action"], event["outcome"], event["actor_id"]) == (
        "denied",
        "not-found",
        world.other_physio.account_id,
    )


def test_a_staff_read_leaves_exactly_one_read_event(world: ClinicWorld, uow: Database) -> None:
    patient = world.patient.patient_id
    assert patient is not None
    before = audit.events(uow, world.admin.actor, now=NOW, patient_id=patient)
    clinic.get_patient(uow, world.physio.actor, patient, now=NOW)
    after = audit.events(uow, world.admin.actor, now=NOW, patient_id=patient)
    new = after[: len(after) - len(before)]
    assert [(e["action"], e["actor_id"]) for e in new] == [("read", world.physio.account_id)]
