"""Store: the repository the services talk to. Plain values in, plain values out, never rows.

Nothing here commits: the unit of work (kneecoach.store.db.unit_of_work) does, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Engine,
    Select,
    Table,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from kneecoach.store.alerts import AlertStore
from kneecoach.store.clinic import ClinicStore
from kneecoach.store.errors import StoreError
from kneecoach.store.tables import (
    Checkin,
    Clearance,
    CourseStateRow,
    CourseSummary,
    Decision,
    EntrySet,
    Escalation,
    ExerciseSession,
    Person,
    ProgrammeVersion,
    Psfs,
    SessionEntry,
    core_table,
    new_revision,
)
from kneecoach.store.templates import TemplateStore

# The sources of a stored programme version that re-plan the course from its day: a
# settings change, and a physiotherapist's prescription (CL-1). The first version has no
# source; the engine's own versions have ENGINE_SOURCE.
REPLAN_SOURCES = frozenset({"settings", "prescription"})
ENGINE_SOURCE = "replay"  # the source of a programme version the engine made


def refolded(version: Mapping[str, Any], base: dt.date) -> bool:
    """Whether a stored programme version is one a fold from the state of day `base`
    makes again: made by the engine (not version 1, a settings change or a
    prescription) and dated after `base`. `Store.replace_derived` replaces exactly
    these, in SQL; everything else stored still holds."""
    return bool(
        version["version"] > 1
        and version["effective_date"] > base
        and version["programme"].get("source") == ENGINE_SOURCE
    )


CLIENT_ID_MAX = 200
NO_STATE_DAY = dt.date(1, 1, 1)  # before any event: "no stored state"
RECENT_STATE_DAYS = 7  # course_inputs reads people with a state this recent together
SET_FIELDS = (
    "target_reps",
    "reps",
    "target_hold_seconds",
    "hold_seconds",
    "target_minutes",
    "minutes",
    "target_load_kg",
    "load_kg",
)
DECISION_FIELDS = (
    "date",
    "slot",
    "exercise_id",
    "action",
    "rule",
    "reason",
    "numbers",
    "decided_on",
)
ESCALATION_FIELDS = ("date", "rule", "urgency", "message", "numbers")


# (id, uid, revision) of the current person: the key of every cached answer about them.
_CURRENT_REVISION = (
    select(Person.id, Person.uid, Person.revision).order_by(Person.id.desc()).limit(1)
)
RevisionKey = tuple[int, str | None, int]


def current_revision(engine: Engine) -> RevisionKey | None:
    """(id, uid, revision) of the current person, read outside any unit of work (cache keys)."""
    with engine.connect() as connection:
        row = connection.execute(_CURRENT_REVISION).first()
    return (row[0], row[1], row[2]) if row else None


class Store:
    """Every read and write of a person's data, inside one SQLAlchemy Session."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: rolled back alone if the block raises (group commit)."""
        with self._session.begin_nested():
            yield

    def restore(self, document: Mapping[str, Any]) -> int:
        """Write an export document into this EMPTY database (StoreError if it is not);
        the new person's id."""
        from kneecoach.store import restore

        restore.require_empty(self._session)
        return restore.restore(self._session, document)

    # people

    def add_person(
        self,
        *,
        profile: dict[str, Any],
        start_date: dt.date,
        baseline_pain: int,
        screening: dict[str, Any],
        urgency: str,
    ) -> int:
        row = Person(
            profile=profile,
            start_date=start_date,
            baseline_pain=baseline_pain,
            screening=screening,
            urgency=urgency,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def begin_person(
        self,
        person_id: int,
        *,
        profile: dict[str, Any],
        start_date: dt.date,
        baseline_pain: int,
        screening: dict[str, Any],
        urgency: str,
    ) -> None:
        """Fill in a clinic patient's person row, made when staff added them, as they
        start their programme. StoreError if there is none, or it has a programme."""
        started = self._session.scalar(
            select(exists().where(ProgrammeVersion.person_id == person_id))
        )
        row = self._session.get(Person, person_id)
        if row is None:
            raise StoreError("person", f"no person with id {person_id}")
        if started:
            raise StoreError("programme", "your programme has started already")
        row.profile = profile
        row.start_date = start_date
        row.baseline_pain = baseline_pain
        row.screening = screening
        row.urgency = urgency
        row.revision = new_revision()
        self._session.flush()

    def current_person_id(self) -> int | None:
        """Personal mode: the person created last, or None in an empty database."""
        return self._session.scalar(select(Person.id).order_by(Person.id.desc()).limit(1))

    def has_person(self, person_id: int) -> bool:
        return bool(self._session.scalar(select(exists().where(Person.id == person_id))))

    def person(self, person_id: int) -> dict[str, Any]:
        row = self._session.scalars(select(Person).where(Person.id == person_id)).one_or_none()
        if row is None:
            raise _no_person(person_id)
        return _person_dict(row)

    def update_profile(self, person_id: int, profile: dict[str, Any]) -> None:
        result = self._session.execute(
            update(Person)
            .where(Person.id == person_id)
            .values(profile=profile, revision=new_revision()),
            execution_options={"synchronize_session": False},
        )
        if _rowcount(result) == 0:
            raise _no_person(person_id)

    def iter_person_ids(self, batch_size: int = 500) -> Iterator[int]:
        """Every person's id in ascending order, fetched a batch at a time (keyset pagination)."""
        if batch_size < 1:
            raise StoreError("batch_size", f"must be at least 1, got {batch_size}")
        last = 0
        while True:
            batch = self._session.scalars(
                select(Person.id).where(Person.id > last).order_by(Person.id).limit(batch_size)
            ).all()
            yield from batch
            if len(batch) < batch_size:
                return
            last = batch[-1]

    def person_ids_after(self, last_id: int, limit: int) -> list[int]:
        """Up to `limit` person ids above `last_id`, ascending: one page of a keyset walk.
        Only people with a programme (a clinic's patient may not have started yet)."""
        started = exists().where(ProgrammeVersion.person_id == Person.id)
        return list(
            self._session.scalars(
                select(Person.id)
                .where(Person.id > last_id, started)
                .order_by(Person.id)
                .limit(limit)
            ).all()
        )

    def revisions(self, person_ids: Sequence[int]) -> dict[int, int]:
        """Each person's revision token (it changes on every write about them)."""
        rows = self._session.execute(
            select(Person.id, Person.revision).where(self._among(Person.id, person_ids))
        )
        return {person_id: revision for person_id, revision in rows}

    def current_person_revision(self) -> RevisionKey | None:
        """(id, uid, revision) of the most recently created person, in one query."""
        row = self._session.execute(_CURRENT_REVISION).first()
        return (row[0], row[1], row[2]) if row else None

    def _touch(self, person_id: int, changed_from: dt.date | None = None) -> None:
        """A new revision token; with `changed_from`, an event of that day arrived, so every
        stored course state from that day on no longer holds (the next read rewinds)."""
        connection = self._session.connection()
        connection.execute(_TOUCH, {"person": person_id, "new_revision": new_revision()})
        if changed_from is not None:
            connection.execute(_FORGET_STATES, {"person": person_id, "since": changed_from})

    def count_people(self) -> int:
        return int(self._session.scalar(select(func.count(Person.id))) or 0)

    def delete_person(self, person_id: int) -> None:
        """Remove the person; the database cascades to everything recorded for them."""
        result = self._session.execute(
            delete(Person).where(Person.id == person_id),
            execution_options={"synchronize_session": False},
        )
        if _rowcount(result) == 0:
            raise _no_person(person_id)
        self._session.expunge_all()  # rows the cascade removed must not linger in the session

    # the programme, one version per change

    def add_programme_version(
        self,
        person_id: int,
        *,
        version: int,
        effective_date: dt.date,
        programme: dict[str, Any],
        reasons: list[dict[str, Any]],
    ) -> None:
        self._require_person(person_id)
        taken = self._session.scalar(
            select(
                exists().where(
                    ProgrammeVersion.person_id == person_id, ProgrammeVersion.version == version
                )
            )
        )
        if taken:
            raise StoreError(
                "version", f"person {person_id} already has programme version {version}"
            )
        self._session.add(
            ProgrammeVersion(
                person_id=person_id,
                version=version,
                effective_date=effective_date,
                programme=programme,
                reasons=reasons,
            )
        )
        self._session.flush()
        # A settings change or a prescription (CL-1) re-plans from its day; a version the
        # engine made changes nothing.
        replan = programme.get("source") in REPLAN_SOURCES
        self._touch(person_id, effective_date if replan else None)

    def session_target(self, person_id: int, day: dt.date, version: int) -> dict[str, Any] | None:
        """What logging a session of `day` needs, in one query (the hot write path): the
        person and their newest programme version, {"person_id", "profile", "start_date",
        "version", "programme"}; "stopped": whether the newest stored course state of
        engine `version` on or before `day` has the programme stopped; and "newest_state":
        the day of the newest stored state of that version, if any. None when there is no
        such person.
        """
        row = (
            self._session.connection()
            .execute(_SESSION_TARGET, {"person": person_id, "day": day, "engine": version})
            .first()
        )
        if row is None:
            return None
        return {
            "person_id": row[0],
            "profile": row[1],
            "start_date": row[2],
            "version": row[3],
            "programme": row[4],
            "stopped": bool(row[5]),
            "newest_state": row[6],
        }

    def programme_versions(
        self, person_id: int, since: dt.date | None = None
    ) -> list[dict[str, Any]]:
        """Every version by number; with `since`, only those effective from that day on."""
        query = select(ProgrammeVersion).where(ProgrammeVersion.person_id == person_id)
        if since is not None:
            query = query.where(ProgrammeVersion.effective_date >= since)
        rows = self._session.scalars(query.order_by(ProgrammeVersion.version))
        return [_version_dict(row) for row in rows]

    # sessions

    def add_session(self, person_id: int, session: Mapping[str, Any]) -> tuple[int, bool]:
        """Record a session with its entries and sets; (id, True) if new, (existing id, False)
        if this person already sent that client_id, even from a concurrent writer."""
        client_id = _client_id(session.get("client_id"))
        # The hot path: a few Core statements whatever the session's size. ON CONFLICT DO
        # NOTHING lets the unique (person_id, client_id) key turn away a resend, stored or
        # in flight from another writer, without an error.
        core = self._session.connection()
        try:
            session_id = core.scalar(
                _NEW_SESSION[core.dialect.name],
                {
                    "person_id": person_id,
                    "client_id": client_id,
                    "date": session["date"],
                    "pain_before": session["pain_before"],
                    "pain_after": session["pain_after"],
                    "programme_version": session.get("programme_version"),
                    "created_at": dt.datetime.now(dt.UTC),
                },
            )
        except IntegrityError:  # the person's foreign key: no such person
            raise _no_person(person_id) from None
        if session_id is None:
            existing = self._session_id(person_id, client_id)
            assert existing is not None
            return existing, False
        entries = list(session.get("entries") or [])
        if entries:
            # One executemany for the entries, then their ids by position, then one
            # executemany for the sets (the Core table: ORM bulk inserts split a batch by
            # which values are None). Not INSERT ... RETURNING: with its ids in the order
            # sent, SQLite gets one statement per entry.
            core.execute(
                _NEW_ENTRIES,
                [
                    {
                        "session_id": session_id,
                        "position": position,
                        "exercise_id": entry["exercise_id"],
                        "hurt": bool(entry.get("hurt", False)),
                    }
                    for position, entry in enumerate(entries, start=1)
                ],
            )
            entry_ids = core.scalars(_ENTRY_IDS, {"session": session_id}).all()
            sets = [
                {
                    "entry_id": entry_id,
                    "set_number": number,
                    "pain": done["pain"],
                    **{field: done.get(field) for field in SET_FIELDS},  # same keys: one batch
                }
                for entry_id, entry in zip(entry_ids, entries, strict=True)
                for number, done in enumerate(entry.get("sets") or [], start=1)
            ]
            if sets:
                core.execute(_NEW_SETS, sets)
        self._touch(person_id, session["date"])
        return session_id, True

    def sessions(
        self, person_id: int, until: dt.date | None = None, since: dt.date | None = None
    ) -> list[dict[str, Any]]:
        """Sessions by date then id, `since` and `until` inclusive, with entries and sets."""
        query = (
            select(ExerciseSession)
            .where(ExerciseSession.person_id == person_id)
            .order_by(ExerciseSession.date, ExerciseSession.id)
            .options(*_ENTRIES_AND_SETS)
        )
        if until is not None:
            query = query.where(ExerciseSession.date <= until)
        if since is not None:
            query = query.where(ExerciseSession.date >= since)
        return [_session_dict(row) for row in self._session.scalars(query)]

    # check-ins, PSFS, clearances

    def add_checkin(
        self,
        person_id: int,
        *,
        date: dt.date,
        pain: int,
        morning: bool,
        notes: str | None = None,
        answers: dict[str, Any] | None = None,
        urgency: str | None = None,
    ) -> int:
        self._require_person(person_id)
        row = Checkin(
            person_id=person_id,
            date=date,
            pain=pain,
            morning=morning,
            notes=notes,
            answers=answers,
            urgency=urgency,
        )
        self._session.add(row)
        self._session.flush()
        self._touch(person_id, date)
        return row.id

    def checkins(
        self, person_id: int, until: dt.date | None = None, since: dt.date | None = None
    ) -> list[dict[str, Any]]:
        query = (
            select(Checkin).where(Checkin.person_id == person_id).order_by(Checkin.date, Checkin.id)
        )
        if until is not None:
            query = query.where(Checkin.date <= until)
        if since is not None:
            query = query.where(Checkin.date >= since)
        return [_checkin_dict(row) for row in self._session.scalars(query)]

    def add_psfs(self, person_id: int, *, date: dt.date, activities: list[dict[str, Any]]) -> int:
        """Store the activities and the mean of their scores."""
        self._require_person(person_id)
        if not activities:
            raise StoreError("activities", "name at least one activity with its score")
        try:
            scores = [float(activity["score"]) for activity in activities]
        except (KeyError, TypeError, ValueError):
            raise StoreError("activities", "every activity needs a numeric score") from None
        row = Psfs(
            person_id=person_id,
            date=date,
            activities=activities,
            mean=sum(scores) / len(scores),
        )
        self._session.add(row)
        self._session.flush()
        self._touch(person_id)
        return row.id

    def psfs(self, person_id: int) -> list[dict[str, Any]]:
        rows = self._session.scalars(
            select(Psfs).where(Psfs.person_id == person_id).order_by(Psfs.date, Psfs.id)
        )
        return [
            {"id": row.id, "date": row.date, "activities": row.activities, "mean": row.mean}
            for row in rows
        ]

    def add_clearance(
        self,
        person_id: int,
        *,
        date: dt.date,
        cleared_by: str,
        answers: dict[str, Any] | None,
    ) -> int:
        self._require_person(person_id)
        row = Clearance(person_id=person_id, date=date, cleared_by=cleared_by, answers=answers)
        self._session.add(row)
        self._session.flush()
        self._touch(person_id, date)
        return row.id

    def clearances(self, person_id: int, since: dt.date | None = None) -> list[dict[str, Any]]:
        query = select(Clearance).where(Clearance.person_id == person_id)
        if since is not None:
            query = query.where(Clearance.date >= since)
        rows = self._session.scalars(query.order_by(Clearance.date, Clearance.id))
        return [_clearance_dict(row) for row in rows]

    # decisions and escalations: recorded once per key, however often they are recomputed

    def record_decisions(self, person_id: int, decisions: Sequence[Mapping[str, Any]]) -> int:
        """Insert the decisions whose (slot, date, rule, action) is new; return how many were."""
        self._require_person(person_id)
        rows = [
            {
                "person_id": person_id,
                **{field: decision[field] for field in DECISION_FIELDS if field != "decided_on"},
                "decided_on": decision.get("decided_on", decision["date"]),
                "session_id": decision.get("session_id"),
            }
            for decision in decisions
        ]
        return self._insert_new(core_table(Decision), rows)

    def decisions(self, person_id: int, session_id: int | None = None) -> list[dict[str, Any]]:
        """The person's decisions by date; with `session_id`, only those about that session."""
        query = select(Decision).where(Decision.person_id == person_id)
        if session_id is not None:
            query = query.where(Decision.session_id == session_id)
        rows = self._session.scalars(query.order_by(Decision.date, Decision.id))
        return [
            {
                "id": row.id,
                **{field: getattr(row, field) for field in DECISION_FIELDS},
                "session_id": row.session_id,
            }
            for row in rows
        ]

    def record_escalations(self, person_id: int, escalations: Sequence[Mapping[str, Any]]) -> int:
        """Insert the escalations whose (rule, urgency, date) is new; return how many were."""
        self._require_person(person_id)
        rows = [
            {"person_id": person_id, **{field: item[field] for field in ESCALATION_FIELDS}}
            for item in escalations
        ]
        return self._insert_new(core_table(Escalation), rows)

    def escalations(self, person_id: int) -> list[dict[str, Any]]:
        rows = self._session.scalars(
            select(Escalation)
            .where(Escalation.person_id == person_id)
            .order_by(Escalation.date, Escalation.id)
        )
        return [
            {
                "id": row.id,
                **{field: getattr(row, field) for field in ESCALATION_FIELDS},
                "acknowledged_at": row.acknowledged_at,
            }
            for row in rows
        ]

    def acknowledge_escalation(self, person_id: int, escalation_id: int, when: dt.datetime) -> None:
        """Mark an escalation as seen; the first acknowledgement's time is kept."""
        acknowledged = self._session.execute(
            select(Escalation.acknowledged_at).where(
                Escalation.id == escalation_id, Escalation.person_id == person_id
            )
        ).one_or_none()
        if acknowledged is None:
            raise StoreError(
                "escalation", f"person {person_id} has no escalation with id {escalation_id}"
            )
        if acknowledged[0] is not None:
            return
        self._session.execute(
            update(Escalation).where(Escalation.id == escalation_id).values(acknowledged_at=when),
            execution_options={"synchronize_session": False},
        )

    # the course as stored state: snapshots to resume from, and rewinding what was derived

    def course_state(
        self, person_id: int, until: dt.date, version: int
    ) -> tuple[dt.date, dict[str, Any]] | None:
        """The newest stored state of `version` dated on or before `until`: (day, state)."""
        row = self._session.execute(
            select(CourseStateRow.day, CourseStateRow.state)
            .where(
                CourseStateRow.person_id == person_id,
                CourseStateRow.version == version,
                CourseStateRow.day <= until,
            )
            .order_by(CourseStateRow.day.desc())
            .limit(1)
        ).first()
        return (row[0], row[1]) if row else None

    def newest_course_state_day(self, person_id: int, version: int) -> dt.date | None:
        """The day of the newest stored state of `version`, if any."""
        return self._session.scalar(
            select(func.max(CourseStateRow.day)).where(
                CourseStateRow.person_id == person_id, CourseStateRow.version == version
            )
        )

    def last_screening_day(self, person_id: int, until: dt.date) -> dt.date | None:
        """The newest day on or before `until` with the safety questions answered again."""
        checkin = self._session.scalar(
            select(func.max(Checkin.date)).where(
                Checkin.person_id == person_id,
                Checkin.answers.is_not(None),
                Checkin.date <= until,
            )
        )
        cleared = self._session.scalar(
            select(func.max(Clearance.date)).where(
                Clearance.person_id == person_id,
                Clearance.answers.is_not(None),
                Clearance.date <= until,
            )
        )
        days = [d for d in (checkin, cleared) if d is not None]
        return max(days) if days else None

    def session_ids_of(
        self, person_ids: Sequence[int], client_ids: set[str]
    ) -> dict[tuple[int, str], int]:
        """{(person_id, client_id): id} for those people's sessions with those client ids."""
        if not client_ids or not person_ids:
            return {}
        rows = self._session.execute(
            select(ExerciseSession.person_id, ExerciseSession.client_id, ExerciseSession.id).where(
                self._among(ExerciseSession.person_id, person_ids),
                self._among(ExerciseSession.client_id, sorted(client_ids)),
            )
        ).all()
        return {(row[0], row[1]): row[2] for row in rows}

    def course_inputs(
        self, person_ids: Sequence[int], until: dt.date, version: int
    ) -> dict[int, dict[str, Any]]:
        """For each person: the row, the newest state of `version` on or before `until`
        (day, state) or None, and the versions, sessions, check-ins and clearances after it
        (all of them without a state). Seven queries for the whole page."""
        ids = list(person_ids)
        out: dict[int, dict[str, Any]] = {
            row.id: {
                "person": _person_dict(row),
                "state": None,
                "versions": [],
                "sessions": [],
                "checkins": [],
                "clearances": [],
                "newer": False,
            }
            for row in self._session.execute(select(_PEOPLE).where(self._among(_PEOPLE.c.id, ids)))
        }
        if not out:
            return out
        for person_id, day, state in self._session.execute(
            self._newest_states(ids, until, version)
        ):
            out[person_id]["state"] = (day, state)
        newer = self._session.execute(
            select(_STATES.c.person_id).where(
                self._among(_STATES.c.person_id, ids),
                _STATES.c.version == version,
                _STATES.c.day > until,
            )
        ).all()
        for (person_id,) in newer:
            out[person_id]["newer"] = True

        # Each person's state day (a day before any event when there is none). People are
        # read in two groups, those whose state is recent and the rest, each from its
        # oldest state day on, so a nightly page reads one day of events by index, and a
        # stale state elsewhere never makes the page read everyone's whole history.
        bases = {p: (raw["state"] or (NO_STATE_DAY,))[0] for p, raw in out.items()}
        recent = until - dt.timedelta(days=RECENT_STATE_DAYS)
        groups = [
            group
            for group in (
                [p for p, day in bases.items() if day >= recent],
                [p for p, day in bases.items() if day < recent],
            )
            if group
        ]

        # Rows are read with Core (plain rows, no ORM objects), sessions with the ORM for
        # their entries and sets: a nightly page has few of those.
        def after_state(table: Table, when: str, *clauses: Any, entity: Any = None) -> list[Any]:
            found = []
            for group in groups:
                since = min(bases[p] for p in group)
                where = (self._among(table.c.person_id, group), table.c[when] > since, *clauses)
                if entity is None:
                    rows: Any = self._session.execute(select(table).where(*where))
                else:
                    rows = self._session.scalars(
                        select(entity).where(*where).options(*_ENTRIES_AND_SETS)
                    )
                found += [row for row in rows if getattr(row, when) > bases[row.person_id]]
            return found

        for row in sorted(after_state(_VERSIONS, "effective_date"), key=lambda r: r.version):
            out[row.person_id]["versions"].append(_version_dict(row))
        sessions = after_state(_SESSIONS, "date", _SESSIONS.c.date <= until, entity=ExerciseSession)
        for row in sorted(sessions, key=lambda r: (r.date, r.id)):
            out[row.person_id]["sessions"].append(_session_dict(row))
        checkins = after_state(_CHECKINS, "date", _CHECKINS.c.date <= until)
        for row in sorted(checkins, key=lambda r: (r.date, r.id)):
            out[row.person_id]["checkins"].append(_checkin_dict(row))
        clearances = after_state(_CLEARANCES, "date", _CLEARANCES.c.date <= until)
        for row in sorted(clearances, key=lambda r: (r.date, r.id)):
            out[row.person_id]["clearances"].append(_clearance_dict(row))
        return out

    def replace_derived(
        self,
        base: dt.date,
        until: dt.date,
        people: Mapping[int, Mapping[str, Any]],
        version: int,
    ) -> int:
        """For people whose folds started from states of day `base` and reached `until`:
        replace what the engine derived after `base` with the new rows, and keep the new
        states. `people` maps a person id to {"decisions", "escalations", "versions",
        "stopped", "state", "checkpoint", "summary"?}; the summary is upserted into
        `course_summaries` for the dashboard. A fixed number of statements for the page.
        Returns how many decisions were new."""
        ids = list(people)
        if not ids:
            return 0
        connection = self._session.connection()
        decisions, escalations = core_table(Decision), core_table(Escalation)
        versions, sessions, states = _VERSIONS, _SESSIONS, _STATES
        connection.execute(
            delete(decisions).where(
                self._among(decisions.c.person_id, ids),
                (decisions.c.decided_on > base) | decisions.c.decided_on.is_(None),
            )
        )
        connection.execute(
            delete(versions).where(
                self._among(versions.c.person_id, ids),
                versions.c.effective_date > base,
                versions.c.version > 1,
                versions.c.programme["source"].as_string() == ENGINE_SOURCE,  # as `refolded`
            )
        )
        # Escalations keep their acknowledgement: one found again stays (its words and
        # numbers brought up to date), one no longer found goes.
        wanted = {
            (person_id, e["rule"], e["urgency"], e["date"]): e
            for person_id, made in people.items()
            for e in made["escalations"]
        }
        stored = connection.execute(
            select(
                escalations.c.id,
                escalations.c.person_id,
                escalations.c.rule,
                escalations.c.urgency,
                escalations.c.date,
                escalations.c.message,
                escalations.c.numbers,
            ).where(self._among(escalations.c.person_id, ids), escalations.c.date > base)
        ).all()
        gone = [row[0] for row in stored if tuple(row[1:5]) not in wanted]
        if gone:
            connection.execute(delete(escalations).where(self._among(escalations.c.id, gone)))
        for row in stored:
            found = wanted.get(tuple(row[1:5]))
            if found and (found["message"], found["numbers"]) != (row[5], row[6]):
                connection.execute(
                    update(escalations)
                    .where(escalations.c.id == row[0])
                    .values(message=found["message"], numbers=found["numbers"])
                )
        version_rows = [
            {"person_id": person_id, **v}
            for person_id, made in people.items()
            for v in made["versions"]
        ]
        if version_rows:
            connection.execute(insert(versions), version_rows)
            connection.execute(
                update(_PEOPLE)
                .where(self._among(_PEOPLE.c.id, {r["person_id"] for r in version_rows}))
                .values(revision=new_revision())
            )
        new = self._insert_new(
            decisions,
            [
                {"person_id": person_id, **d}
                for person_id, made in people.items()
                for d in made["decisions"]
            ],
        )
        self._insert_new(
            escalations,
            [
                {"person_id": person_id, **e}
                for person_id, made in people.items()
                for e in made["escalations"]
            ],
        )
        in_range = self._among(sessions.c.person_id, ids) & (sessions.c.date > base)
        in_range = in_range & (sessions.c.date <= until)
        connection.execute(
            update(sessions).where(in_range, sessions.c.while_stopped).values(while_stopped=False)
        )
        for person_id, made in people.items():  # rare: sessions logged while stopped
            if made["stopped"]:
                connection.execute(
                    update(sessions)
                    .where(
                        in_range,
                        sessions.c.person_id == person_id,
                        self._among(sessions.c.client_id, sorted(made["stopped"])),
                    )
                    .values(while_stopped=True)
                )
        # Kept: checkpoints, and the state of the day before (a session logged today drops
        # today's state, and the next read then folds one day, not back to a checkpoint).
        day_before = until - dt.timedelta(days=1)
        connection.execute(
            delete(states).where(
                self._among(states.c.person_id, ids),
                (states.c.day == until)
                | (states.c.version != version)
                | ((states.c.day < day_before) & ~states.c.checkpoint),
            )
        )
        connection.execute(
            insert(states),
            [
                {
                    "person_id": person_id,
                    "day": until,
                    "version": version,
                    "state": made["state"],
                    "checkpoint": made["checkpoint"],
                    "stopped": made["stopped_at_end"],
                }
                for person_id, made in people.items()
            ],
        )
        # The dashboard's summaries, of the states just stored (the newest: a fold that
        # ends before a stored state writes nothing, and an earlier event drops the later).
        summaries = [
            {"person_id": person_id, "day": until, "summary": made["summary"]}
            for person_id, made in people.items()
            if "summary" in made
        ]
        if summaries:
            upsert = self._dialect_insert(core_table(CourseSummary))
            connection.execute(
                upsert.on_conflict_do_update(
                    index_elements=["person_id"],
                    set_={"day": upsert.excluded.day, "summary": upsert.excluded.summary},
                ),
                summaries,
            )
        return new

    # internals

    def _require_person(self, person_id: int) -> None:
        if not self.has_person(person_id):
            raise _no_person(person_id)

    def marked_while_stopped(self, session_id: int, version: int) -> bool | None:
        """How the engine marked a stored session (`while_stopped`) once a fold of engine
        `version` has passed its day; None while none has (no stored state from its day on).
        """
        person_id, day, marked = self._session.execute(
            select(
                ExerciseSession.person_id, ExerciseSession.date, ExerciseSession.while_stopped
            ).where(ExerciseSession.id == session_id)
        ).one()
        folded = self._session.scalar(
            select(
                exists().where(
                    CourseStateRow.person_id == person_id,
                    CourseStateRow.version == version,
                    CourseStateRow.day >= day,
                )
            )
        )
        return bool(marked) if folded else None

    def _session_id(self, person_id: int, client_id: str) -> int | None:
        return self._session.scalar(
            select(ExerciseSession.id).where(
                ExerciseSession.person_id == person_id, ExerciseSession.client_id == client_id
            )
        )

    def _insert_new(self, table: Table, rows: list[dict[str, Any]]) -> int:
        """INSERT … ON CONFLICT DO NOTHING: duplicates of a unique key, stored or in flight, are
        skipped by the database itself, so concurrent writers cannot collide."""
        if not rows:
            return 0
        self._session.flush()
        statement = self._dialect_insert(table).on_conflict_do_nothing()
        inserted = self._session.execute(statement.returning(table.c.id), rows).all()
        return len(inserted)

    def _newest_states(self, ids: list[int], until: dt.date, version: int) -> Select[Any]:
        """(person_id, day, state) of each person's newest state of `version` on or before
        `until`. On PostgreSQL one index lookup a person (a LATERAL join): its planner
        otherwise joins the newest days back to the states by scanning the whole table, so
        a page's read would grow with the number of people. SQLite already looks each
        one up by index for the plain join."""
        states = _STATES
        if self._postgres:
            person = (
                func.unnest(self._array(states.c.person_id, ids))
                .table_valued("id")
                .render_derived()
            )
            newest = (
                select(states.c.person_id, states.c.day, states.c.state)
                .where(
                    states.c.person_id == person.c.id,
                    states.c.version == version,
                    states.c.day <= until,
                )
                .order_by(states.c.day.desc())
                .limit(1)
                .lateral()
            )
            return select(newest.c.person_id, newest.c.day, newest.c.state).select_from(
                person.join(newest, true())
            )
        days = (
            select(states.c.person_id, func.max(states.c.day).label("day"))
            .where(states.c.person_id.in_(ids), states.c.version == version, states.c.day <= until)
            .group_by(states.c.person_id)
            .subquery()
        )
        return select(states.c.person_id, states.c.day, states.c.state).join(
            days, (days.c.person_id == states.c.person_id) & (days.c.day == states.c.day)
        )

    def _among(self, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
        """`column IN values`. On PostgreSQL, `= ANY` of one array parameter: the statement
        is the same for any number of values, so SQLAlchemy does not render a list of
        placeholders again for each page, and psycopg can prepare it once."""
        if self._postgres:
            return cast(ColumnElement[bool], column == any_(self._array(column, values)))
        return cast(ColumnElement[bool], column.in_(list(values)))

    @staticmethod
    def _array(column: Any, values: Iterable[Any]) -> BindParameter[Any]:
        return bindparam(None, list(values), type_=postgresql.ARRAY(column.type))

    def _dialect_insert(self, table: Table) -> postgresql.Insert | sqlite.Insert:
        """An INSERT that knows ON CONFLICT, for the database in use."""
        if self._postgres:
            return postgresql.insert(table)
        return sqlite.insert(table)

    @property
    def clinic(self) -> ClinicStore:
        """Clinic mode's clinics, accounts, sessions and audit trail, in this unit of work."""
        return ClinicStore(self._session)

    @property
    def alerts(self) -> AlertStore:
        """Alerts for physiotherapists (CL-3) and the mail outbox, in this unit of work."""
        return AlertStore(self._session)

    @property
    def templates(self) -> TemplateStore:
        """The clinic's programme templates (CL-1), in this unit of work."""
        return TemplateStore(self._session)


def _no_person(person_id: int) -> StoreError:
    return StoreError("person", f"no person with id {person_id}")


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def _client_id(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise StoreError("client_id", "give each session a non-empty client_id string")
    if len(value) > CLIENT_ID_MAX:
        raise StoreError("client_id", f"at most {CLIENT_ID_MAX} characters, got {len(value)}")
    return value


def _person_dict(row: Person | Row[Any]) -> dict[str, Any]:
    """From an ORM object or a Core row of the table (the same attribute names)."""
    return {
        "id": row.id,
        "profile": row.profile,
        "start_date": row.start_date,
        "baseline_pain": row.baseline_pain,
        "screening": row.screening,
        "urgency": row.urgency,
        "created_at": row.created_at,
        "revision": row.revision,
    }


def _version_dict(row: ProgrammeVersion | Row[Any]) -> dict[str, Any]:
    return {
        "version": row.version,
        "effective_date": row.effective_date,
        "programme": row.programme,
        "reasons": row.reasons,
        "created_at": row.created_at,
    }


def _checkin_dict(row: Checkin | Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "date": row.date,
        "pain": row.pain,
        "morning": row.morning,
        "notes": row.notes,
        "answers": row.answers,
        "urgency": row.urgency,
        "created_at": row.created_at,
    }


def _clearance_dict(row: Clearance | Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "date": row.date,
        "cleared_by": row.cleared_by,
        "answers": row.answers,
        "created_at": row.created_at,
    }


def _session_dict(row: ExerciseSession) -> dict[str, Any]:
    return {
        "id": row.id,
        "client_id": row.client_id,
        "date": row.date,
        "pain_before": row.pain_before,
        "pain_after": row.pain_after,
        "programme_version": row.programme_version,
        "created_at": row.created_at,
        "while_stopped": row.while_stopped,
        "entries": [
            {
                "exercise_id": entry.exercise_id,
                "hurt": entry.hurt,
                "sets": [
                    {
                        **{field: _number(getattr(done, field)) for field in SET_FIELDS},
                        "pain": done.pain,
                    }
                    for done in entry.sets
                ],
            }
            for entry in row.entries
        ],
    }


def _number(value: float | int | None) -> float | int | None:
    # Counts and seconds go in as whole numbers and should come back as such, not as 30.0.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# The hot write path's statements (logging a session), built once and bound per call.
_SESSIONS = core_table(ExerciseSession)
_NEW_SESSION = {
    name: dialect.insert(_SESSIONS)
    .on_conflict_do_nothing(index_elements=["person_id", "client_id"])
    .returning(_SESSIONS.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_ENTRIES = core_table(SessionEntry)
_NEW_ENTRIES = insert(_ENTRIES)
_ENTRY_IDS = (
    select(_ENTRIES.c.id)
    .where(_ENTRIES.c.session_id == bindparam("session"))
    .order_by(_ENTRIES.c.position)
)
_NEW_SETS = insert(core_table(EntrySet))
_PEOPLE = core_table(Person)
_TOUCH = (
    update(_PEOPLE)
    .where(_PEOPLE.c.id == bindparam("person"))
    .values(revision=bindparam("new_revision"))
)
_STATES = core_table(CourseStateRow)
_FORGET_STATES = delete(_STATES).where(
    _STATES.c.person_id == bindparam("person"), _STATES.c.day >= bindparam("since")
)
_VERSIONS = core_table(ProgrammeVersion)
_CHECKINS = core_table(Checkin)
_CLEARANCES = core_table(Clearance)
_ENTRIES_AND_SETS = (selectinload(ExerciseSession.entries).selectinload(SessionEntry.sets),)
_SESSION_TARGET = (
    select(
        _PEOPLE.c.id,
        _PEOPLE.c.profile,
        _PEOPLE.c.start_date,
        _VERSIONS.c.version,
        _VERSIONS.c.programme,
        select(_STATES.c.stopped)
        .where(
            _STATES.c.person_id == _PEOPLE.c.id,
            _STATES.c.version == bindparam("engine"),
            _STATES.c.day <= bindparam("day"),
        )
        .order_by(_STATES.c.day.desc())
        .limit(1)
        .correlate(_PEOPLE)
        .scalar_subquery(),
        select(func.max(_STATES.c.day))
        .where(_STATES.c.person_id == _PEOPLE.c.id, _STATES.c.version == bindparam("engine"))
        .correlate(_PEOPLE)
        .scalar_subquery(),
    )
    .join(_VERSIONS, _VERSIONS.c.person_id == _PEOPLE.c.id)
    .where(
        _PEOPLE.c.id == bindparam("person"),
        _VERSIONS.c.version
        == select(func.max(_VERSIONS.c.version))
        .where(_VERSIONS.c.person_id == _PEOPLE.c.id)
        .correlate(_PEOPLE)
        .scalar_subquery(),
    )
)
