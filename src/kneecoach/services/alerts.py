"""Alerts for a clinic patient's physiotherapist (CL-3), raised with what causes them.

`raise_alerts` runs inside the unit of work that stores the cause (a check-in, a
session, a fold's derived rows, the nightly review), so an alert and its cause commit
together. It costs nothing when nothing alert-worthy happened, and one indexed query
(is this person a clinic patient?) when something did: personal mode pays nothing more.

What raises an alert (CLINICAL.md CL-3; docs/alerts.md):

- a red flag at a check-in or intake (RF-1..RF-5, ES-3, PM-5): the rule's urgency;
- an escalation that starts (ES-1, ES-2): its urgency;
- a pause (PR-6): `soon`;
- a PM-1 regress of a locked exercise (CL-2): `soon`;
- pain 7 or more during an exercise (CL-3): `soon`;
- from `review`: no check-in for 3 days, fewer than half the planned sessions done in
  the last 14 days (CL-3): `none`.

Each starts once per episode: (person, rule, episode) is unique in `alerts`, and the
episode is a key the same cause always gives again (`episode_of`). `urgent` and
`emergency` alerts queue an email to the physio in the same unit of work
(services/mail.py sends it after the commit); the others go in the physio's daily
digest.

For staff: `alerts` (a physio's own patients'), `alerts_of_patient` and `acknowledge`,
each audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from kneecoach.domain import rules
from kneecoach.domain.errors import FieldError
from kneecoach.domain.planning import parse_profile, training_days_between
from kneecoach.domain.screening import ADVICE, ScreeningError, screen
from kneecoach.services import audit, mail
from kneecoach.services.actor import Actor
from kneecoach.services.audit import CLI, Forbidden, NotFound, Origin

if TYPE_CHECKING:
    from kneecoach.domain.progression import Decision
    from kneecoach.domain.trends import Escalation
    from kneecoach.services.uow import UnitOfWork
    from kneecoach.store.alerts import AlertRecord, PatientLink
    from kneecoach.store.repository import Store

Status = Literal["open", "all"]
EMAILED = ("emergency", "urgent")
DIGESTED = ("soon", "none")
# The escalations that start an alert; ES-4 (a week's silence) is the patient's reminder.
TREND_RULES = ("ES-1", "ES-2")
SCREENING_RULES = ("ES-3", "PM-5")
NOTE_MAX = 2000


@dataclass(frozen=True)
class Cause:
    """Something the physio should know, before it is stored as an alert."""

    rule: str
    urgency: str
    message: str
    numbers: Mapping[str, Any]
    day: dt.date
    # None: a red flag, whose episode is found from the person's screenings (`flag_episode`).
    episode: str | None


# --- what is alert-worthy (no I/O) -------------------------------------------------------


def _is_flag(escalation: Escalation) -> bool:
    return escalation.rule.startswith("RF-") or escalation.rule in SCREENING_RULES


# What the engine tells the patient to do, at the end of its messages: the physio reads
# the finding, not the advice (the alert's urgency says how soon).
PATIENT_ADVICE = (
    *ADVICE.values(),
    "Book a physiotherapist or doctor within 1-2 weeks.",
    "Stop the exercises and get seen today.",
    "Ask a physiotherapist or doctor about it.",
)
# The engine speaks to the patient ("your pain score"); an alert speaks about them.
_TO_STAFF = (("your physiotherapist", "their physiotherapist"), ("your ", "their "))


def _staff_wording(message: str) -> str:
    """An engine message as the physio reads it: about the patient, without the advice
    the patient was given."""
    for advice in PATIENT_ADVICE:
        if message.endswith(" " + advice):
            message = message[: -len(advice) - 1]
            break
    for said, meant in _TO_STAFF:
        message = message.replace(said, meant).replace(said.capitalize(), meant.capitalize())
    return message


def escalation_causes(escalations: Iterable[Escalation], day: dt.date) -> list[Cause]:
    causes = []
    for esc in escalations:
        when = esc.date or day
        if _is_flag(esc):
            numbers = {**esc.numbers, "date": when.isoformat()}
            message = _staff_wording(esc.message)
            causes.append(Cause(esc.rule, esc.urgency, message, numbers, when, None))
        elif esc.rule in TREND_RULES:
            numbers = {**esc.numbers, "date": when.isoformat()}
            episode = f"{esc.urgency}:{when.isoformat()}"
            message = _staff_wording(esc.message)
            causes.append(Cause(esc.rule, esc.urgency, message, numbers, when, episode))
    return causes


def decision_causes(decisions: Iterable[Decision]) -> list[Cause]:
    causes = []
    for d in decisions:
        episode = f"{d.slot}:{d.date.isoformat()}"
        numbers = {**d.numbers, "exercise_id": d.exercise_id, "date": d.date.isoformat()}
        if d.rule == "PR-6" and d.action == "pause":
            message = _staff_wording(d.reason)
            causes.append(Cause("PR-6", "soon", message, numbers, d.date, episode))
        elif (
            d.rule == "PM-1"
            and d.action == "regress"
            and d.result is not None
            and getattr(d.result, "locked", False)
        ):
            message = f"CL-2: a locked exercise was regressed. {_staff_wording(d.reason)}"
            causes.append(Cause("CL-2", "soon", message, numbers, d.date, episode))
    return causes


def pain_causes(day: dt.date, entries: Iterable[Mapping[str, Any]]) -> list[Cause]:
    """CL-3: pain 7 or more during any set of a session (one alert a day)."""
    hurt = []
    for entry in entries:
        top = max((int(s["pain"]) for s in entry["sets"]), default=0)
        if top >= rules.CL3_PAIN_DURING:
            hurt.append({"exercise_id": entry["exercise_id"], "pain": top})
    if not hurt:
        return []
    worst = max(h["pain"] for h in hurt)
    names = ", ".join(f"{h['exercise_id']} ({h['pain']}/10)" for h in hurt)
    message = (
        f"CL-3: pain {worst}/10 during exercise on {day.isoformat()}: {names} "
        f"({rules.CL3_PAIN_DURING} or more)."
    )
    numbers = {
        "pain": worst,
        "limit": rules.CL3_PAIN_DURING,
        "exercises": hurt,
        "date": day.isoformat(),
    }
    return [Cause("CL-3", "soon", message, numbers, day, f"pain:{day.isoformat()}")]


# --- raising them ------------------------------------------------------------------------


def raise_alerts(
    store: Store,
    person_id: int,
    *,
    day: dt.date,
    now: dt.datetime | None = None,
    escalations: Iterable[Escalation] = (),
    decisions: Iterable[Decision] = (),
    session_entries: Iterable[Mapping[str, Any]] = (),
    causes: Iterable[Cause] = (),
) -> list[int]:
    """Store the alerts these causes start for a clinic patient (none for anyone else), in
    the caller's unit of work; the ids of the new ones. `escalations` are those a fold
    started (check-in flags among them), `decisions` those it or a session made,
    `session_entries` a session log's entries (pain during each set)."""
    escalations, decisions, causes = tuple(escalations), tuple(decisions), tuple(causes)
    limit = rules.CL3_PAIN_DURING
    entries = tuple(e for e in session_entries if any(s["pain"] >= limit for s in e["sets"]))
    if not (escalations or decisions or entries or causes):
        return []  # the hot path: nothing happened that could alert, no query
    found = [
        *escalation_causes(escalations, day),
        *decision_causes(decisions),
        *pain_causes(day, entries),
        *causes,
    ]
    if not found:
        return []  # nothing alert-worthy, no query
    link = store.alerts.clinic_patient(person_id)
    if link is None:
        return []  # personal mode, or not a clinic patient
    return store_causes(store, link, found, now or dt.datetime.now(dt.UTC))


