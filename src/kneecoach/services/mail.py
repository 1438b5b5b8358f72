"""Alert mail (CL-3): the outbox is sent over SMTP, and retried until it goes.

An alert's email (`urgent`, `emergency`) and each physio's daily digest are written to
`mail_outbox` in the unit of work that makes them; sending happens after the commit,
outside any request. `deliver_due` sends what is due: it claims each mail (its next
attempt moves on a few minutes, so a second sender leaves it alone), sends it, and
records the result. A failure is retried with a growing wait (`backoff`), so a mail
server that is down loses nothing and fails no request.

The web app (clinic mode, with an SMTP URL) sends in a background thread
(`serve_in_background`), woken when a unit of work that queued mail commits (`wake`);
the thread ends once nothing waits. `kneecoach review` sends what is due as well.

A mail says only that a patient needs attention, with a link: no name, score or
symptom (`alert_mail`, `digest_mail`).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from kneecoach.domain.errors import FieldError

if TYPE_CHECKING:
    from kneecoach.services.uow import UnitOfWork
    from kneecoach.store.alerts import MailRecord

log = logging.getLogger(__name__)

SCHEMES = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}
SMTP_TIMEOUT_S = 10.0
# A claimed mail is left alone this long by other senders (a send takes seconds).
CLAIM = dt.timedelta(minutes=5)
FIRST_RETRY = dt.timedelta(seconds=30)
LAST_RETRY = dt.timedelta(hours=1)
BATCH = 50
# A background sender with mail waiting looks again at least this often.
IDLE_CHECK_S = 300.0
SETTING = "KNEECOACH_SMTP_URL"


@dataclass(frozen=True)
class SmtpTarget:
    scheme: str  # "smtp", "smtps" or "smtp+starttls"
    host: str
    port: int
    username: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class MailSettings:
    smtp: SmtpTarget | None
    mail_from: str
    base_url: str
    timeout: float = SMTP_TIMEOUT_S


def parse_smtp_url(url: str) -> SmtpTarget:
    """`smtp://host:port` (plain), `smtps://` (TLS from the start) or `smtp+starttls://`
    (STARTTLS); `user:password@` signs in. FieldError names KNEECOACH_SMTP_URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise FieldError(SETTING, f"not an SMTP URL: {error}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise FieldError(SETTING, f"use smtp://, smtps:// or smtp+starttls://, not {scheme!r}")
    if not parts.hostname:
        raise FieldError(SETTING, "name the mail server: smtp://host:port")
    return SmtpTarget(
        scheme,
        parts.hostname,
        port or SCHEMES[scheme],
        unquote(parts.username) if parts.username else None,
        unquote(parts.password) if parts.password else None,
    )


def mail_settings() -> MailSettings:
    """The mail settings of this process (KNEECOACH_SMTP_URL, _MAIL_FROM, _BASE_URL)."""
    from kneecoach.settings import get_settings

    settings = get_settings()
    url = (settings.smtp_url or "").strip()
    return MailSettings(
        parse_smtp_url(url) if url else None,
        settings.mail_from,
        settings.base_url.rstrip("/"),
    )


# --- what a mail says -----------------------------------------------------------------


def alert_mail(base_url: str, patient_id: int) -> tuple[str, str]:
    """(subject, body) of an alert's own email: a patient needs attention, and a link."""
    subject = "kneecoach: a patient needs your attention"
    body = (
        "A patient of yours needs your attention today.\n"
        "\n"
        "Sign in to see who and why:\n"
        f"{base_url}/patients/{patient_id}\n"
        "\n"
        "This email holds no health details on purpose.\n"
    )
    return subject, body


def digest_mail(base_url: str, patients: int) -> tuple[str, str]:
    """(subject, body) of a physio's daily digest: how many patients, and a link."""
    who = "1 patient" if patients == 1 else f"{patients} patients"
    subject = "kneecoach: your daily summary"
    body = (
        f"{who} of yours {'needs' if patients == 1 else 'need'} your attention.\n"
        "\n"
        "Sign in to see who and why:\n"
        f"{base_url}/clinic\n"
        "\n"
        "This email holds no health details on purpose.\n"
    )
    return subject, body


# --- sending --------------------------------------------------------------------------


def send_one(settings: MailSettings, to: str, subject: str, body: str) -> None:
    """Send one plain-text email; raises OSError or smtplib.SMTPException on failure."""
    target = settings.smtp
    if target is None:
        raise smtplib.SMTPException("no SMTP server is set (KNEECOACH_SMTP_URL)")
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="kneecoach")
    message.set_content(body)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if target.scheme == "smtps":
        client = smtplib.SMTP_SSL(
            target.host, target.port, timeout=settings.timeout, context=context
        )
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=settings.timeout)
    with client:
        if target.scheme == "smtp+starttls":
            client.starttls(context=context)
        if target.username:
            client.login(target.username, target.password or "")
        client.send_message(message)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed try: 30 s, 1 min, 2 min, ... at most 1 h."""
    wait: dt.timedelta = FIRST_RETRY * int(2 ** max(0, min(attempts, 20) - 1))
    return min(wait, LAST_RETRY)


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "failed": self.failed}


def deliver_due(
    uow: UnitOfWork,
    *,
    now: dt.datetime | None = None,
    settings: MailSettings | None = None,
    limit: int = BATCH,
    send: Callable[[MailSettings, str, str, str], None] = send_one,
) -> Delivery:
    """Send the mail that is due (at most `limit`), and record each result. Without an
    SMTP server set, nothing is sent and everything waits."""
    done = Delivery()
    moment = now or dt.datetime.now(dt.UTC)
    with uow.read() as store:  # most nights nothing is due: no settings read, no write
        if not store.alerts.due_mail(moment, 1):
            return done
    settings = settings or mail_settings()
    if settings.smtp is None:
        return done
    with uow.write() as store:
        claimed: list[MailRecord] = [
            mail
            for mail in store.alerts.due_mail(moment, limit)
            if store.alerts.claim_mail(mail, moment + CLAIM)
        ]
    results: list[tuple[MailRecord, str | None]] = []
    for mail in claimed:
        try:
            send(settings, mail.to, mail.subject, mail.body)
        except (OSError, smtplib.SMTPException) as failure:
            results.append((mail, f"{type(failure).__name__}: {failure}"))
        else:
            results.append((mail, None))
    if not results:
        return done
    finished = now or dt.datetime.now(dt.UTC)
    with uow.write() as store:
        for mail, error in results:
            if error is None:
                store.alerts.mail_sent(mail.id, finished)
                done.sent += 1
            else:
                retry = finished + backoff(mail.attempts + 1)
                store.alerts.mail_failed(mail.id, error, retry)
                done.failed += 1
                log.warning("alert mail %s not sent (retry at %s): %s", mail.id, retry, error)
    return done


# --- the background sender ------------------------------------------------------------


class _Sender(threading.Thread):
    """Sends one database's due mail until nothing waits; woken by `wake`."""

    def __init__(self, key: str, uow: UnitOfWork, settings: MailSettings) -> None:
        super().__init__(name=f"kneecoach-mail-{key[-20:]}", daemon=True)
        self.key, self.uow, self.settings = key, uow, settings
        self.woken = threading.Event()
        self.woken.set()

    def run(self) -> None:
        while True:
            self.woken.clear()
            wait = self._send_and_wait()
            if wait is None:
                with _lock:
                    if not self.woken.is_set():
                        if _senders.get(self.key) is self:
                            del _senders[self.key]
                        return
                continue
            self.woken.wait(wait)

    def _send_and_wait(self) -> float | None:
        """Send what is due; seconds until the next mail is due (None: nothing waits, or
        this process no longer sends this database's mail)."""
        with _lock:
            served = _served.get(self.key)
        if served is None:
            return None
        self.uow, self.settings = served  # the newest settings
        try:
            deliver_due(self.uow, settings=self.settings)
            with self.uow.read() as store:
                due = store.alerts.next_mail_due()
        except Exception:  # a database that went away: the next wake tries again
            log.exception("the alert mail sender stopped")
            return None
        if due is None:
            return None
        seconds = (due - dt.datetime.now(dt.UTC)).total_seconds()
        return min(max(seconds, 0.05), IDLE_CHECK_S)


