"""Personal mode has no accounts, so only the person's own machine may use it.

- Host header must name the loopback address we serve (stops DNS rebinding).
- A state-changing request with a foreign Origin is refused (stops cross-site forgery);
  a request without Origin (a script, curl) is allowed.
- The API takes JSON only (415 otherwise) on the methods its routes declare; any other
  method reaches the router, which answers 405 with an `Allow` header. No CORS headers
  are ever sent.
- Every response carries a strict Content-Security-Policy and friends.

Clinic mode (issue 12) uses the same guard with three additions: a `gate` (the policy
check of `web/clinic/auth.py`) after the Host and Origin checks and before anything
reads the body, `Cache-Control: no-store` on every answer but static files, and HSTS
when served beyond loopback.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# The generated API docs page loads Swagger UI from its CDN with an inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
HSTS = "max-age=63072000; includeSubDomains"
# A clinic-mode check run before the route: the response that refuses, or None.
Gate = Callable[[Scope], Awaitable[Response | None]]


def is_loopback(host: str) -> bool:
    return host.strip("[]") in LOOPBACK_NAMES or host.startswith("127.")


def allowed_hosts(port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host header values we accept: the loopback names, with and without our port."""
    names = {"127.0.0.1", "localhost", "[::1]", *extra}
    return frozenset({*names, *(f"{n}:{port}" for n in names)})


class PersonalModeGuard:
    """ASGI middleware enforcing the rules in the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        hosts: frozenset[str],
        origins: frozenset[str],
        gate: Gate | None = None,
        no_store: bool = False,
        hsts: bool = False,
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.origins = origins
        self.gate = gate
        self.no_store = no_store
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        path: str = scope["path"]
        host = headers.get("host", "")
        if host not in self.hosts:
            await self._refuse(
                scope, receive, send, 421, "This address is not served here.", "host"
            )
            return
        method = scope["method"]
        origin = headers.get("origin")
        if method not in SAFE_METHODS:
            if origin is not None and origin not in self.origins:
                await self._refuse(
                    scope, receive, send, 403, "Cross-site request refused.", "origin"
                )
                return
            if headers.get("sec-fetch-site") == "cross-site":
                await self._refuse(
                    scope, receive, send, 403, "Cross-site request refused.", "origin"
                )
                return
        refused = await self.gate(scope) if self.gate is not None else None
        if refused is not None:
            await refused(scope, receive, self._with_headers(send, CSP, path))
            return
        if (
            method not in SAFE_METHODS
            and path.startswith("/api/")
            and not _is_json(headers.get("content-type", ""))
            and declared(scope)
        ):
            await self._refuse(
                scope,
                receive,
                send,
                415,
                "The API accepts JSON only (application/json).",
                "content-type",
            )
            return
        csp = DOCS_CSP if path in DOCS_PATHS else CSP
        await self.app(scope, receive, self._with_headers(send, csp, path))

    def _with_headers(self, send: Send, csp: str, path: str) -> Send:
        """`send`, adding the security headers to the response and dropping any CORS ones."""
        extra = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            # same-origin, not no-referrer: under no-referrer browsers send
            # "Origin: null" on our own form posts, which the guard must refuse.
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if self.hsts:
            extra.append((b"strict-transport-security", HSTS.encode()))
        no_store = self.no_store and not path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not k.lower().startswith(b"access-control-")
                    and not (no_store and k.lower() == b"cache-control")
                ]
                raw += extra
                if no_store:  # answers carry patient data: never kept by a browser or proxy
                    raw.append((b"cache-control", b"no-store"))
                message["headers"] = raw
            await send(message)

        return send_with_headers

    @staticmethod
    async def _refuse(
        scope: Scope, receive: Receive, send: Send, status: int, text: str, field: str
    ) -> None:
        if scope["path"].startswith("/api/"):  # the API's one error shape (web/errors.py)
            response: PlainTextResponse | JSONResponse = JSONResponse(
                {"detail": text, "field": field}, status_code=status
            )
        else:
            response = PlainTextResponse(text, status_code=status)
        response.headers["content-security-policy"] = CSP
        response.headers["x-content-type-options"] = "nosniff"
        await response(scope, receive, send)


def declared(scope: Scope) -> bool:
    """Whether one of the app's routes takes this request's path and method.

    An undeclared method (TRACE, DELETE) is left to the router's 405 with `Allow`,
    instead of a 415 about a body no route was going to read.
    """
    router = getattr(scope.get("app"), "router", None)
    routes = getattr(router, "routes", None)
    if routes is None:
        return True
    return any(route.matches(scope)[0] is Match.FULL for route in routes)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def origins_for(hosts: Iterable[str]) -> frozenset[str]:
    """The Origin values of our own pages (http://host[:port])."""
    return frozenset(f"http://{h}" for h in hosts)


def clinic_openapi(
    schema: dict[str, Any], cookie: str, public: frozenset[tuple[str, str]]
) -> dict[str, Any]:
    """Clinic mode's OpenAPI: the session cookie as a security scheme on every operation
    but the public ones, each of which may then answer 401 (no session) and 403 (a role
    that may not use it)."""
    schema = copy.deepcopy(schema)
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["session"] = {
        "type": "apiKey",
        "in": "cookie",
        "name": cookie,
        "description": "The session cookie `POST /api/v1/auth/login` sets.",
    }
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorPublic"}}}
    refusals = {
        "401": "No live session: sign in first.",
        "403": "Your role may not use this route, or a cross-site request.",
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if (method.upper(), path) in public:
                continue
            operation["security"] = [{"session": []}]
            answers = operation.setdefault("responses", {})
            for code, text in refusals.items():
                answers.setdefault(code, {"description": text, "content": error})
    return schema