def store_causes(
    store: Store, link: PatientLink, causes: Sequence[Cause], now: dt.datetime
) -> list[int]:
    made: list[int] = []
    queued = False
    settings: mail.MailSettings | None = None
    for cause in causes:
        episode = cause.episode or flag_episode(store, link.person_id, cause)
        alert_id = store.alerts.add(
            clinic_id=link.clinic_id,
            person_id=link.person_id,
            physio_id=link.physio_id,
            rule=cause.rule,
            urgency=cause.urgency,
            episode=episode,
            message=cause.message,
            numbers=dict(cause.numbers),
            day=cause.day,
            now=now,
        )
        if alert_id is None:
            continue  # this episode has its alert already
        made.append(alert_id)
        if cause.urgency in EMAILED and link.physio_id is not None:
            settings = settings or _settings()
            subject, body = mail.alert_mail(settings.base_url, link.person_id)
            store.alerts.enqueue_mail(
                clinic_id=link.clinic_id,
                account_id=link.physio_id,
                alert_id=alert_id,
                kind="alert",
                subject=subject,
                body=body,
                now=now,
            )
            queued = True
    if queued:
        key = store.alerts.database_key()
        store.alerts.on_commit(lambda: mail.wake(key))
    return made


def _settings() -> mail.MailSettings:
    try:
        return mail.mail_settings()
    except FieldError:  # a bad SMTP URL must not fail the patient's request
        from kneecoach.settings import get_settings

        return mail.MailSettings(None, "", get_settings().base_url.rstrip("/"))


