"""Services act for the person they are given, as the actor they are given."""

from __future__ import annotations

import datetime as dt

import pytest

from kneecoach.content.loader import load_catalogue
from kneecoach.domain.errors import FieldError
from kneecoach.services import account
from kneecoach.services import programme as svc
from kneecoach.services.actor import OWNER, Actor, NotAllowed
from kneecoach.store.db import connect, unit_of_work
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
    engine = connect(db_url)
    with unit_of_work(engine) as store:
        first = svc.start_programme(store, catalogue, profile(pain_now=2), START, actor=OWNER)
        second = svc.start_programme(store, catalogue, profile(pain_now=6), START, actor=OWNER)
    with unit_of_work(engine) as store:
        svc.record_checkin(
            store, catalogue, first["person_id"], START, 1, actor=OWNER, morning=True
        )
    with unit_of_work(engine, read_only=True) as store:
        assert [c["pain"] for c in store.checkins(first["person_id"])] == [1]
        assert store.checkins(second["person_id"]) == []  # the most recent person: untouched
        history = svc.history(store, first["person_id"], actor=OWNER)
    assert [c["pain"] for c in history["checkins"]] == [1]


@pytest.mark.parametrize("role", ["patient", "physio", "admin"])
def test_only_the_owner_acts_in_personal_mode_and_a_refusal_writes_nothing(db_url, role):
    catalogue = load_catalogue()
    engine = connect(db_url)
    with unit_of_work(engine) as store:
        person = svc.start_programme(store, catalogue, profile(), START, actor=OWNER)["person_id"]
    before = rows(engine)
    stranger = Actor(role, account_id=7)
    writes = [
        lambda store: svc.record_checkin(
            store, catalogue, person, START, 3, actor=stranger, morning=True
        ),
        lambda store: svc.record_psfs(
            store, person, START, {"activities": [{"name": "Stairs", "score": 4}]}, actor=stranger
        ),
        lambda store: svc.start_programme(store, catalogue, profile(), START, actor=stranger),
        lambda store: account.delete_everything(store, actor=stranger),
        lambda store: svc.today(store, catalogue, person, START, actor=stranger),
        lambda store: account.export_data(store, person, actor=stranger),
    ]
    for write in writes:
        with pytest.raises(NotAllowed), unit_of_work(engine) as store:
            write(store)
    assert rows(engine) == before


def test_a_person_who_is_not_there_is_named(db_url):
    catalogue = load_catalogue()
    engine = connect(db_url)
    with pytest.raises(FieldError) as raised, unit_of_work(engine) as store:
        svc.record_checkin(store, catalogue, 404, START, 3, actor=OWNER, morning=True)
    assert raised.value.field == "person"
