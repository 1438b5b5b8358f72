"""Who is signed in, on the web: the session cookie, the dependencies, CSRF tokens, the gate.

- The cookie holds the session token and nothing else: `kc_session` on loopback (plain
  HTTP clients must work there), `__Host-kc_session` with `Secure` beyond it; always
  HttpOnly, SameSite=Lax, Path=/, no Domain, no Max-Age (the server's idle and absolute
  timeouts end a session; closing the browser forgets it).
- `SignedInDep` (401 without a live session) and `OptionalSignedIn` give the `SignedIn`
  account of the request; `ClinicGate` has usually looked it up already.
- HTML forms carry `csrf_token(request)` in a hidden `csrf_token` field; the route calls
  `check_csrf(request, form.get("csrf_token"))` (403 when it does not match). The token is
  an HMAC of the session token, so it needs no storage and dies with the session. Forms
  shown before sign-in (sign-in, accept an invite) have none: the Origin check and the
  SameSite cookie cover them.
- `ClinicGate` checks every request against `policy.POLICY` before its route runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.routing import iter_route_contexts
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import compile_path
from starlette.types import Scope

from kneecoach.services import auth, clinic
from kneecoach.services.audit import Origin
from kneecoach.services.auth import SignedIn
from kneecoach.web.clinic.policy import POLICY, SCOPE_PARAMETER, Key, Rule, decide, rule_for
from kneecoach.web.deps import get_db

COOKIE = "kc_session"
SECURE_COOKIE = "__Host-kc_session"
CSRF_FIELD = "csrf_token"
LOGIN_PAGE = "/login"
_CSRF_KEY = b"kneecoach csrf v1"
_NOT_LOOKED_UP = object()


# --- the cookie -------------------------------------------------------------------------


def cookie_name(settings: Any) -> str:
    """`__Host-kc_session` beyond loopback (`settings.secure`), else `kc_session`."""
    return SECURE_COOKIE if getattr(settings, "secure", False) else COOKIE


def set_session_cookie(response: Response, token: str, settings: Any) -> None:
    response.set_cookie(
        cookie_name(settings),
        token,
        path="/",
        secure=bool(getattr(settings, "secure", False)),
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Any) -> None:
    response.delete_cookie(
        cookie_name(settings),
        path="/",
        secure=bool(getattr(settings, "secure", False)),
        httponly=True,
        samesite="lax",
    )


def session_token(request: Request) -> str | None:
    return request.cookies.get(cookie_name(request.app.state.settings)) or None


# --- the request's clock and origin -----------------------------------------------------


def app_now(request: Request) -> dt.datetime:
    """Now for this app (a clock in the settings in tests, else the machine's), in UTC."""
    clock: Callable[[], dt.datetime] | None = getattr(request.app.state.settings, "clock", None)
    return clock() if clock else dt.datetime.now(dt.UTC)


def origin_of(request: Request) -> Origin:
    """The audit trail's `route` ("GET /api/v1/patients/7") and `ip` of a request."""
    client = request.client
    return Origin(route=f"{request.method} {request.url.path}", ip=client.host if client else None)


# --- who is signed in -------------------------------------------------------------------


async def lookup(request: Request) -> SignedIn | None:
    """The account of the request's live session, or None; looked up once per request."""
    found = getattr(request.state, "signed_in", _NOT_LOOKED_UP)
    if found is None or isinstance(found, SignedIn):
        return found
    token = session_token(request)
    who: SignedIn | None = None
    if token is not None:
        db = await get_db(request)
        now = app_now(request)
        who = await run_in_threadpool(lambda: auth.session_account(db, token, now=now))
    request.state.signed_in = who
    return who


def forget(request: Request) -> None:
    """Forget the looked-up account (after sign-in or sign-out in this request)."""
    request.state.signed_in = _NOT_LOOKED_UP


async def optional_signed_in(request: Request) -> SignedIn | None:
    return await lookup(request)


async def signed_in(request: Request) -> SignedIn:
    who = await lookup(request)
    if who is None:
        raise HTTPException(401, "Sign in first.")
    return who


OptionalSignedIn = Annotated[SignedIn | None, Depends(optional_signed_in)]
SignedInDep = Annotated[SignedIn, Depends(signed_in)]


# --- CSRF tokens for forms --------------------------------------------------------------


def csrf_for(token: str) -> str:
    return hmac.new(token.encode("utf-8"), _CSRF_KEY, hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this request's pages ("" without a session)."""
    token = session_token(request)
    return csrf_for(token) if token else ""


def check_csrf(request: Request, submitted: object) -> None:
    """403 unless `submitted` is this session's CSRF token."""
    expected = csrf_token(request)
    if (
        not expected
        or not isinstance(submitted, str)
        or not hmac.compare_digest(expected.encode(), submitted.encode())
    ):
        raise HTTPException(403, "This form has expired. Reload the page and try again.")


# --- the gate ---------------------------------------------------------------------------


class RouteTable:
    """The app's routes as (template, methods, pattern), matched as the router does."""

    def __init__(self, routes: list[tuple[str, frozenset[str] | None, re.Pattern[str]]]) -> None:
        self.routes = routes

    @classmethod
    def of(cls, app: Any) -> RouteTable:
        found: list[tuple[str, frozenset[str] | None, re.Pattern[str]]] = []
        for context in iter_route_contexts(app.router.routes):
            path = str(context.path)
            methods = frozenset(context.methods) if context.methods else None
            pattern = path.rstrip("/") + "/{path:path}" if methods is None else path
            found.append((path, methods, compile_path(pattern)[0]))
        return cls(found)

    def match(self, path: str, method: str) -> tuple[str, dict[str, str]] | None:
        """(template, raw path parameters) of the route that serves this request; None
        when none does (the router answers 404, or 405 for a method it does not take)."""
        for template, methods, pattern in self.routes:
            matched = pattern.match(path)
            if matched is None:
                continue
            if methods is None:
                return template, {}
            if method in methods:
                return template, matched.groupdict()
        return None


def patient_id_of(raw: str | None) -> int | None:
    """The patient id a path asks for, if it can be one (digits, 32 bits)."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 10:
        return None
    value = int(raw)
    return value if 1 <= value <= clinic.ID_MAX else None


class ClinicGate:
    """Checks each request against the policy table (`policy.py`, in its order) before
    any route, body or form is read. Returns the refusal to send, or None to go on."""

    def __init__(self) -> None:
        self._table: RouteTable | None = None

    def table(self, app: Any) -> RouteTable:
        if self._table is None:  # every route is declared before the first request
            self._table = RouteTable.of(app)
        return self._table

    async def __call__(self, scope: Scope) -> Response | None:
        app = scope["app"]
        method: str = scope["method"]
        found = self.table(app).match(scope["path"], method)
        if found is None:
            return None
        template, params = found
        policy: dict[Key, Rule] = getattr(app.state, "policy", POLICY)
        rule = rule_for(policy, method, template)
        request = Request(scope)
        if rule is None:
            return refusal(request, 403, "This route has no access rule.", "path")
        if rule.public:
            return None
        who = await lookup(request)
        if who is None:
            return unauthenticated(request)
        patient_id = patient_id_of(params.get(SCOPE_PARAMETER)) if rule.scoped else None
        relation = None
        if rule.scoped and who.role in rule.roles:
            db = await get_db(request)
            actor = who.actor
            relation = await run_in_threadpool(lambda: clinic.relation_of(db, actor, patient_id))
        outcome = decide(rule, who.role, relation)
        if outcome == "allow":
            return None
        await _record_denial(request, who, outcome, patient_id)
        if outcome == "hidden":
            return refusal(request, 404, "No such patient.", "path")
        return refusal(request, 403, "Your role cannot do this.", "role")


async def _record_denial(
    request: Request, who: SignedIn, outcome: str, patient_id: int | None
) -> None:
    db = await get_db(request)
    actor, now, origin = who.actor, app_now(request), origin_of(request)
    named = "not-found" if outcome == "hidden" else "forbidden"
    await run_in_threadpool(
        lambda: clinic.deny(db, actor, outcome=named, patient_id=patient_id, now=now, origin=origin)
    )


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def unauthenticated(request: Request) -> Response:
    """401; a page asked for with GET goes to the sign-in page instead."""
    if request.method == "GET" and not is_api(request):
        return RedirectResponse(LOGIN_PAGE, status_code=303)
    return refusal(request, 401, "Sign in first.", "session")


def refusal(request: Request, status: int, text: str, field: str) -> Response:
    """The API's one error shape, or a page: the clinic's own for 403 and 404
    (`app.state.page_refusal`, from web/clinic/pages.py), else a short one."""
    if is_api(request):
        return JSONResponse({"detail": text, "field": field}, status_code=status)
    render: Callable[[Request, int], Response] | None = getattr(
        request.app.state, "page_refusal", None
    )
    if render is not None and status in (403, 404):
        return render(request, status)
    page = (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        f"<title>{text}</title><main><h1>{text}</h1>"
        f'<p><a href="{LOGIN_PAGE}">Sign in</a></p></main></html>'
    )
    return HTMLResponse(page, status_code=status)