_lock = threading.Lock()
_senders: dict[str, _Sender] = {}
_served: dict[str, tuple[UnitOfWork, MailSettings]] = {}


def serve_in_background(db_url: str, settings: MailSettings | None = None) -> str | None:
    """Send this database's mail from a background thread of this process, woken when
    mail is queued (the web app in clinic mode). None, and nothing served, without an
    SMTP server set; else the database's key."""
    settings = settings or mail_settings()
    if settings.smtp is None:
        return None
    from kneecoach.store.db import database

    uow = database(db_url)
    with _lock:
        _served[uow.key] = (uow, settings)
    wake(uow.key)  # mail left from before (a restart) goes out now
    return uow.key


def stop_serving(key: str) -> None:
    """No more background sending for this database in this process (tests)."""
    with _lock:
        _served.pop(key, None)
        sender = _senders.get(key)
    if sender is not None:
        sender.woken.set()  # it sees it is no longer served, and ends


def wake(key: str) -> None:
    """Mail was queued in the database named `key`: send it now, if this process sends
    that database's mail (otherwise it waits for `review` or a process that does)."""
    with _lock:
        served = _served.get(key)
        if served is None:
            return
        sender = _senders.get(key)
        if sender is not None and sender.is_alive():
            sender.woken.set()
            return
        sender = _senders[key] = _Sender(key, *served)
    sender.start()


def sending(key: str) -> Any:
    """The live background sender of a database, if any (tests wait on it)."""
    with _lock:
        return _senders.get(key)