def flag_episode(store: Store, person_id: int, cause: Cause) -> str:
    """The episode of a red flag raised on `cause.day`: "<urgency>:<the day it began>".

    It began on the first day of the run of screenings that raised this flag (the same
    rule at the same urgency) up to `cause.day`, counting back over days with screening
    answers (check-ins that answered the safety questions, and the intake) and
    clearances. A day whose answers did not raise it, or a clearance, ends a run: the
    flag after it starts a new episode. Check-ins without answers neither extend nor
    end one.
    """
    flagged: dict[dt.date, bool] = {}
    person = store.person(person_id)
    history: list[tuple[dt.date, Any]] = [(person["start_date"], person.get("screening"))]
    history += store.alerts.screenings(person_id, cause.day)
    for day, answers in history:
        if day > cause.day:
            continue
        flagged[day] = flagged.get(day, False) or _raises(answers, cause)
    for day in store.alerts.clearance_days(person_id, cause.day):
        flagged.setdefault(day, False)
    began = cause.day
    for day in sorted(flagged, reverse=True):
        if day >= cause.day:
            continue
        if not flagged[day]:
            break
        began = day
    return f"{cause.urgency}:{began.isoformat()}"


def _raises(answers: Any, cause: Cause) -> bool:
    if not isinstance(answers, Mapping):
        return False
    try:
        triage = screen(answers)
    except ScreeningError:
        return False
    return any(f.rule == cause.rule and f.urgency == cause.urgency for f in triage.flags)


# --- the nightly review: silence, adherence, digests ------------------------------------


def review_clinics(
    uow: UnitOfWork, day: dt.date, *, now: dt.datetime | None = None
) -> dict[str, int]:
    """The time-based alerts of every clinic patient as of `day`, then one digest per
    physio (at most one a day) of the `soon` and `none` alerts not yet in one. Counts."""
    moment = now or dt.datetime.now(dt.UTC)
    with uow.write() as store:
        made = _time_based(store, day, moment)
        digests = _digests(store, moment)
    return {"alerts": made, "digests": digests}


def _time_based(store: Store, day: dt.date, now: dt.datetime) -> int:
    people = [p for p in store.alerts.started_clinic_people() if p.start_date <= day]
    if not people:
        return 0
    ids = [p.person_id for p in people]
    last = store.alerts.last_checkins(ids, day)
    window = rules.CL3_ADHERENCE_DAYS
    first = day - dt.timedelta(days=window - 1)
    done = store.alerts.session_days(ids, first, day)
    links = store.alerts.clinic_patients(ids)
    made = 0
    for person in people:
        causes = []
        seen = last.get(person.person_id, person.start_date - dt.timedelta(days=1))
        silent = (day - seen).days
        if silent >= rules.CL3_SILENT_DAYS:
            since = "no check-in yet" if person.person_id not in last else f"last on {seen}"
            message = f"CL-3: no check-in for {silent} days ({since})."
            numbers = {"days": silent, "limit": rules.CL3_SILENT_DAYS, "last": seen.isoformat()}
            causes.append(Cause("CL-3", "none", message, numbers, day, f"silence:{seen}"))
        if (day - person.start_date).days >= window - 1:
            days_per_week = parse_profile(person.profile).days_per_week
            planned = training_days_between(days_per_week, first, day)
            count = len(done.get(person.person_id, ()))
            if planned and count < planned * rules.CL3_ADHERENCE_SHARE:
                block = (day - person.start_date).days // window
                message = (
                    f"CL-3: {count} of {planned} planned sessions done in the last "
                    f"{window} days (fewer than half)."
                )
                numbers = {"planned": planned, "done": count, "days": window}
                episode = f"adherence:{block}"
                causes.append(Cause("CL-3", "none", message, numbers, day, episode))
        link = links.get(person.person_id)
        if causes and link is not None:
            made += len(store_causes(store, link, causes, now))
    return made


