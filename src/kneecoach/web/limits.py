"""Bounds on what one request may cost: its body is at most 256 KiB.

A larger `Content-Length` is refused with 413 before anything is read; a chunked
body is counted as it arrives and refused once it passes the limit, so a request
can never make the server hold or parse megabytes.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kneecoach.web.security import CSP

MAX_BODY_BYTES = 256 * 1024
TOO_LARGE = f"The request body is larger than {MAX_BODY_BYTES // 1024} KiB."


class BodyTooLarge(HTTPException):
    """Raised inside `receive` when a streamed body passes the limit (the app answers 413)."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE)


class BodySizeLimit:
    """ASGI middleware: 413 for any request body over `limit` bytes."""

    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.limit
            except ValueError:
                too_big = False  # the server itself refuses a malformed length
            if too_big:
                await _refuse(scope, receive, send)
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await _refuse(scope, receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["path"].startswith("/api/"):
        response: JSONResponse | PlainTextResponse = JSONResponse(
            {"detail": TOO_LARGE, "field": "body"}, status_code=413
        )
    else:
        response = PlainTextResponse(TOO_LARGE, status_code=413)
    response.headers["connection"] = "close"
    response.headers["content-security-policy"] = CSP
    response.headers["x-content-type-options"] = "nosniff"
    await response(scope, receive, send)
