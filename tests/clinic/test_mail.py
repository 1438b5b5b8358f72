"""Alert mail against a real SMTP server (aiosmtpd on 127.0.0.1), on SQLite: sent, held
while the server is down and sent on a retry, sent by the background sender within
seconds of the commit, and never a name, score or symptom in it."""

from __future__ import annotations

import datetime as dt
import smtplib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kneecoach.domain.errors import FieldError
from kneecoach.services import alerts, mail
from kneecoach.services.mail import MailSettings, SmtpTarget, backoff, parse_smtp_url
from kneecoach.store.db import dispose_all
from tests.clinic.conftest import NOW
from tests.clinic.test_alerts import LOCKED_KNEE, START, checkin, every_alert, rows, start
from tests.mailserver import smtp_server
from tests.pgserver import free_port

BASE = "https://clinic.example.org"


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path / 'kneecoach.db'}"
    dispose_all()


@pytest.fixture(scope="module")
def catalogue() -> Any:
    from kneecoach.content.loader import load_catalogue

    return load_catalogue()


@pytest.fixture(autouse=True)
def _base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Links in the mail start with the clinic's address (read at the next settings read)."""
    from kneecoach.settings import get_settings

    monkeypatch.setenv("KNEECOACH_BASE_URL", BASE)
    get_settings.cache_clear()


def settings_for(port: int) -> MailSettings:
    return MailSettings(
        SmtpTarget("smtp", "127.0.0.1", port), "alerts@clinic.example.org", BASE, timeout=2.0
    )


def test_smtp_urls():
    assert parse_smtp_url("smtp://mail.example.org:2525") == SmtpTarget(
        "smtp", "mail.example.org", 2525
    )
    assert parse_smtp_url("smtps://mail.example.org") == SmtpTarget(
        "smtps", "mail.example.org", 465
    )
    assert parse_smtp_url("smtp+starttls://me%40x.org:p%3Ass@mail.example.org") == SmtpTarget(
        "smtp+starttls", "mail.example.org", 587, "me@x.org", "p:ss"
    )
    for bad in ("http://mail.example.org", "smtp://", "smtp://host:port"):
        with pytest.raises(FieldError) as refused:
            parse_smtp_url(bad)
        assert refused.value.field == "KNEECOACH_SMTP_URL"


def test_the_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("KNEECOACH_SMTP_URL", "smtp+starttls://mail.example.org:2587")
    monkeypatch.setenv("KNEECOACH_MAIL_FROM", "kc@clinic.example.org")
    monkeypatch.setenv("KNEECOACH_BASE_URL", "https://clinic.example.org/")
    found = mail.mail_settings()
    assert found.smtp == SmtpTarget("smtp+starttls", "mail.example.org", 2587)
    assert (found.mail_from, found.base_url) == ("kc@clinic.example.org", BASE)


def test_backoff_grows_to_an_hour():
    waits = [backoff(n).total_seconds() for n in (1, 2, 3, 4, 10, 50)]
    assert waits == [30, 60, 120, 240, 3600, 3600]


def test_a_server_that_is_down_loses_nothing_and_the_retry_sends(uow, world, catalogue):
    start(uow, catalogue, world)
    answered = checkin(uow, catalogue, world, START + dt.timedelta(days=2), LOCKED_KNEE)
    assert answered["status"] == "stopped"  # the patient's request went through
    port = free_port()  # nothing listens there yet
    now = dt.datetime.now(dt.UTC)  # the outbox's clock is the machine's
    down = mail.deliver_due(uow, now=now, settings=settings_for(port))
    assert down.as_dict() == {"sent": 0, "failed": 1}
    [alert] = every_alert(uow, world)
    assert alert["mail"] == "pending"
    [(attempts, error)] = rows(uow, "SELECT attempts, last_error FROM mail_outbox")
    assert attempts == 1 and "refused" in error.lower()
    assert mail.deliver_due(uow, now=now, settings=settings_for(port)).sent == 0  # not yet due
    with smtp_server(port) as (inbox, _):
        later = now + dt.timedelta(seconds=31)
        assert mail.deliver_due(uow, now=later, settings=settings_for(port)).sent == 1
        [message] = inbox.wait_for(1)
    assert inbox.recipients == [[world.physio.email]]
    assert message["From"] == "alerts@clinic.example.org"
    assert message["Subject"] == "kneecoach: a patient needs your attention"
    body = message.get_payload(decode=True).decode()
    assert f"{BASE}/patients/{world.patient.patient_id}" in body
    for secret in ("patient one", world.patient.email, "RF-2", "straighten", "urgent", "/10"):
        assert secret not in body
    assert every_alert(uow, world)[0]["mail"] == "sent"
    assert mail.deliver_due(uow, now=later, settings=settings_for(port)).sent == 0  # once


