"""Signing in to clinic mode: passwords, TOTP, login and its throttling, sessions.

- Passwords are hashed with argon2id (argon2-cffi; costs in `ClinicSettings`), at least
  12 characters, not one of Django's 20,000 common passwords, and not containing the
  email's name part.
- Staff must give a TOTP code; their first sign-in with a valid code completes enrolment.
  A code is never accepted twice.
- An unknown email and a wrong password get the same refusal after the same work (a
  dummy hash is checked). Five failures for one email in 15 minutes, or 20 from one
  address, and sign-in is refused for a while (`Throttled.retry_after`).
- A session is a random 256-bit token; only its SHA-256 is stored. Staff sessions end
  after 30 idle minutes and 12 hours at most (settings); a password change ends the others.

Each function opens its own units of work; the slow hashing runs outside them, so a
sign-in never holds SQLite's write lock while argon2 works.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import io
import math
import re
import secrets
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, cast

from kneecoach.domain.errors import FieldError
from kneecoach.services import audit
from kneecoach.services.actor import Actor, Role
from kneecoach.services.audit import CLI, Origin
from kneecoach.settings import ClinicSettings, get_settings
from kneecoach.store.clinic import AccountRecord, SessionRecord

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from kneecoach.services.uow import UnitOfWork
    from kneecoach.store.repository import Store

PASSWORD_MIN = 12
PASSWORD_MAX = 1024
EMAIL_MAX = 254
NAME_PART_MIN = 3  # a shorter name part ("jo@") would forbid half of all passwords
ACCOUNT_FAILURES = 5
ADDRESS_FAILURES = 20
FAILURE_WINDOW = dt.timedelta(minutes=15)
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen_at is written at most this often
TOTP_ISSUER = "kneecoach"
STAFF: frozenset[str] = frozenset({"admin", "physio"})
COMMON_PASSWORDS = ("passwords", "common-passwords.txt.gz")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class LoginRefused(Exception):
    """Wrong email, password or code, all alike (web: 401)."""

    def __init__(self, message: str = "The email, password or code is not right.") -> None:
        super().__init__(message)
        self.message = message


class Throttled(LoginRefused):
    """Too many failed sign-ins lately (web: 429 with Retry-After: retry_after)."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(f"Too many failed sign-ins. Try again in {minutes} {unit}.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    """The account behind a live session: the only source of an actor's scope."""

    account_id: int
    role: Role
    clinic_id: int
    name: str
    email: str
    person_id: int | None
    physio_id: int | None
    totp_enrolled: bool
    session_id: int

    @property
    def actor(self) -> Actor:
        return Actor(self.role, self.account_id, self.person_id, self.clinic_id)

    def as_dict(self) -> dict[str, Any]:
        """POST /api/v1/auth/login's answer."""
        return {"account_id": self.account_id, "role": self.role, "clinic_id": self.clinic_id}

    def me(self) -> dict[str, Any]:
        """GET /api/v1/me's answer."""
        return {
            **self.as_dict(),
            "name": self.name,
            "email": self.email,
            "patient_id": self.person_id,
            "physio_id": self.physio_id,
            "totp_enrolled": self.totp_enrolled,
        }


@dataclass(frozen=True)
class Login:
    """A new session: `token` goes into the cookie and nowhere else."""

    token: str
    account: SignedIn

    def as_dict(self) -> dict[str, Any]:
        return self.account.as_dict()


# --- passwords --------------------------------------------------------------------------


def check_password(password: object, email: str, field: str = "password") -> str:
    """The password if it may be used; FieldError naming `field` if not."""
    if not isinstance(password, str):
        raise FieldError(field, "Give a password.")
    if len(password) < PASSWORD_MIN:
        raise FieldError(field, f"Use at least {PASSWORD_MIN} characters.")
    if len(password) > PASSWORD_MAX:
        raise FieldError(field, f"Use at most {PASSWORD_MAX} characters.")
    if password.lower() in common_passwords():
        raise FieldError(field, "This password is too common. Choose another.")
    lowered = password.lower()
    if any(part in lowered for part in _name_parts(email)):
        raise FieldError(field, "Do not use your email name in your password.")
    return password


