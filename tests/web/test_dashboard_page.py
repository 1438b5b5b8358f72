"""The `/clinic` page without a browser (SQLite, a fixed clock): the dashboard's order,
urgency in words, the filter to open alerts, search by name, the pain trend, a link per
patient; an admin sees no clinical field of a patient who is not theirs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kneecoach.services import auth, clinic
from kneecoach.services.actor import Actor
from kneecoach.store.db import Database, connect, dispose_all
from kneecoach.web.app import WebSettings, create_app
from kneecoach.web.clinic.auth import COOKIE
from tests.browser.clinic_tour import CHEAP_ARGON2
from tests.clinic.conftest import accept, code
from tests.clinic.dashboard_people import acknowledge_all, add_alert, add_patient, check_in

NOW = dt.datetime(2026, 1, 14, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
START = TODAY - dt.timedelta(days=20)


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


class Clinic:
    def __init__(self, url: str) -> None:
        self.url = url
        self.tokens: dict[str, str] = {}
        self.uow = Database(connect(url))
        made = clinic.init_clinic(self.uow, "Hillside", "ada@example.org", now=NOW)
        self.clinic_id = made.clinic_id
        self.admin = accept(self.uow, made.invite.invite_token, "ada@example.org", "Ada Admin")
        invite = clinic.invite_staff(
            self.uow, self.admin.actor, "pia@example.org", "physio", now=NOW
        )
        self.physio = accept(self.uow, invite.invite_token, "pia@example.org", "Pia Physio")
        physio = Actor("physio", self.physio.account_id, None, self.clinic_id)
        self.maria = add_patient(self.uow, physio, "Maria Lopez", NOW, start=START)
        self.john = add_patient(self.uow, physio, "John Okafor", NOW, start=START)
        self.susan = add_patient(self.uow, physio, "Susan Park", NOW, start=START)
        for days_ago, pain in ((6, 2), (4, 2), (2, 1), (1, 1)):
            check_in(self.uow, self.susan, ago(days_ago), pain)
        check_in(self.uow, self.john, ago(4), 8)
        for days_ago in (3, 2, 1):  # ES-2 urgent: a weekly mean of 8 or more (8.75)
            check_in(self.uow, self.john, ago(days_ago), 9)
        acknowledge_all(self.uow, NOW)
        add_alert(self.uow, self.clinic_id, self.maria, "emergency", NOW)

    def client(self, who: str) -> TestClient:
        """A client signed in as `who` (once each: a TOTP code is good for one sign-in)."""
        if who not in self.tokens:
            member = getattr(self, who)
            totp = code(member.secret, NOW) if member.secret else None
            self.tokens[who] = auth.login(
                self.uow, member.email, member.password, totp, now=NOW
            ).token
        token = self.tokens[who]
        app = create_app(
            WebSettings(
                db_url=self.url,
                extra_hosts=("testserver",),
                today=TODAY,
                clinic=True,
                clock=lambda: NOW,
            )
        )
        found = TestClient(app, base_url="http://testserver", follow_redirects=False)
        found.cookies.set(COOKIE, token)
        return found


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in CHEAP_ARGON2.items():
            patch.setenv(key, value)
        path: Path = tmp_path_factory.mktemp("dashboard") / "clinic.db"
        yield Clinic(f"sqlite:///{path}")
    dispose_all()


def names_in_order(html: str) -> list[str]:
    return re.findall(r'<a href="/patients/\d+">([^<]+)</a>', html)


def test_the_page_lists_who_needs_the_physio_first_in_words(place: Clinic) -> None:
    page = place.client("physio").get("/clinic")
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    assert names_in_order(page.text) == ["Maria Lopez", "John Okafor", "Susan Park"]
    rows = page.text.split('<tr class="dash-row')[1:]
    assert 'class="urg urg-emergency">Emergency<' in rows[0]
    assert 'class="urg urg-urgent">Urgent<' in rows[1] and "ES-2" in rows[1]
    assert ">8.8 <" in rows[1] and "8.75" not in rows[1]  # the mean to one decimal
    assert 'class="urg urg-none">Routine<' in rows[2]
    assert f'href="/patients/{place.maria}"' in rows[0]
    # Susan's pain trend: a line with its words, 4 days with a score.
    assert 'role="img" aria-label="Pain over the last 28 days: 4 days with a score' in rows[2]
    assert "first 2, latest 1 on 13 Jan" in rows[2]
    assert "3 patients · 1 with open alerts" in page.text
    assert '<a href="/clinic" aria-current="page">Dashboard</a>' in page.text


def test_filter_to_open_alerts_and_search_by_name(place: Clinic) -> None:
    browser = place.client("physio")
    only_open = browser.get("/clinic", params={"open": "1"})
    assert names_in_order(only_open.text) == ["Maria Lopez"]
    assert 'name="open" value="1" checked' in only_open.text
    found = browser.get("/clinic", params={"q": "PARK"})
    assert names_in_order(found.text) == ["Susan Park"]
    assert 'value="PARK"' in found.text and "1 patient found" in found.text
    nobody = browser.get("/clinic", params={"q": "zz", "open": "1"})
    assert names_in_order(nobody.text) == [] and "Nobody matches." in nobody.text


def test_an_admin_sees_names_but_not_how_others_patients_are(place: Clinic) -> None:
    page = place.client("admin").get("/clinic")
    assert page.status_code == 200
    assert names_in_order(page.text) == ["John Okafor", "Maria Lopez", "Susan Park"]  # by name
    assert page.text.count("Not your patient") == 3
    assert "Emergency" not in page.text and "urg-urgent" not in page.text


def test_a_long_list_comes_a_page_at_a_time_in_the_same_order(
    place: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kneecoach.web.clinic import dashboard as page_module

    monkeypatch.setattr(page_module, "PAGE_ROWS", 2)
    browser = place.client("physio")
    first = browser.get("/clinic")
    assert names_in_order(first.text) == ["Maria Lopez", "John Okafor"]
    assert "3 patients · 1 with open alerts · showing 1-2" in first.text
    assert 'href="/clinic?page=2">Next patients</a>' in first.text
    second = browser.get("/clinic", params={"page": "2"})
    assert names_in_order(second.text) == ["Susan Park"]
    assert 'href="/clinic">Previous patients</a>' in second.text
    assert names_in_order(browser.get("/clinic", params={"page": "9"}).text) == ["Susan Park"]