def test_without_an_smtp_url_mail_waits(uow, world, catalogue):
    start(uow, catalogue, world)
    checkin(uow, catalogue, world, START + dt.timedelta(days=2), LOCKED_KNEE)
    nothing = MailSettings(None, "x@example.org", BASE)
    assert mail.deliver_due(uow, now=NOW, settings=nothing).as_dict() == {"sent": 0, "failed": 0}
    assert every_alert(uow, world)[0]["mail"] == "pending"


def test_the_background_sender_mails_within_seconds_of_the_commit(uow, world, catalogue):
    start(uow, catalogue, world)
    with smtp_server() as (inbox, port):
        key = mail.serve_in_background(uow.engine.url.render_as_string(), settings_for(port))
        assert key == uow.key
        try:
            checkin(uow, catalogue, world, START + dt.timedelta(days=2), LOCKED_KNEE)
            assert len(inbox.wait_for(1, timeout=5.0)) == 1
        finally:
            mail.stop_serving(uow.key)
    sender = mail.sending(uow.key)
    if sender is not None:
        sender.join(timeout=5.0)
    assert every_alert(uow, world)[0]["mail"] == "sent"


def test_review_sends_the_digest(uow, world, catalogue):
    start(uow, catalogue, world)
    with smtp_server() as (inbox, port):
        alerts.review_clinics(uow, START + dt.timedelta(days=5), now=NOW)  # silence
        assert mail.deliver_due(uow, now=NOW, settings=settings_for(port)).sent == 1
        [digest] = inbox.wait_for(1)
    assert digest["Subject"] == "kneecoach: your daily summary"
    assert f"{BASE}/clinic" in digest.get_payload(decode=True).decode()


# --- TLS: smtps:// and smtp+starttls:// with a sign-in -------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (openssl), and its key."""
    import subprocess

    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "server.crt", folder / "server.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def _server_context(certificate: tuple[Path, Path]) -> Any:
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


def test_smtps_and_starttls_with_a_sign_in(certificate, monkeypatch):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the client trusts it
    seen: list[tuple[bytes, bytes]] = []

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        seen.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret:pw")

    context = _server_context(certificate)
    with smtp_server(ssl_context=context) as (inbox, port):
        target = parse_smtp_url(f"smtps://127.0.0.1:{port}")
        mail.send_one(MailSettings(target, "a@example.org", BASE, 5.0), "p@example.org", "S", "B")
        assert len(inbox.wait_for(1)) == 1
    starttls = {
        "tls_context": context,
        "require_starttls": True,
        "auth_required": True,
        "authenticator": check,
    }
    with smtp_server(**starttls) as (inbox, port):
        url = f"smtp+starttls://kc%40clinic.org:s3cret%3Apw@127.0.0.1:{port}"
        target = parse_smtp_url(url)
        mail.send_one(MailSettings(target, "a@example.org", BASE, 5.0), "p@example.org", "S", "B")
        assert len(inbox.wait_for(1)) == 1
        plain = parse_smtp_url(f"smtp://127.0.0.1:{port}")  # no STARTTLS: refused
        with pytest.raises(smtplib.SMTPException) as refused:
            mail.send_one(
                MailSettings(plain, "a@example.org", BASE, 5.0), "p@example.org", "S", "B"
            )
        assert "STARTTLS" in str(refused.value)
    assert seen == [(b"kc@clinic.org", b"s3cret:pw")]
