"""Personal mode: only this machine gets in, and no web page can act for the person."""

from __future__ import annotations

from tests.factories import profile


def count_checkins(client) -> int:
    return len(client.get("/api/v1/history").json()["checkins"])


def started(client):
    client.post("/api/v1/programme", json={**profile(), "start_date": "2026-01-05"})
    return client


def test_a_forged_host_is_refused_and_changes_nothing(sqlite_client):
    client = started(sqlite_client)
    response = client.post(
        "/api/v1/checkins", json={"pain": 3}, headers={"Host": "attacker.example"}
    )
    assert response.status_code == 421
    assert client.get("/healthz", headers={"Host": "kneecoach.attacker.example"}).status_code == 421
    assert count_checkins(client) == 0


def test_loopback_hosts_are_served(sqlite_client):
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "localhost"):
        assert sqlite_client.get("/healthz", headers={"Host": host}).status_code == 200


def test_a_foreign_origin_cannot_change_anything(sqlite_client):
    client = started(sqlite_client)
    response = client.post(
        "/api/v1/checkins", json={"pain": 3}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert count_checkins(client) == 0
    same_site = client.post(
        "/api/v1/checkins", json={"pain": 3}, headers={"Origin": "http://127.0.0.1:8000"}
    )
    assert same_site.status_code == 200
    assert count_checkins(client) == 1


def test_origin_null_is_refused(sqlite_client):
    client = started(sqlite_client)
    response = client.post("/api/v1/checkins", json={"pain": 3}, headers={"Origin": "null"})
    assert response.status_code == 403
    assert count_checkins(client) == 0


def test_a_request_without_origin_is_allowed(sqlite_client):
    client = started(sqlite_client)
    assert client.post("/api/v1/checkins", json={"pain": 2}).status_code == 200


def test_cross_site_fetch_metadata_is_refused(sqlite_client):
    client = started(sqlite_client)
    response = client.post(
        "/api/v1/checkins", json={"pain": 3}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403
    assert count_checkins(client) == 0


def test_a_form_post_to_the_api_is_refused(sqlite_client):
    client = started(sqlite_client)
    response = client.post("/api/v1/checkins", data={"pain": "3"})
    assert response.status_code == 415
    plain = client.post(
        "/api/v1/checkins", content=b'{"pain": 3}', headers={"Content-Type": "text/plain"}
    )
    assert plain.status_code == 415
    assert count_checkins(client) == 0


def test_security_headers_and_no_cors(sqlite_client):
    response = sqlite_client.get("/api/v1/exercises", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    page = sqlite_client.get("/")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    preflight = sqlite_client.options(
        "/api/v1/checkins",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert not [h for h in preflight.headers if h.lower().startswith("access-control-")]


def test_serve_refuses_a_public_host():
    from kneecoach.cli.main import main

    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert main(["serve", "--host", "192.168.1.10"]) == 2
