"""No NUL in what people send: 422 naming the field, before any route reads the body.

PostgreSQL's text cannot hold the character NUL (U+0000), so a JSON string or form
value with one failed deep in a write with a 500. No field of kneecoach has a use for
it. `NulGuard` looks at every request body that could carry one (JSON writes it as
`\\u0000`, a form as `%00`) and refuses it with the API's error shape, naming the field
(`slots.0.note`); any other body goes on untouched. It sits inside the Host, Origin and
policy checks, so a request those refuse is refused by them first, and inside the body
size limit, so it never holds more than 256 KiB.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NUL = "\x00"
PROBLEM = "Text cannot contain the character NUL (U+0000)."


def nul_field(body: bytes, content_type: str) -> str | None:
    """The path of the first field whose name or text holds NUL ("body" when the body
    itself cannot be read), or None when there is none."""
    if "json" in content_type:
        if b"\\u0000" not in body and b"\x00" not in body:
            return None
        try:
            return _in_json(json.loads(body), ())
        except ValueError:  # not JSON: the route answers that itself
            return None
    if "x-www-form-urlencoded" in content_type:
        if b"%00" not in body and b"\x00" not in body:
            return None
        for name, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if NUL in name or NUL in value:
                return name.replace(NUL, "") or "body"
        return None
    if "multipart/form-data" in content_type and b"\x00" in body:
        return "body"
    return None


def _in_json(value: Any, path: tuple[str, ...]) -> str | None:
    if isinstance(value, str):
        return (".".join(path) or "body") if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                return ".".join(path) or "body"
            found = _in_json(item, (*path, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _in_json(item, (*path, str(index)))
            if found is not None:
                return found
    return None


class NulGuard:
    """ASGI middleware: 422 for a body with NUL in a field (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        messages: list[Message] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client left: let the app see it as it would have
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        field = nul_field(body, Headers(scope=scope).get("content-type", "").lower())
        if field is not None:
            response: JSONResponse | PlainTextResponse
            if scope["path"].startswith("/api/"):
                response = JSONResponse({"detail": PROBLEM, "field": field}, status_code=422)
            else:
                response = PlainTextResponse(PROBLEM, status_code=422)
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                if messages and messages[-1]["type"] != "http.request":
                    return messages[-1]
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
