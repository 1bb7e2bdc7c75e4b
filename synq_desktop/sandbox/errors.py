"""Every error the sandbox gives is `{"error": "..."}` (invalid input adds `errors: [{field, message}]`).

FastAPI's own 422 for a malformed or ill-typed request is translated to 400 with the same shape, so the
client meets one error format. `ERROR_RESPONSES` is what each API route declares in the OpenAPI document.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from synq_desktop.domain.slug import SLUG_PATTERN

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """The body of every 4xx/5xx answer."""

    error: str
    errors: list[FieldError] | None = None


_DESCRIPTIONS = {
    400: "Invalid input (malformed JSON, wrong types, bad values)",
    401: "Missing, invalid or expired token, or missing X-Tenant-ID / X-Org-ID",
    403: "The headers contradict the token, or the role may not do this",
    404: "Not found (or another tenant's record)",
    409: "A unique key is taken",
    412: "If-Match does not match the current ETag",
    413: "Body too large",
    422: "Invalid input (same shape as 400)",
    429: "Throttled: retry after Retry-After seconds",
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text} for code, text in _DESCRIPTIONS.items()
}
ERROR_RESPONSES[429]["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}


class ApiError(Exception):
    """Raised anywhere in a handler; becomes the JSON error answer."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers


def bad_input(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, message, [{"field": field, "message": message}] if field else None)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def error_response(status: int, message: str, errors: list[dict[str, str]] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"error": message}
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, headers=headers)


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _readable(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "json_invalid":
        return "the body is not valid JSON"
    if kind == "missing":
        return "this field is required"
    if kind == "string_pattern_mismatch":  # a regex means nothing to the person reading the message
        pattern = (error.get("ctx") or {}).get("pattern")
        if pattern == r"\S":
            return "must not be empty or blank"
        if pattern == SLUG_PATTERN:
            return "a slug is lowercase letters and digits, words joined by single hyphens (e.g. summer-sale)"
    message = str(error.get("msg", "invalid value"))
    return message.removeprefix("Value error, ")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "that"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.errors, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        details = exc.errors()
        if any(error.get("type") == "json_invalid" for error in details):
            return error_response(400, "The body is not valid JSON.")
        whole_body = next((error for error in details if tuple(error.get("loc", ())) == ("body",)), None)
        if whole_body is not None:  # no body, or JSON that is not an object: say so, not pydantic's words
            if whole_body.get("type") == "missing":
                message = "The body is empty: send a JSON object."
            else:
                message = f"The body must be a JSON object, not {_json_kind(whole_body.get('input'))}."
            return error_response(400, message, [{"field": "body", "message": message}])
        errors = [{"field": _field_of(error.get("loc", ())), "message": _readable(error)} for error in details]
        summary = "; ".join(f"{item['field']}: {item['message']}" for item in errors[:5])
        return error_response(400, f"Invalid input: {summary}", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = "no such route"
        elif exc.status_code == 400 and message == "There was an error parsing the body":
            message = "The body is not valid JSON."  # FastAPI's words for bytes that are not text at all
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error in the sandbox", exc_info=exc)
        return error_response(500, "internal server error")
