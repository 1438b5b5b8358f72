"""The pages' side of personal-mode security: cross-site form posts, CSP, no inline code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kneecoach.store.db import database, dispose_all
from kneecoach.web.app import WebSettings, create_app
from tests.factories import profile
from tests.web.conftest import TODAY

EVIL = {"Origin": "http://evil.example"}
PAGES = [
    "/",
    "/screening",
    "/programme",
    "/today",
    "/session",
    "/checkin",
    "/progress",
    "/library",
    "/library?category=strength&equipment=step",
    "/library/bridge",
    "/avoid",
    "/settings",
    "/delete",
    "/deleted",
]


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    url = f"sqlite:///{tmp_path / 'pages.db'}"
    app = create_app(WebSettings(db_url=url, port=8000, extra_hosts=("testserver",), today=TODAY))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.post("/api/v1/programme", json=profile(days_per_week=7)).status_code == 201
        yield client, url
    dispose_all()


def counts(url: str) -> tuple[int, int, int]:
    db = database(url)
    newest = db.revision()
    if newest is None:
        return (0, 0, 0)
    person_id = newest[0]
    with db.read() as store:
        profile_now = store.person(person_id)["profile"]
        return (
            len(store.checkins(person_id)),
            len(store.programme_versions(person_id)),
            int(profile_now["days_per_week"]),
        )


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/checkin", {"pain": "4", "morning": "1"}),
        ("/settings", {"days_per_week": "5", "minutes_per_session": "40", "units": "metric"}),
        ("/delete", {"confirm": "delete"}),
        ("/profile", {"pain_now": "3"}),
        ("/psfs", {"psfs_name_0": "stairs", "psfs_score_0": "5"}),
    ],
)
def test_a_form_post_from_another_origin_is_refused_and_changes_nothing(
    started: tuple[TestClient, str], path: str, form: dict[str, str]
) -> None:
    client, url = started
    before = counts(url)
    response = client.post(path, data=form, headers=EVIL, follow_redirects=False)
    assert response.status_code == 403
    assert counts(url) == before
    assert before[0] == 0 and before[2] == 7


def test_the_same_form_from_our_own_origin_works(started: tuple[TestClient, str]) -> None:
    client, url = started
    response = client.post(
        "/checkin",
        data={"pain": "4", "morning": "1"},
        headers={"Origin": "http://127.0.0.1:8000"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert counts(url)[0] == 1


@pytest.mark.parametrize("path", PAGES)
def test_pages_carry_the_csp_and_no_inline_code(started: tuple[TestClient, str], path: str) -> None:
    client, _ = started
    response = client.get(path)
    assert response.status_code == 200, response.text
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    html = response.text
    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE), "inline style attribute"
    assert not re.search(r"<style[\s>]", html, re.IGNORECASE), "inline <style> element"
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE), "inline event handler"
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL):
        if body.strip():
            assert 'type="application/json"' in attrs, f"inline script on {path}"
        else:
            assert "src=" in attrs


def test_typed_nonsense_never_gives_a_500(started: tuple[TestClient, str]) -> None:
    client, _ = started
    junk = {
        "pain": "<script>",
        "days_per_week": "1e9",
        "minutes_per_session": "-1",
        "equipment": "rocket",
        "units": "parsecs",
        "step": "questions",
        "age": "old",
        "cleared_by": "x" * 5000,
        "confirm": "maybe",
        "screening": "{not json",
        "psfs_name_0": "stairs",
        "psfs_score_0": "eleven",
    }
    for path in (
        "/screening",
        "/profile",
        "/checkin",
        "/settings",
        "/clearance",
        "/delete",
        "/psfs",
        "/escalations/999/acknowledge",
    ):
        response = client.post(path, data=junk, follow_redirects=False)
        assert response.status_code < 500, (path, response.text[:500])
    for path in ("/library?category=nope&equipment=rocket", "/library/nope", "/figures/nope.svg"):
        assert client.get(path).status_code < 500
