"""The services against a fake unit of work: which units of work each one opens, and
what it answers. Milliseconds each; tests/integration runs them on real databases."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.errors import FieldError
from kneecoach.services import account, checkins, people, progress, sessions
from kneecoach.services.actor import OWNER, Actor, NotAllowed
from kneecoach.services.course import CATCH_UP_DAYS, engine_version
from kneecoach.services.onboarding import NotStarted, start_programme
from kneecoach.services.today import today, today_and_fold
from kneecoach.services.validation import parse_session_log
from tests.factories import profile
from tests.services.fake_uow import FakeUnitOfWork

START = dt.date(2026, 1, 5)  # a Monday
CATALOGUE = load_catalogue()


def started(**changes: object) -> tuple[FakeUnitOfWork, int]:
    uow = FakeUnitOfWork()
    result = start_programme(uow, CATALOGUE, profile(**changes), START, actor=OWNER)
    assert result["saved"]
    uow.opened.clear()
    return uow, int(result["person_id"])


def bridge_log(day: dt.date, pain: int, client_id: str = "s1") -> dict[str, object]:
    return {
        "client_id": client_id,
        "date": day.isoformat(),
        "pain_before": 1,
        "pain_after": 1,
        "entries": [
            {"exercise_id": "bridge", "sets": [{"reps": 10, "hold_seconds": 2, "pain": pain}]}
        ],
    }


def test_starting_writes_once_and_a_referral_writes_nothing():
    uow = FakeUnitOfWork()
    assert start_programme(uow, CATALOGUE, profile(), START, actor=OWNER)["saved"]
    assert uow.opened == ["write"]
    flagged = profile(
        screening={**profile()["screening"], "fever_or_unwell_with_hot_swollen_knee": True}
    )
    answer = start_programme(uow, CATALOGUE, flagged, START, actor=OWNER)
    assert not answer["saved"] and answer["person_id"] is None
    assert uow.opened == ["write"]  # the referral opened no unit of work


def test_today_without_persist_only_reads():
    uow, person = started()
    answer = today(uow, CATALOGUE, person, START, actor=OWNER, persist=False)
    assert answer["status"] == "session" and answer["items"]
    assert uow.opened == ["read"]
    today(uow, CATALOGUE, person, START, actor=OWNER)
    assert uow.opened == ["read", "write"]


def test_nobody_started_opens_nothing_for_today_and_is_named_for_a_session():
    uow = FakeUnitOfWork()
    assert today(uow, CATALOGUE, None, START, actor=OWNER)["status"] == "not-started"
    with pytest.raises(NotStarted) as raised:
        sessions.record_session(uow, CATALOGUE, None, bridge_log(START, 1), START, actor=OWNER)
    assert raised.value.field == "programme"
    assert uow.opened == []


@pytest.mark.parametrize("role", ["patient", "physio", "admin"])
def test_a_refused_actor_opens_no_unit_of_work(role):
    uow, person = started()
    stranger = Actor(role, account_id=3)
    calls = [
        lambda: today(uow, CATALOGUE, person, START, actor=stranger),
        lambda: checkins.record_checkin(
            uow, CATALOGUE, person, START, 2, morning=True, actor=stranger
        ),
        lambda: sessions.record_session(
            uow, CATALOGUE, person, bridge_log(START, 1), START, actor=stranger
        ),
        lambda: progress.progress(uow, CATALOGUE, person, START, actor=stranger),
        lambda: people.person(uow, person, actor=stranger),
        lambda: account.export_data(uow, person, actor=stranger),
        lambda: account.delete_everything(uow, actor=stranger),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    assert uow.opened == []


def test_a_bad_log_is_refused_before_any_unit_of_work_with_the_field_named():
    uow, person = started()
    log = bridge_log(START, 11)
    with pytest.raises(FieldError) as raised:
        sessions.record_session(uow, CATALOGUE, person, log, START, actor=OWNER)
    assert raised.value.field == "entries.0.sets.0.pain"
    assert uow.opened == []


def test_pm1_pain_above_5_regresses_at_once_in_one_write():
    uow, person = started()
    saved = sessions.record_session(
        uow, CATALOGUE, person, bridge_log(START, 6), START, actor=OWNER
    )
    assert uow.opened == ["write"]
    assert [(d["rule"], d["action"]) for d in saved["decisions"]] == [("PM-1", "regress")]
    again = sessions.record_session(
        uow, CATALOGUE, person, bridge_log(START, 6), START, actor=OWNER
    )
    assert again["created"] is False and again["session_id"] == saved["session_id"]


def test_submit_session_writes_through_write_soon():
    uow, person = started()
    saved = asyncio.run(
        sessions.submit_session(uow, CATALOGUE, person, bridge_log(START, 2), START, actor=OWNER)
    )
    assert saved["created"] and uow.opened == ["write"]


def test_sessions_alone_keep_the_stored_course_within_a_week_of_them():
    # Reads store nothing and a session does not fold, so with no morning score in between
    # the stored course would fall further behind each day; a session write catches up.
    uow, person = started(days_per_week=7)
    for n in range(24):
        day = START + dt.timedelta(days=n)
        log = bridge_log(day, pain=1, client_id=f"s{n}")
        assert sessions.record_session(uow, CATALOGUE, person, log, day, actor=OWNER)["created"]
        with uow.read() as store:
            newest = store.newest_course_state_day(person, engine_version())
        stored_to = newest or START - dt.timedelta(days=1)
        assert (day - stored_to).days <= CATCH_UP_DAYS, (day, newest)
    # What it stored is what a fold from the start finds.
    fresh = FakeUnitOfWork()
    assert start_programme(fresh, CATALOGUE, profile(days_per_week=7), START, actor=OWNER)["saved"]
    for n in range(24):
        day = START + dt.timedelta(days=n)
        log = bridge_log(day, pain=1, client_id=f"s{n}")
        with fresh.write() as store:  # the bare write: no catch-up, nothing folded
            sessions.save_session(
                store,
                sessions.prepare_checked(
                    CATALOGUE,
                    parse_session_log(log, CATALOGUE, day),
                    store.session_target(1, day, engine_version()) or {},
                ),
            )
    last = START + dt.timedelta(days=23)
    assert progress.progress(uow, CATALOGUE, person, last, actor=OWNER) == progress.progress(
        fresh, CATALOGUE, 1, last, actor=OWNER
    )


def test_the_banner_shows_what_a_read_found_once_and_never_what_was_read_already():
    uow, person = started()
    later = START + dt.timedelta(days=9)  # no pain score for over a week: ES-4

    def banner() -> list[dict[str, Any]]:  # as a page shows it, from the page's own fold
        _, folded = today_and_fold(uow, CATALOGUE, person, later, actor=OWNER)
        return people.banner_escalations(uow, person, actor=OWNER, loaded=folded)

    uow.opened.clear()
    shown = banner()
    assert [(e["rule"], e["id"]) for e in shown] == [("ES-4", None)]  # not stored: no id
    assert people.banner_escalations(uow, person, actor=OWNER) == []  # without the fold
    assert set(uow.opened) == {"read"}
    today(uow, CATALOGUE, person, later, actor=OWNER)  # a write stores it
    stored = banner()
    assert [e["rule"] for e in stored] == ["ES-4"] and stored[0]["id"] is not None
    assert stored[0]["date"] == shown[0]["date"]  # the same episode
    moment = dt.datetime(2026, 1, 14, 9, tzinfo=dt.UTC)
    people.acknowledge_escalation(uow, person, stored[0]["id"], moment, actor=OWNER)
    assert banner() == []


def test_history_and_the_page_views_only_read():
    uow, person = started()
    checkins.record_checkin(uow, CATALOGUE, person, START, 4, morning=True, actor=OWNER)
    uow.opened.clear()
    assert [c["pain"] for c in progress.history(uow, person, actor=OWNER)["checkins"]] == [4]
    seen = people.morning(uow, person, START, actor=OWNER)
    assert seen.checked_in and not seen.screening_due
    assert people.person(uow, person, actor=OWNER).units == "metric"
    assert people.escalations(uow, person, actor=OWNER, open_only=True) == []
    assert progress.progress(uow, CATALOGUE, person, START, actor=OWNER)["status"] == "active"
    assert set(uow.opened) == {"read"}


def test_a_red_flag_at_check_in_stops_and_shows_in_the_banner_rows():
    uow, person = started()
    answers = {**profile()["screening"], "knee_locked": True}
    result = checkins.record_checkin(
        uow, CATALOGUE, person, START, 3, morning=True, answers=answers, actor=OWNER
    )
    assert result["urgency"] == "urgent"
    banner = people.escalations(uow, person, actor=OWNER, open_only=True)
    assert banner and banner[0]["urgency"] == "urgent"
    people.acknowledge_escalation(
        uow, person, banner[0]["id"], dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), actor=OWNER
    )
    assert people.escalations(uow, person, actor=OWNER, open_only=True) == []
    assert len(people.escalations(uow, person, actor=OWNER)) == 1  # kept in the history


def test_an_unknown_person_is_named_and_nothing_is_written():
    uow, _ = started()
    with pytest.raises(FieldError) as raised:
        checkins.record_checkin(uow, CATALOGUE, 404, START, 3, morning=True, actor=OWNER)
    assert raised.value.field == "person"
    with uow.read() as store:
        assert store.count_people() == 1


def test_a_clinic_patient_starts_in_the_row_made_with_their_invite_and_only_for_themselves():
    uow = FakeUnitOfWork()
    with uow.write() as store:
        person = store.clinic.add_patient_person(START)
        other = store.clinic.add_patient_person(START)
        assert store.person_ids_after(0, 10) == []  # not started: review leaves them out
    patient = Actor("patient", account_id=5, person_id=person, clinic_id=1)
    result = start_programme(uow, CATALOGUE, profile(pain_now=4), START, actor=patient)
    assert result["saved"] and result["person_id"] == person
    with uow.read() as store:
        assert store.count_people() == 2
        assert store.person(person)["baseline_pain"] == 4
        assert store.person_ids_after(0, 10) == [person]
    assert today(uow, CATALOGUE, person, START, actor=patient)["status"] == "session"
    with pytest.raises(NotAllowed):
        today(uow, CATALOGUE, other, START, actor=patient)
    with pytest.raises(FieldError) as raised:  # a second start is refused, nothing changes
        start_programme(uow, CATALOGUE, profile(pain_now=7), START, actor=patient)
    assert raised.value.field == "programme"
    with uow.read() as store:
        assert store.person(person)["baseline_pain"] == 4
