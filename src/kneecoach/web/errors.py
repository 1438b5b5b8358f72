"""Every bad input is a 422 naming the field; an unknown id a 404; never a 500 for bad input.

On the API every error has one shape, `ErrorPublic` of `web/api/models.py`:
`{"detail", "field"}`. `detail` is a sentence, or for a 422 FastAPI's list of problems
(`[{"loc", "msg", "type"}]`, the first being the one `field` names); `field` is where,
as one dotted path into what was sent (`entries.0.sets.1.pain`), a parameter (`date`),
or `body`, `content-type`, `method`, `path`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from kneecoach.domain.errors import FieldError

API_PREFIX = "/api/"
# What `field` names for an error that is not about one field (web/api/models.py).
FIELD_OF_STATUS = {
    401: "session",
    403: "role",
    404: "path",
    405: "method",
    413: "body",
    415: "content-type",
}
# FastAPI answers 400 for a body it cannot decode at all (not UTF-8): bad input, a 422.
UNREADABLE = "The request body is not valid JSON (UTF-8)."
PARAMETER_PLACES = ("query", "path", "header", "cookie")


class NotFound(LookupError):
    def __init__(self, what: str, field: str = "path") -> None:
        super().__init__(what)
        self.what = what
        self.field = field


def problem(field: str, message: str) -> dict[str, Any]:
    """FastAPI's 422 shape, with the field also given as one dotted string."""
    loc = ["body"] if field == "body" else ["body", *field.split(".")]
    return {"detail": [{"loc": loc, "msg": message, "type": "value_error"}], "field": field}


def field_of(loc: tuple[Any, ...] | list[Any], kind: str | None) -> str:
    """The dotted field a pydantic error location names (`body` for the body itself)."""
    if kind == "json_invalid" or not loc:
        return "body"
    if loc[0] in PARAMETER_PLACES and len(loc) > 1:
        return str(loc[1])  # a parameter: its name (`equipment`, not `equipment.0`)
    path = [str(p) for p in loc if p != "body"]
    return ".".join(path) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FieldError)
    async def bad_input(_: Request, error: Exception) -> JSONResponse:
        field = getattr(error, "field", "body")
        message = str(error).split(": ", 1)[-1]
        return JSONResponse(problem(field, message), status_code=422)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, error: NotFound) -> JSONResponse:
        return JSONResponse({"detail": f"{error.what} not found", "field": error.field}, 404)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in error.errors()
        ]
        first = error.errors()[0] if errors else {}
        field = field_of(first.get("loc", ()), first.get("type"))
        return JSONResponse({"detail": errors, "field": field}, status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        """On the API, the framework's own errors (405, 404, 413, 400) in the one shape."""
        if not request.url.path.startswith(API_PREFIX):
            return await http_exception_handler(request, error)
        headers = dict(error.headers or {})
        if error.status_code == 405:  # every method of the path, not only the first route's
            headers["Allow"] = ", ".join(sorted(allowed_methods(request, request.url.path)))
        if error.status_code == 400:
            return JSONResponse(problem("body", UNREADABLE), status_code=422, headers=headers)
        field = FIELD_OF_STATUS.get(error.status_code, "body")
        return JSONResponse(
            {"detail": error.detail, "field": field},
            status_code=error.status_code,
            headers=headers,
        )


def allowed_methods(request: Request, path: str) -> set[str]:
    """The methods the app's routes declare for `path` (one path may have two routes)."""
    found: set[str] = set()
    for context in iter_route_contexts(request.app.router.routes):
        methods = context.methods
        if methods and compile_path(str(context.path))[0].match(path):
            found |= set(methods)
    return found
