"""Every bad input is a 422 naming the field; an unknown id a 404; never a 500 for bad input."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from kneecoach.domain.errors import FieldError


class NotFound(LookupError):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def problem(field: str, message: str) -> dict[str, Any]:
    """FastAPI's 422 shape, with the field also given as one dotted string."""
    return {
        "detail": [{"loc": ["body", *field.split(".")], "msg": message, "type": "value_error"}],
        "field": field,
    }


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(FieldError)
    async def bad_input(_: Request, error: Exception) -> JSONResponse:
        field = getattr(error, "field", "body")
        message = str(error).split(": ", 1)[-1]
        return JSONResponse(problem(field, message), status_code=422)

    @app.exception_handler(NotFound)
    async def not_found(_: Request, error: NotFound) -> JSONResponse:
        return JSONResponse({"detail": f"{error.what} not found"}, status_code=404)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in error.errors()
        ]
        first = errors[0]["loc"] if errors else []
        field = ".".join(str(p) for p in first if p not in ("body", "query", "path"))
        return JSONResponse({"detail": errors, "field": field or "body"}, status_code=422)