def _name_parts(email: str) -> list[str]:
    """The email's name part (3 characters or more), and its pieces split at . _ - +
    (4 or more: "jane" of jane.doe@, not "doe")."""
    local = email.partition("@")[0].lower()
    parts = [local] if len(local) >= NAME_PART_MIN else []
    parts += [part for part in re.split(r"[._+-]", local) if len(part) > NAME_PART_MIN]
    return parts


@cache
def common_passwords() -> frozenset[str]:
    """Django's list of 20,000 common passwords, lowercased (content/passwords/README.md)."""
    data = files("kneecoach.content").joinpath(*COMMON_PASSWORDS).read_bytes()
    with gzip.open(io.BytesIO(data), "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def hash_password(password: str) -> str:
    """An argon2id hash of `password` with the configured costs."""
    hashed: str = _hasher(_costs()).hash(password)
    return hashed


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored`; with no stored hash, the same work is done
    against a dummy hash, and the answer is no."""
    from argon2.exceptions import InvalidHashError, VerificationError

    costs = _costs()
    try:
        matched: bool = _hasher(costs).verify(stored or _dummy_hash(costs), password)
    except (VerificationError, InvalidHashError):
        return False
    return matched and stored is not None


def needs_rehash(stored: str) -> bool:
    return _hasher(_costs()).check_needs_rehash(stored)


def warm_up() -> None:
    """Make the dummy hash now, so the first unknown email is not slower than the rest."""
    _dummy_hash(_costs())


def _costs() -> tuple[int, int, int]:
    chosen: ClinicSettings = get_settings().clinic
    return chosen.argon2_time_cost, chosen.argon2_memory_kib, chosen.argon2_parallelism


@cache
def _hasher(costs: tuple[int, int, int]) -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    time_cost, memory_kib, parallelism = costs
    return PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
    )


@cache
def _dummy_hash(costs: tuple[int, int, int]) -> str:
    return str(_hasher(costs).hash(secrets.token_urlsafe(16)))


# --- emails, tokens ---------------------------------------------------------------------


def normal_email(value: object, field: str = "email") -> str:
    """An email address, trimmed and lowercased; FieldError naming `field` if it is not one."""
    if not isinstance(value, str) or not value.strip():
        raise FieldError(field, "Give an email address.")
    email = value.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise FieldError(field, "This is not an email address.")
    return email


def new_token() -> str:
    """A random 256-bit token, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- TOTP -------------------------------------------------------------------------------


def new_totp_secret() -> str:
    import pyotp

    return pyotp.random_base32()


def otpauth_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads (from the QR code)."""
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def qr_svg(uri: str) -> str:
    """The URI as an SVG QR code, to put inline in a page."""
    import segno

    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", scale=4, border=2, xmldecl=False, title="Scan with your authenticator"
    )
    return buffer.getvalue().decode("utf-8")


def totp_step(secret: str, code: object, now: dt.datetime, last_step: int | None) -> int | None:
    """The time step of a valid code (this one, or the one either side), or None. A code
    of a step at or before `last_step` was used already and is refused."""
    import pyotp

    if not isinstance(code, str):
        return None
    code = code.replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def needs_totp(account: AccountRecord) -> bool:
    """Staff always give a code; a patient once they have turned TOTP on."""
    return account.role in STAFF or account.totp_enrolled


# --- login ------------------------------------------------------------------------------


def login(
    uow: UnitOfWork,
    email: object,
    password: object,
    totp: object = None,
    *,
    now: dt.datetime,
    origin: Origin = CLI,
) -> Login:
    """Sign in; a new session. LoginRefused (alike for every wrong answer) or Throttled."""
    if not isinstance(email, str):
        raise FieldError("email", "Give an email address.")
    if not isinstance(password, str):
        raise FieldError("password", "Give a password.")
    if totp is not None and not isinstance(totp, str):
        raise FieldError("totp", "Give the 6-digit code as text.")
    typed = email.strip().lower()[:EMAIL_MAX]
    if not typed.isprintable():  # never in an address (and PostgreSQL cannot hold NUL)
        raise FieldError("email", "This is not an email address.")
    since = now - FAILURE_WINDOW
    with uow.read() as store:
        account = store.clinic.active_account_by_email(typed)
        wait = _throttle(store, typed, account, origin.ip, now)
    if wait:
        _refuse(uow, typed, account, origin, now, throttled=True)
        raise Throttled(wait)
    matched = verify_password(account.password_hash if account else None, password)
    step: int | None = None
    if matched and account is not None and account.totp_secret and (needs_totp(account) or totp):
        step = totp_step(account.totp_secret, totp, now, account.totp_last_step)
        matched = step is not None
    elif matched and account is not None and needs_totp(account):
        matched = False  # staff without a secret cannot sign in
    if not matched or account is None:
        _refuse(uow, typed, account, origin, now, throttled=False)
        raise LoginRefused()  # the fifth failure too: only the next try is throttled
    token = new_token()
    rehashed = hash_password(password) if needs_rehash(account.password_hash or "") else None
    with uow.write() as store:
        clinic = store.clinic
        clinic.lock_sign_in(typed)
        wait = _throttle(store, typed, account, origin.ip, now)
        if not wait:
            session_id = clinic.add_session(token_hash(token), account.id, now)
            clinic.record_login(account.clinic_id, account.id, now, step)
            if rehashed:
                clinic.rehash_password(account.clinic_id, account.id, rehashed)
            audit.record(store, at=now, action="login", account=account, origin=origin)
            clinic.forget_login_failures(since)
    if wait:  # failures recorded while this password was being checked
        _refuse(uow, typed, account, origin, now, throttled=True)
        raise Throttled(wait)
    enrolled = account.totp_enrolled or step is not None
    return Login(token, _signed_in(account, session_id, totp_enrolled=enrolled))


def _throttle(
    store: Store, email: str, account: AccountRecord | None, ip: str | None, now: dt.datetime
) -> int:
    """Seconds until a sign-in with `email` from `ip` may be tried again (0: now)."""
    since = now - FAILURE_WINDOW
    if account is not None and account.last_login_at and account.last_login_at > since:
        since = account.last_login_at  # a success starts the count again
    waits = [_wait(store.clinic.login_failures(email, since), ACCOUNT_FAILURES, now)]
    if ip:
        waits.append(
            _wait(store.clinic.address_failures(ip, now - FAILURE_WINDOW), ADDRESS_FAILURES, now)
        )
    return max(waits)


def _wait(failures: list[dt.datetime], limit: int, now: dt.datetime) -> int:
    if len(failures) < limit:
        return 0
    frees_at = failures[-limit] + FAILURE_WINDOW  # when the window holds limit - 1 of them
    return max(1, math.ceil((frees_at - now).total_seconds()))


def _refuse(
    uow: UnitOfWork,
    email: str,
    account: AccountRecord | None,
    origin: Origin,
    now: dt.datetime,
    *,
    throttled: bool,
) -> None:
    """Record a refused sign-in (a failure unless throttled) and its audit event."""
    with uow.write() as store:
        clinic = store.clinic
        clinic.lock_sign_in(email)
        if not throttled:
            clinic.add_login_failure(email, account.id if account else None, origin.ip, now)
        audit.record(
            store,
            at=now,
            action="login-failed",
            outcome="throttled" if throttled else "refused",
            account=account,
            origin=origin,
        )
        clinic.forget_login_failures(now - FAILURE_WINDOW)


def _signed_in(account: AccountRecord, session_id: int, *, totp_enrolled: bool) -> SignedIn:
    return SignedIn(
        account_id=account.id,
        role=cast(Role, account.role),  # the store holds only admin, physio and patient
        clinic_id=account.clinic_id,
        name=account.name,
        email=account.email,
        person_id=account.person_id,
        physio_id=account.physio_id,
        totp_enrolled=totp_enrolled,
        session_id=session_id,
    )


# --- sessions ---------------------------------------------------------------------------


def session_account(uow: UnitOfWork, token: object, *, now: dt.datetime) -> SignedIn | None:
    """The account of a live session token, or None (no such token, signed out, revoked,
    idle too long, or too old). Marks the session as seen."""
    if not isinstance(token, str) or not token:
        return None
    with uow.read() as store:
        found = store.clinic.session_by_hash(token_hash(token))
    if found is None:
        return None
    session, account = found
    if not _live(session, account, now):
        return None
    if now - session.last_seen_at >= TOUCH_EVERY:
        with uow.write() as store:
            store.clinic.touch_session(session.id, now)
    return _signed_in(account, session.id, totp_enrolled=account.totp_enrolled)


def session_limits(role: str) -> tuple[dt.timedelta, dt.timedelta]:
    """(idle, absolute) lifetime of a session for `role`."""
    chosen = get_settings().clinic
    if role in STAFF:
        return (
            dt.timedelta(minutes=chosen.staff_idle_minutes),
            dt.timedelta(hours=chosen.staff_absolute_hours),
        )
    return (
        dt.timedelta(minutes=chosen.patient_idle_minutes),
        dt.timedelta(hours=chosen.patient_absolute_hours),
    )


def _live(session: SessionRecord, account: AccountRecord, now: dt.datetime) -> bool:
    if session.revoked_at is not None or not account.active:
        return False
    idle, absolute = session_limits(account.role)
    return now - session.last_seen_at < idle and now - session.created_at < absolute


def logout(uow: UnitOfWork, token: object, *, now: dt.datetime, origin: Origin = CLI) -> bool:
    """End the session at once; False if there was no live session for the token."""
    if not isinstance(token, str) or not token:
        return False
    with uow.write() as store:
        found = store.clinic.session_by_hash(token_hash(token))
        if found is None:
            return False
        session, account = found
        if not store.clinic.revoke_session(session.id, now):
            return False
        audit.record(store, at=now, action="logout", account=account, origin=origin)
    return True


def change_password(
    uow: UnitOfWork,
    token: object,
    current_password: object,
    new_password: object,
    *,
    now: dt.datetime,
    origin: Origin = CLI,
) -> SignedIn:
    """Change the signed-in account's password and end every other session of it.

    LoginRefused when the token is not a live session; FieldError naming
    `current_password` (wrong, and counted like a failed sign-in) or `new_password`.
    """
    who = session_account(uow, token, now=now)
    if who is None:
        raise LoginRefused("Sign in first.")
    if not isinstance(current_password, str):
        raise FieldError("current_password", "Give your current password.")
    with uow.read() as store:
        account = store.clinic.account(who.account_id)
        wait = _throttle(store, who.email, account, origin.ip, now)
    if account is None or not account.active:
        raise LoginRefused("Sign in first.")
    if wait:
        raise Throttled(wait)
    if not verify_password(account.password_hash, current_password):
        _refuse(uow, who.email, account, origin, now, throttled=False)
        raise FieldError("current_password", "This is not your current password.")
    password = check_password(new_password, account.email, "new_password")
    if password == current_password:
        raise FieldError("new_password", "Choose a password other than your current one.")
    hashed = hash_password(password)
    with uow.write() as store:
        store.clinic.set_password(account.clinic_id, account.id, hashed, now)
        store.clinic.revoke_sessions(account.id, now, keep=who.session_id)
        audit.record(
            store,
            at=now,
            action="update",
            outcome="password-changed",
            account=account,
            origin=origin,
        )
    return who


def start_totp(
    uow: UnitOfWork, actor: Actor, *, now: dt.datetime, origin: Origin = CLI
) -> dict[str, Any]:
    """Turn TOTP on for a signed-in patient: a new secret, {"otpauth_uri", "qr_svg"}. It is
    in force from their next sign-in with a valid code (staff have it from the start)."""
    secret = new_totp_secret()

    def work(store: Store) -> dict[str, Any]:
        account = audit.signed_in(store, actor)
        if account.role != "patient":
            raise audit.Forbidden("Staff accounts have their code already.").by(account)
        store.clinic.set_totp(account.clinic_id, account.id, secret)
        audit.record(
            store,
            at=now,
            action="update",
            outcome="totp-started",
            account=account,
            origin=origin,
        )
        uri = otpauth_uri(secret, account.email)
        return {"otpauth_uri": uri, "qr_svg": qr_svg(uri)}

    return audit.write_or_deny(uow, work, actor=actor, now=now, origin=origin)
