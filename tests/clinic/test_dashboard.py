"""The physiotherapist's dashboard as a service (issue 13), on SQLite and PostgreSQL:
the exact order, each field's value, an admin's view, a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, select, text

from kneecoach.services import clinic
from kneecoach.services.dashboard import dashboard
from kneecoach.store.db import Database
from kneecoach.store.tables import AuditEvent, CourseSummary
from tests.clinic.conftest import NOW, ClinicWorld
from tests.clinic.dashboard_people import (
    acknowledge_all,
    add_alert,
    add_patient,
    check_in,
    do_session,
)

TODAY = NOW.date()  # Monday 3 March 2025
START = TODAY - dt.timedelta(days=20)


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def test_the_order_is_urgency_then_open_alerts_then_oldest_check_in(
    world: ClinicWorld, uow: Database
) -> None:
    physio = world.physio.actor
    made: dict[str, int] = {}

    def patient(name: str, *mornings: tuple[int, int]) -> int:
        made[name] = add_patient(uow, physio, name, NOW, start=START)
        for days_ago, pain in mornings:
            check_in(uow, made[name], ago(days_ago), pain)
        return made[name]

    # What stands in the course today: ES-2 `urgent` (a weekly mean of 8 or more).
    patient("Stopped Urgent", (3, 9), (2, 9), (1, 9))
    patient("Emergency Alert", (1, 2))
    patient("Soon Twice", (1, 2))
    patient("Soon Old", (6, 2))
    patient("Soon New", (2, 2))
    patient("Never Checked")
    patient("Old Check", (9, 2))
    patient("Ann Same", (4, 2))
    patient("Bob Same", (4, 2))
    first_twin = patient("Twin", (4, 2))
    second_twin = patient("Twin", (4, 2))
    patient("Acknowledged Urgent", (1, 2))
    acknowledge_all(uow, NOW)  # whatever the histories raised: this test opens its own
    cid = world.clinic_id
    add_alert(uow, cid, made["Emergency Alert"], "emergency", NOW)
    add_alert(uow, cid, made["Soon Twice"], "soon", NOW)
    add_alert(uow, cid, made["Soon Twice"], "none", NOW)
    add_alert(uow, cid, made["Soon Old"], "soon", NOW)
    add_alert(uow, cid, made["Soon New"], "soon", NOW)
    add_alert(uow, cid, made["Acknowledged Urgent"], "urgent", NOW, acknowledged=True)

    rows = dashboard(uow, physio, today=TODAY, now=NOW)

    order = [(row["name"], row["patient_id"]) for row in rows]
    names = [name for name, _ in order]
    assert names == [
        "Emergency Alert",  # emergency (an open alert)
        "Stopped Urgent",  # urgent (what stands in the course: ES-2)
        "Soon Twice",  # soon, 2 open alerts
        "Soon Old",  # soon, 1 open alert, checked in 6 days ago
        "Soon New",  # ... 2 days ago
        "Never Checked",  # none, no open alert, never checked in: by name (any case)
        "Sam Example",  # (make_clinic's patient, not started)
        "Old Check",  # 9 days ago
        "Ann Same",  # 4 days ago: by name
        "Bob Same",
        "Twin",  # the same name: by id
        "Twin",
        "Acknowledged Urgent",  # 1 day ago: an acknowledged alert counts for nothing
    ]
    twins = [pid for name, pid in order if name == "Twin"]
    assert twins == [first_twin, second_twin]  # the same name: by id
    by_name = {row["name"]: row for row in rows}
    assert by_name["Emergency Alert"]["urgency"] == "emergency"
    assert by_name["Stopped Urgent"]["urgency"] == "urgent"
    assert "ES-2" in by_name["Stopped Urgent"]["rules"]
    assert by_name["Soon Twice"]["open_alerts"] == 2
    assert by_name["Acknowledged Urgent"]["urgency"] == "none"
    assert by_name["Acknowledged Urgent"]["open_alerts"] == 0


def test_the_fields_are_as_of_today(world: ClinicWorld, uow: Database) -> None:
    physio = world.physio.actor
    pid = add_patient(uow, physio, "Field Test", NOW, start=START, pain=5)
    check_in(uow, pid, ago(19), 3)  # day 2 of the programme
    check_in(uow, pid, ago(8), 2)  # outside the 7 days ending today
    do_session(uow, pid, ago(7), "s1")  # a Monday
    check_in(uow, pid, ago(5), 4)
    do_session(uow, pid, ago(5), "s2")  # a Wednesday
    check_in(uow, pid, ago(4), 5)
    check_in(uow, pid, ago(3), 6)
    # The summary was written with the last check-in's fold; today is 3 days later.
    with uow.read() as store:
        day = store._session.scalar(select(CourseSummary.day).where(CourseSummary.person_id == pid))
    assert day is not None and day <= ago(3)
    acknowledge_all(uow, NOW)

    row = next(r for r in dashboard(uow, physio, today=TODAY, now=NOW) if r["patient_id"] == pid)

    assert row["baseline"] == 5
    assert row["weekly_mean"] == 5.0  # (4 + 5 + 6) / 3: the score 8 days ago is out
    assert row["last_checkin"] == ago(3).isoformat()
    assert row["programme_week"] == 3  # day 21: week 3
    # 3 days a week (Mon, Wed, Fri): 14 days ending Monday 3 March hold 6 training days.
    assert row["adherence_14d"] == {"planned": 6, "done": 2}
    # Check-ins on 5 days (8, 5, 4, 3 and 19 days ago), sessions on 7 and 5 days ago.
    assert row["days_with_data_30d"] == 6
    # ES-1 stands: after 18 days the weekly mean (4.25) is not 1.5 below the baseline.
    assert row["urgency"] == "soon" and row["rules"] == ["ES-1"]
    assert row["open_alerts"] == 0
    assert row["start_date"] == START.isoformat()


def test_an_admin_sees_clinical_fields_only_for_their_own_patients(
    world: ClinicWorld, uow: Database
) -> None:
    theirs = add_patient(uow, world.physio.actor, "Not Admins", NOW, start=START)
    check_in(uow, theirs, ago(1), 3)
    own = add_patient(uow, world.physio.actor, "Admins Own", NOW, start=START)
    clinic.assign_patient(uow, world.admin.actor, own, world.admin.account_id, now=NOW)
    check_in(uow, own, ago(2), 3)
    add_alert(uow, world.clinic_id, theirs, "emergency", NOW)

    rows = dashboard(uow, world.admin.actor, today=TODAY, now=NOW)

    names = [row["name"] for row in rows]
    # Their own first; the others after, by name (their urgency does not show in order).
    assert names[0] == "Admins Own"
    assert set(names) == {"Admins Own", "Not Admins", "Sam Example"}
    by_name = {row["name"]: row for row in rows}
    assert by_name["Admins Own"]["last_checkin"] == ago(2).isoformat()
    assert by_name["Admins Own"]["urgency"] == "none"
    hidden = by_name["Not Admins"]
    assert hidden["urgency"] is None and hidden["open_alerts"] is None
    assert hidden["last_checkin"] is None and hidden["adherence_14d"] is None
    assert hidden["name"] == "Not Admins" and hidden["physio_id"] == world.physio.account_id
    # The physio sees them, emergency first.
    mine = dashboard(uow, world.physio.actor, today=TODAY, now=NOW)
    assert mine[0]["name"] == "Not Admins" and mine[0]["urgency"] == "emergency"


def test_search_and_open_alerts_only(world: ClinicWorld, uow: Database) -> None:
    physio = world.physio.actor
    maria = add_patient(uow, physio, "Maria Lopez", NOW)
    add_patient(uow, physio, "John Okafor", NOW)
    add_alert(uow, world.clinic_id, maria, "soon", NOW)
    found = dashboard(uow, physio, today=TODAY, now=NOW, search="  LOP ")
    assert [row["name"] for row in found] == ["Maria Lopez"]
    assert [r["name"] for r in dashboard(uow, physio, today=TODAY, now=NOW, open_only=True)] == [
        "Maria Lopez"
    ]
    # Not started: what is known is shown, the rest is null.
    john = next(
        r for r in dashboard(uow, physio, today=TODAY, now=NOW) if r["name"] == "John Okafor"
    )
    assert john["start_date"] is None and john["programme_week"] is None
    assert john["urgency"] == "none" and john["adherence_14d"] == {"planned": None, "done": 0}


@contextmanager
def counting(uow: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.split(None, 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
            statements.append(statement)

    engine = uow.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_fixed_number_of_queries_and_one_audit_event(world: ClinicWorld, uow: Database) -> None:
    physio = world.physio.actor

    def events() -> int:
        with uow.read() as store:
            return int(store._session.scalar(select(func.count(AuditEvent.id))) or 0)

    pid = add_patient(uow, physio, "First", NOW, start=START)
    check_in(uow, pid, ago(1), 3)
    with counting(uow) as few:
        dashboard(uow, physio, today=TODAY, now=NOW)
    for n in range(4):
        pid = add_patient(uow, physio, f"More {n}", NOW, start=START)
        check_in(uow, pid, ago(1), 3)
        add_alert(uow, world.clinic_id, pid, "soon", NOW)
    before = events()
    with counting(uow) as many:
        rows = dashboard(uow, physio, today=TODAY, now=NOW)
    assert len(rows) == 6
    assert len(many) == len(few)
    assert events() == before + 1


def test_a_list_read_again_follows_every_change(world: ClinicWorld, uow: Database) -> None:
    """The second read of an unchanged list is served from memory; anything that changes
    a row changes what is served."""
    physio = world.physio.actor

    def row(pid: int) -> dict[str, object]:
        rows = dashboard(uow, physio, today=TODAY, now=NOW)
        return next(r for r in rows if r["patient_id"] == pid)

    pid = add_patient(uow, physio, "Cache Test", NOW, start=START)
    check_in(uow, pid, ago(5), 3)
    assert row(pid)["last_checkin"] == ago(5).isoformat()
    with counting(uow) as served:
        assert row(pid)["open_alerts"] == 0
    check_in(uow, pid, ago(1), 4)  # a check-in
    assert row(pid)["last_checkin"] == ago(1).isoformat()
    add_alert(uow, world.clinic_id, pid, "urgent", NOW)  # an alert opened
    assert (row(pid)["open_alerts"], row(pid)["urgency"]) == (1, "urgent")
    acknowledge_all(uow, NOW)  # ... and acknowledged
    assert (row(pid)["open_alerts"], row(pid)["urgency"]) == (0, "none")
    do_session(uow, pid, ago(0), "today")  # a session
    assert row(pid)["adherence_14d"]["done"] == 1  # type: ignore[index]
    clinic.assign_patient(uow, world.admin.actor, pid, world.other_physio.account_id, now=NOW)
    assert pid not in [r["patient_id"] for r in dashboard(uow, physio, today=TODAY, now=NOW)]
    # The next day is another list.
    later = dashboard(uow, world.other_physio.actor, today=TODAY + dt.timedelta(days=1), now=NOW)
    assert next(r for r in later if r["patient_id"] == pid)["programme_week"] == 4
    # A read served from memory reads the clinic's mark, one row, and no patient's rows.
    assert any("dashboard_marks" in s for s in served)
    assert not any("checkins" in s or "course_summaries" in s for s in served)


def test_the_mark_moves_with_every_change_to_a_patients_row(
    world: ClinicWorld, uow: Database
) -> None:
    """Migration 0008's triggers, change by change, in plain SQL as any writer would make
    it: each moves the clinic's mark; a staff account's own change and a person of
    personal mode (no account) move nothing."""
    pid = add_patient(uow, world.physio.actor, "Mark Test", NOW, start=START)
    check_in(uow, pid, ago(2), 3)
    do_session(uow, pid, ago(0), "today")

    def mark() -> int:
        with uow.read() as store:
            return store.clinic.dashboard_key(world.clinic_id)

    def after(sql: str, **values: object) -> int:
        before = mark()
        with uow.write() as store:
            store._session.execute(text(sql), values)
        return mark() - before

    ids = {"pid": pid, "physio": world.physio.account_id}
    add_alert(uow, world.clinic_id, pid, "soon", NOW)
    moves = {
        "rename": after("UPDATE accounts SET name = 'Renamed' WHERE person_id = :pid", **ids),
        "sign-up": after("UPDATE accounts SET password_hash = 'x' WHERE person_id = :pid", **ids),
        "revision": after("UPDATE people SET revision = revision + 1 WHERE id = :pid", **ids),
        "summary": after("UPDATE course_summaries SET day = day WHERE person_id = :pid", **ids),
        "session marked": after(
            "UPDATE sessions SET while_stopped = while_stopped WHERE person_id = :pid", **ids
        ),
        "check-in removed": after("DELETE FROM checkins WHERE person_id = :pid", **ids),
        "alert acknowledged": after(
            "UPDATE alerts SET acknowledged_at = created_at WHERE person_id = :pid", **ids
        ),
        "alert removed": after("DELETE FROM alerts WHERE person_id = :pid", **ids),
    }
    assert all(moved > 0 for moved in moves.values()), moves
    assert after("UPDATE accounts SET last_login_at = created_at WHERE id = :physio", **ids) == 0
    with uow.write() as store:
        personal = store.add_person(
            profile={}, start_date=START, baseline_pain=3, screening={}, urgency="none"
        )
    assert after("UPDATE people SET revision = 2 WHERE id = :id", id=personal) == 0
    # Rolled back, a change moves nothing.
    before = mark()
    try:
        with uow.write() as store:
            store._session.execute(
                text("UPDATE accounts SET name = 'Gone' WHERE person_id = :pid"), ids
            )
            raise RuntimeError
    except RuntimeError:
        pass
    assert mark() == before
