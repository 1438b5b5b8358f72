"""Services act for the person they are given, as the actor they are given."""

from __future__ import annotations

import datetime as dt

import pytest

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.errors import FieldError
from kneecoach.services import account, checkins, progress
from kneecoach.services.actor import OWNER, Actor, NotAllowed
from kneecoach.services.onboarding import start_programme
from kneecoach.services.today import today
from kneecoach.store.db import Database, connect
from tests.factories import profile

START = dt.date(2026, 1, 5)


def rows(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            table: connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            for table in ("people", "checkins", "sessions", "psfs", "programme_versions")
        }


def test_each_service_acts_for_the_person_it_is_given(db_url):
    catalogue = load_catalogue()
    db = Database(connect(db_url))
    first = start_programme(db, catalogue, profile(pain_now=2), START, actor=OWNER)
    second = start_programme(db, catalogue, profile(pain_now=6), START, actor=OWNER)
    checkins.record_checkin(db, catalogue, first["person_id"], START, 1, actor=OWNER, morning=True)
    with db.read() as store:
        assert [c["pain"] for c in store.checkins(first["person_id"])] == [1]
        assert store.checkins(second["person_id"]) == []  # the most recent person: untouched
    history = progress.history(db, first["person_id"], actor=OWNER)
    assert [c["pain"] for c in history["checkins"]] == [1]


@pytest.mark.parametrize("role", ["patient", "physio", "admin"])
def test_only_the_owner_acts_in_personal_mode_and_a_refusal_writes_nothing(db_url, role):
    catalogue = load_catalogue()
    engine = connect(db_url)
    db = Database(engine)
    person = start_programme(db, catalogue, profile(), START, actor=OWNER)["person_id"]
    before = rows(engine)
    stranger = Actor(role, account_id=7)
    writes = [
        lambda: checkins.record_checkin(
            db, catalogue, person, START, 3, actor=stranger, morning=True
        ),
        lambda: checkins.record_psfs(
            db, person, START, {"activities": [{"name": "Stairs", "score": 4}]}, actor=stranger
        ),
        lambda: start_programme(db, catalogue, profile(), START, actor=stranger),
        lambda: account.delete_everything(db, actor=stranger),
        lambda: today(db, catalogue, person, START, actor=stranger),
        lambda: account.export_data(db, person, actor=stranger),
    ]
    for write in writes:
        with pytest.raises(NotAllowed):
            write()
    assert rows(engine) == before


def test_a_person_who_is_not_there_is_named(db_url):
    catalogue = load_catalogue()
    db = Database(connect(db_url))
    with pytest.raises(FieldError) as raised:
        checkins.record_checkin(db, catalogue, 404, START, 3, actor=OWNER, morning=True)
    assert raised.value.field == "person"
