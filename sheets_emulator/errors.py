"""Google-shaped API errors.

Every failure the emulator reports is an :class:`ApiError`, rendered as
``{"error": {"code", "message", "status"}}`` with ``code`` equal to the HTTP
status, because gspread (and our retry logic) read that field.
"""

from __future__ import annotations

from typing import Any

_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


class ApiError(Exception):
    """An error answered to the client in Google's JSON shape."""

    def __init__(
        self,
        code: int,
        message: str,
        status: str | None = None,
        details: list[dict[str, Any]] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or _STATUS.get(code, "UNKNOWN")
        self.details = details
        self.errors = errors  # Drive's legacy per-error list

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.errors:
            err["errors"] = self.errors
        if self.details:
            err["details"] = self.details
        return {"error": err}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message, "INVALID_ARGUMENT")


def not_found(message: str = "Requested entity was not found.") -> ApiError:
    return ApiError(404, message, "NOT_FOUND")


def status_for(code: int) -> str:
    """Google's canonical status name for an HTTP status code."""
    return _STATUS.get(code, "UNKNOWN")


def invalid_value(field: str, shown: str, type_name: str = "google.protobuf.ListValue") -> ApiError:
    """Google's error for a JSON value of the wrong type in a request body."""
    message = f"Invalid value at '{field}' (type.googleapis.com/{type_name}), {shown}"
    return ApiError(
        400,
        message,
        "INVALID_ARGUMENT",
        [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": field, "description": message}],
            }
        ],
    )


def unknown_field(name: str) -> ApiError:
    """Google's 400 for a body field the method does not have."""
    return bad_request(f'Invalid JSON payload received. Unknown name "{name}": Cannot find field.')
