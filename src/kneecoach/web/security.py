"""Personal mode has no accounts, so only the person's own machine may use it.

- Host header must name the loopback address we serve (stops DNS rebinding).
- A state-changing request with a foreign Origin is refused (stops cross-site forgery);
  a request without Origin (a script, curl) is allowed.
- The API takes JSON only (415 otherwise) on the methods its routes declare; any other
  method reaches the router, which answers 405 with an `Allow` header. No CORS headers
  are ever sent.
- Every response carries a strict Content-Security-Policy and friends.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse
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


def is_loopback(host: str) -> bool:
    return host.strip("[]") in LOOPBACK_NAMES or host.startswith("127.")


def allowed_hosts(port: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host header values we accept: the loopback names, with and without our port."""
    names = {"127.0.0.1", "localhost", "[::1]", *extra}
    return frozenset({*names, *(f"{n}:{port}" for n in names)})


class PersonalModeGuard:
    """ASGI middleware enforcing the rules in the module docstring."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str], origins: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts
        self.origins = origins

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
            if (
                path.startswith("/api/")
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

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if not k.lower().startswith(b"access-control-")
                ]
                raw += [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    # same-origin, not no-referrer: under no-referrer browsers send
                    # "Origin: null" on our own form posts, which the guard must refuse.
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)

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
