"""CL-3 alerts through the services, on SQLite: what raises one, once per episode, who
sees it, acknowledging it, and review's time-based alerts and digests.

The RF-2 acceptance line through the HTTP API on PostgreSQL is in
tests/clinic_web/test_alerts_api.py; sending mail is in tests/clinic/test_mail.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.planning import Prescription, Slot
from kneecoach.domain.progression import Decision
from kneecoach.services import alerts, checkins, onboarding, sessions
from kneecoach.services.actor import Actor
from kneecoach.services.audit import Forbidden, NotFound
from kneecoach.store.db import Database, dispose_all
from tests.clinic.conftest import NOW, ClinicWorld
from tests.factories import clear_answers, profile

START = dt.date(2025, 3, 1)
LOCKED_KNEE = clear_answers(knee_locked=True)  # RF-2 urgent


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    """SQLite only here (PostgreSQL: the API test)."""
    yield f"sqlite:///{tmp_path / 'kneecoach.db'}"
    dispose_all()


@pytest.fixture(scope="module")
def catalogue() -> Any:
    return load_catalogue()


def patient_actor(world: ClinicWorld) -> Actor:
    p = world.patient
    return Actor("patient", p.account_id, person_id=p.patient_id, clinic_id=world.clinic_id)


def physio(world: ClinicWorld) -> Actor:
    return Actor("physio", world.physio.account_id)


def start(uow: Database, catalogue: Any, world: ClinicWorld, **changes: Any) -> int:
    done = onboarding.start_programme(
        uow, catalogue, profile(**changes), START, actor=patient_actor(world)
    )
    assert done["saved"], done
    return int(done["person_id"])


def checkin(
    uow: Database, catalogue: Any, world: ClinicWorld, day: dt.date, answers: Any = None
) -> dict[str, Any]:
    assert world.patient.patient_id is not None
    return checkins.record_checkin(
        uow,
        catalogue,
        world.patient.patient_id,
        day,
        3,
        actor=patient_actor(world),
        morning=True,
        answers=answers,
    )


def log(uow: Database, catalogue: Any, world: ClinicWorld, day: dt.date, key: str, pains: Any):
    entries = [{"exercise_id": "bridge", "sets": [{"pain": p} for p in pains]}]
    raw = {
        "client_id": key,
        "date": day.isoformat(),
        "pain_before": 2,
        "pain_after": 3,
        "entries": entries,
    }
    return sessions.record_session(
        uow, catalogue, world.patient.patient_id, raw, day, actor=patient_actor(world)
    )


def every_alert(uow: Database, world: ClinicWorld) -> list[dict[str, Any]]:
    return alerts.alerts(uow, physio(world), status="all", now=NOW)


def rows(uow: Database, query: str) -> list[Any]:
    with uow.read() as store:
        return list(store._session.execute(text(query)))


# --- red flags: one alert an episode -----------------------------------------------------


def test_an_rf2_checkin_opens_one_urgent_alert_and_queues_its_email(uow, world, catalogue):
    start(uow, catalogue, world)
    day = START + dt.timedelta(days=2)
    answered = checkin(uow, catalogue, world, day, LOCKED_KNEE)
    assert answered["status"] == "stopped"
    [alert] = alerts.alerts(uow, physio(world), status="open", now=NOW)
    assert alert["rule"] == "RF-2" and alert["urgency"] == "urgent"
    assert alert["patient_id"] == world.patient.patient_id
    assert alert["numbers"] == {"question": "knee_locked", "date": day.isoformat()}
    assert alert["acknowledged_at"] is None and alert["mail"] == "pending"
    assert "Get seen by a doctor today" not in alert["message"]  # the patient's advice
    [mail] = rows(uow, "SELECT account_id, alert_id, kind, sent_at FROM mail_outbox")
    assert tuple(mail) == (world.physio.account_id, alert["alert_id"], "alert", None)


def test_the_same_flag_the_next_day_is_the_same_episode_even_once_acknowledged(
    uow, world, catalogue
):
    start(uow, catalogue, world)
    first = START + dt.timedelta(days=2)
    checkin(uow, catalogue, world, first, LOCKED_KNEE)
    [alert] = every_alert(uow, world)
    alerts.acknowledge(uow, physio(world), alert["alert_id"], "Phoned her.", now=NOW)
    checkin(uow, catalogue, world, first + dt.timedelta(days=1), LOCKED_KNEE)
    checkin(uow, catalogue, world, first + dt.timedelta(days=2))  # no answers: no end
    checkin(uow, catalogue, world, first + dt.timedelta(days=3), LOCKED_KNEE)
    assert [a["alert_id"] for a in every_alert(uow, world)] == [alert["alert_id"]]
    assert alerts.alerts(uow, physio(world), status="open", now=NOW) == []
    assert len(rows(uow, "SELECT id FROM mail_outbox")) == 1


def test_a_flag_after_a_clean_screening_or_a_clearance_is_a_new_episode(uow, world, catalogue):
    start(uow, catalogue, world)
    day = START + dt.timedelta(days=2)
    checkin(uow, catalogue, world, day, LOCKED_KNEE)
    checkin(uow, catalogue, world, day + dt.timedelta(days=1), clear_answers())  # clean
    checkin(uow, catalogue, world, day + dt.timedelta(days=2), LOCKED_KNEE)
    assert len(every_alert(uow, world)) == 2
    checkins.record_clearance(
        uow,
        catalogue,
        world.patient.patient_id,
        day + dt.timedelta(days=3),
        "Dr Patel, GP",
        clear_answers(),
        actor=patient_actor(world),
    )
    checkin(uow, catalogue, world, day + dt.timedelta(days=4), LOCKED_KNEE)
    found = every_alert(uow, world)
    assert [a["rule"] for a in found] == ["RF-2"] * 3
    assert [a["day"] for a in found] == [
        (day + dt.timedelta(days=n)).isoformat() for n in (4, 2, 0)
    ]  # newest first


def test_intake_flags_alert_the_physio_soon(uow, world, catalogue):
    start(uow, catalogue, world, screening=clear_answers(symptom_duration_weeks=20))
    [alert] = every_alert(uow, world)
    assert (alert["rule"], alert["urgency"], alert["mail"]) == ("ES-3", "soon", "none")
    # The weekly re-screen asks again: still the same episode.
    checkin(
        uow,
        catalogue,
        world,
        START + dt.timedelta(days=7),
        clear_answers(symptom_duration_weeks=21),
    )
    assert len(every_alert(uow, world)) == 1


def test_personal_mode_stores_no_alert(uow, catalogue):
    from kneecoach.services.actor import OWNER

    done = onboarding.start_programme(uow, catalogue, profile(), START, actor=OWNER)
    person = done["person_id"]
    checkins.record_checkin(
        uow,
        catalogue,
        person,
        START + dt.timedelta(days=1),
        3,
        actor=OWNER,
        morning=True,
        answers=LOCKED_KNEE,
    )
    assert rows(uow, "SELECT id FROM alerts") == []
    assert rows(uow, "SELECT id FROM mail_outbox") == []


# --- sessions: pain 7 or more, a locked exercise regressed, a pause ---------------------


def test_pain_7_during_a_set_opens_a_soon_alert_once(uow, world, catalogue):
    start(uow, catalogue, world)
    day = START + dt.timedelta(days=2)
    log(uow, catalogue, world, day, "s1", [3, 7])
    log(uow, catalogue, world, day, "s1", [3, 7])  # the same session sent again
    [alert] = every_alert(uow, world)
    assert (alert["rule"], alert["urgency"], alert["mail"]) == ("CL-3", "soon", "none")
    assert alert["numbers"]["pain"] == 7
    assert alert["numbers"]["exercises"] == [{"exercise_id": "bridge", "pain": 7}]
    assert "7/10" in alert["message"]


def test_pain_6_regresses_without_a_pain_alert(uow, world, catalogue):
    start(uow, catalogue, world)
    done = log(uow, catalogue, world, START + dt.timedelta(days=2), "s1", [6])
    assert [d["rule"] for d in done["decisions"]] == ["PM-1"]
    assert every_alert(uow, world) == []  # bridge is not locked, and 6 is below 7


def test_a_locked_exercise_regressed_by_pm1_alerts_soon(uow, world, catalogue):
    person = start(uow, catalogue, world)
    with uow.write() as store:
        newest = store.programme_versions(person)[-1]
        slots = [
            {**s, "locked": s["exercise_id"] == "bridge"} for s in newest["programme"]["slots"]
        ]
        store.add_programme_version(
            person,
            version=newest["version"] + 1,
            effective_date=START + dt.timedelta(days=1),
            programme={**newest["programme"], "slots": slots, "source": "prescription"},
            reasons=[{"message": "CL-1: prescribed by Sam Example: lock the bridge"}],
        )
    log(uow, catalogue, world, START + dt.timedelta(days=2), "s1", [6])
    [alert] = every_alert(uow, world)
    assert (alert["rule"], alert["urgency"]) == ("CL-2", "soon")
    assert alert["message"].startswith("CL-2: a locked exercise was regressed. PM-1: pain 6/10")


def _decision(rule: str, action: str, locked: bool) -> Decision:
    slot = Slot(
        "bridge",
        "strength",
        "bridge",
        Prescription(2, 10, None, None, None, per_side=False),
        locked=locked,
    )
    return Decision(
        dt.date(2025, 3, 5), "bridge", "bridge", action, rule, f"{rule}: x", {}, "k", slot
    )  # type: ignore[arg-type]


def test_which_decisions_alert():
    causes = alerts.decision_causes(
        [
            _decision("PM-1", "regress", locked=True),  # CL-2
            _decision("PM-1", "regress", locked=False),  # the usual rule at work
            _decision("PR-6", "pause", locked=False),  # a pause
            _decision("PR-8", "pause", locked=False),  # PR-8 leaves a stretch out: no alert
            _decision("PR-1", "progress", locked=False),
        ]
    )
    assert [(c.rule, c.urgency, c.episode) for c in causes] == [
        ("CL-2", "soon", "bridge:2025-03-05"),
        ("PR-6", "soon", "bridge:2025-03-05"),
    ]


def test_an_alert_speaks_about_the_patient_not_to_them():
    pause = _decision("PR-6", "pause", locked=False)
    told = (
        "PR-6: pain 5/10 and 5/10 during bridge in two sessions running → paused. "
        "Your physiotherapist can bring it back. Ask a physiotherapist or doctor about it."
    )
    [cause] = alerts.decision_causes([dataclasses.replace(pause, reason=told)])
    assert cause.message == (
        "PR-6: pain 5/10 and 5/10 during bridge in two sessions running → paused. "
        "Their physiotherapist can bring it back."
    )


# --- staff: scope, acknowledging, the audit trail ---------------------------------------


def test_acknowledging_twice_keeps_the_first_time_and_note(uow, world, catalogue):
    start(uow, catalogue, world)
    checkin(uow, catalogue, world, START + dt.timedelta(days=2), LOCKED_KNEE)
    [alert] = every_alert(uow, world)
    first = alerts.acknowledge(uow, physio(world), alert["alert_id"], " Called. ", now=NOW)
    later = NOW + dt.timedelta(hours=1)
    again = alerts.acknowledge(uow, physio(world), alert["alert_id"], "Other note", now=later)
    assert first["acknowledged_at"] == again["acknowledged_at"] == NOW.isoformat()
    assert first["note"] == again["note"] == "Called."
    assert again["acknowledged_by"] == world.physio.account_id
    outcomes = rows(uow, "SELECT action, outcome, patient_id FROM audit_events ORDER BY id")
    patient = world.patient.patient_id
    assert ("update", "alert-acknowledged", patient) in [tuple(r) for r in outcomes]
    assert ("update", "alert-seen-again", patient) in [tuple(r) for r in outcomes]
    assert ("read", "alerts", None) in [tuple(r) for r in outcomes]


def test_another_physio_and_an_admin_never_see_or_acknowledge_it(uow, world, catalogue):
    start(uow, catalogue, world)
    checkin(uow, catalogue, world, START + dt.timedelta(days=2), LOCKED_KNEE)
    [alert] = every_alert(uow, world)
    other = Actor("physio", world.other_physio.account_id)
    assert alerts.alerts(uow, other, status="all", now=NOW) == []
    with pytest.raises(NotFound):
        alerts.acknowledge(uow, other, alert["alert_id"], None, now=NOW)
    admin = Actor("admin", world.admin.account_id)
    with pytest.raises(Forbidden):
        alerts.alerts(uow, admin, status="all", now=NOW)
    with pytest.raises(NotFound):
        alerts.alerts_of_patient(uow, other, world.patient.patient_id, status="all", now=NOW)
    mine = alerts.alerts_of_patient(
        uow, physio(world), world.patient.patient_id, status="open", now=NOW
    )
    assert [a["alert_id"] for a in mine] == [alert["alert_id"]]
    assert every_alert(uow, world)[0]["acknowledged_at"] is None  # nothing changed


# --- review: silence, adherence, the daily digest ---------------------------------------


def test_review_raises_silence_and_low_adherence_once_and_one_digest_a_day(uow, world, catalogue):
    start(uow, catalogue, world)
    checkin(uow, catalogue, world, START + dt.timedelta(days=1))
    day = START + dt.timedelta(days=14)  # 13 days of silence, no session in 14 days
    done = alerts.review_clinics(uow, day, now=NOW)
    assert done == {"alerts": 2, "digests": 1}
    found = every_alert(uow, world)
    assert {(a["rule"], a["urgency"]) for a in found} == {("CL-3", "none")}
    numbers = sorted(found, key=lambda a: a["message"])
    assert numbers[0]["numbers"]["done"] == 0 and numbers[0]["numbers"]["planned"] >= 4
    assert numbers[1]["numbers"]["days"] == 13
    # The next night: the same episodes, and no second digest within the day.
    again = alerts.review_clinics(uow, day + dt.timedelta(days=1), now=NOW + dt.timedelta(hours=2))
    assert again == {"alerts": 0, "digests": 0}
    [digest] = rows(uow, "SELECT kind, account_id, body FROM mail_outbox")
    assert digest[0] == "digest" and digest[1] == world.physio.account_id
    assert "1 patient of yours needs your attention" in digest[2]
    # A check-in ends the silence: the next silence is a new episode.
    checkin(uow, catalogue, world, day + dt.timedelta(days=2))
    later = alerts.review_clinics(uow, day + dt.timedelta(days=5), now=NOW + dt.timedelta(days=1))
    assert later["alerts"] == 1


def test_alert_mail_names_no_patient_score_or_symptom(uow, world, catalogue):
    start(uow, catalogue, world)
    checkin(uow, catalogue, world, START + dt.timedelta(days=2), LOCKED_KNEE)
    log(uow, catalogue, world, START + dt.timedelta(days=2), "s1", [8])
    alerts.review_clinics(uow, START + dt.timedelta(days=3), now=NOW)
    bodies = [r[0] + "\n" + r[1] for r in rows(uow, "SELECT subject, body FROM mail_outbox")]
    assert len(bodies) == 2  # the RF-2 alert's own, and the digest (pain 8: `soon`)
    patient_name = "patient one"  # make_clinic's name for them
    for body in bodies:
        lowered = body.lower()
        for secret in (
            patient_name,
            world.patient.email,
            "straighten",
            "locked",
            "pain",
            "/10",
            "rf-",
            "urgent",
        ):
            assert secret not in lowered, (secret, body)
        assert "/patients/" in body or "/clinic" in body


# --- escalations the fold starts ----------------------------------------------------------


def _pain(uow: Database, catalogue: Any, world: ClinicWorld, day: dt.date, pain: int) -> Any:
    return checkins.record_checkin(
        uow,
        catalogue,
        world.patient.patient_id,
        day,
        pain,
        actor=patient_actor(world),
        morning=True,
    )


def test_an_escalation_that_starts_alerts_once_with_its_own_urgency(uow, world, catalogue):
    start(uow, catalogue, world)  # baseline 3
    for n in range(1, 4):  # a weekly mean of 9: ES-2 `urgent` (8 or more), a stop
        _pain(uow, catalogue, world, START + dt.timedelta(days=n), 9)
    [alert] = every_alert(uow, world)
    assert (alert["rule"], alert["urgency"], alert["mail"]) == ("ES-2", "urgent", "pending")
    # Worded for the physio: about the patient, without the advice the patient was given.
    assert alert["message"] == "ES-2: their pain score (0-10) this week averages 9.0 (8 or more)."
    assert alert["day"] == (START + dt.timedelta(days=3)).isoformat()
    _pain(uow, catalogue, world, START + dt.timedelta(days=4), 9)  # the same episode
    assert len(every_alert(uow, world)) == 1


def test_review_raises_what_its_fold_starts(uow, world, catalogue, db_url):
    from kneecoach.services.review import review_all

    start(uow, catalogue, world)  # baseline 3
    for n in range(7, 13):  # a steady 3: not better from day 14 on (ES-1)
        _pain(uow, catalogue, world, START + dt.timedelta(days=n), 3)
    assert every_alert(uow, world) == []
    review_all(db_url, catalogue, START + dt.timedelta(days=13))  # day 14: ES-1 starts
    rules_found = [(a["rule"], a["urgency"]) for a in every_alert(uow, world)]
    assert ("ES-1", "soon") in rules_found
    review_all(db_url, catalogue, START + dt.timedelta(days=13))
    assert len(every_alert(uow, world)) == len(rules_found)  # once