def _digests(store: Store, now: dt.datetime) -> int:
    waiting = store.alerts.undigested(DIGESTED)
    by_physio: dict[tuple[int, int], list[AlertRecord]] = {}
    for alert in waiting:
        if alert.physio_id is not None:
            by_physio.setdefault((alert.clinic_id, alert.physio_id), []).append(alert)
    if not by_physio:
        return 0
    settings = _settings()
    since = now - dt.timedelta(hours=20)  # one a day, whatever time review runs
    made = 0
    for (clinic_id, physio_id), alerts in by_physio.items():
        if store.alerts.digest_since(physio_id, since):
            continue
        subject, body = mail.digest_mail(settings.base_url, len({a.person_id for a in alerts}))
        store.alerts.enqueue_mail(
            clinic_id=clinic_id,
            account_id=physio_id,
            alert_id=None,
            kind="digest",
            subject=subject,
            body=body,
            now=now,
        )
        store.alerts.mark_digested([a.id for a in alerts], now)
        made += 1
    return made


# --- for staff ---------------------------------------------------------------------------


def alert_dict(alert: AlertRecord) -> dict[str, Any]:
    """The API's shape of an alert (`GET /api/v1/alerts`)."""
    return {
        "alert_id": alert.id,
        "patient_id": alert.person_id,
        "rule": alert.rule,
        "urgency": alert.urgency,
        "message": alert.message,
        "numbers": alert.numbers,
        "created_at": alert.created_at.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "acknowledged_by": alert.acknowledged_by,
        "note": alert.note,
        "day": alert.day.isoformat(),
        "mail": alert.mail,
    }


def _physio(store: Store, actor: Actor) -> Any:
    account = audit.signed_in(store, actor)
    if account.role != "physio":
        raise Forbidden("Alerts are for the patient's physio.").by(account)
    return account


def _status(status: object) -> bool:
    if status not in ("open", "all"):
        raise FieldError("status", 'Use "open" or "all".')
    return status == "open"


def alerts(
    uow: UnitOfWork,
    actor: Actor,
    *,
    status: Status = "open",
    now: dt.datetime,
    origin: Origin = CLI,
) -> list[dict[str, Any]]:
    """The alerts of a physio's own patients, newest first (`open`: not yet
    acknowledged). Physios only (an admin: Forbidden); one `read` event."""
    open_only = _status(status)

    def work(store: Store) -> list[dict[str, Any]]:
        member = _physio(store, actor)
        found = store.alerts.alerts_of_physio(member.clinic_id, member.id, open_only=open_only)
        audit.record(store, at=now, action="read", outcome="alerts", account=member, origin=origin)
        return [alert_dict(a) for a in found]

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def alerts_of_patient(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    *,
    status: Status = "open",
    now: dt.datetime,
    origin: Origin = CLI,
) -> list[dict[str, Any]]:
    """One patient's alerts, newest first, for their physio only (as `clinical_read`);
    one `read` event naming the patient."""
    from kneecoach.services.clinic import clinical_access

    open_only = _status(status)

    def work(store: Store) -> list[dict[str, Any]]:
        member = clinical_access(store, actor, patient_id)
        found = store.alerts.alerts_of_person(member.clinic_id, patient_id, open_only=open_only)
        audit.record(
            store,
            at=now,
            action="read",
            outcome="alerts",
            account=member,
            patient_id=patient_id,
            origin=origin,
        )
        return [alert_dict(a) for a in found]

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def acknowledge(
    uow: UnitOfWork,
    actor: Actor,
    alert_id: int,
    note: object,
    *,
    now: dt.datetime,
    origin: Origin = CLI,
) -> dict[str, Any]:
    """The physio has seen the alert (with an optional note); the alert as it stands.
    Acknowledging again keeps the first time and note. Another physio's alert, or none:
    NotFound. One `update` event naming the patient."""
    text = _note(note)

    def work(store: Store) -> dict[str, Any]:
        member = _physio(store, actor)
        found = store.alerts.alert(alert_id) if _an_id(alert_id) else None
        if found is None or found.clinic_id != member.clinic_id:
            raise NotFound("No such alert.").by(member)
        patient = store.clinic.patient(member.clinic_id, found.person_id)
        if patient is None or patient.physio_id != member.id:
            raise NotFound("No such alert.").by(member)
        first = store.alerts.acknowledge(alert_id, member.id, text, now)
        audit.record(
            store,
            at=now,
            action="update",
            outcome="alert-acknowledged" if first else "alert-seen-again",
            account=member,
            patient_id=found.person_id,
            origin=origin,
        )
        after = store.alerts.alert(alert_id)
        assert after is not None
        return alert_dict(after)

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)


def _an_id(value: object) -> bool:
    from kneecoach.services.clinic import ID_MAX

    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= ID_MAX


def _note(note: object) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str):
        raise FieldError("note", "Write the note as text.")
    text = note.strip()
    if len(text) > NOTE_MAX:
        raise FieldError("note", f"Use at most {NOTE_MAX} characters.")
    return text or None
