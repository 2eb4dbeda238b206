"""The connector's own exceptions: callers never see gspread, requests or HTTP codes.

Google's answers are turned into these at the boundary (:func:`from_api_error`), so
the sync engine can say "the spreadsheet is not shared with the service" instead of
printing a stack trace of a library it does not import.
"""

from __future__ import annotations


class SheetsError(Exception):
    """A Sheets API call failed; the message is one line for a person."""

    retryable = False

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SheetNotFound(SheetsError):
    """The spreadsheet or the tab does not exist (404, or a range naming no tab)."""


class PermissionDenied(SheetsError):
    """The credentials may not read or write the spreadsheet (401/403)."""


class NoAccessToken(SheetsError):
    """Google's token endpoint gave no access token for the key (unreachable, or
    the key was disabled or deleted); google-auth has already retried.

    ``refused`` is True when Google answered and refused the key (google-auth's
    RefreshError), False when the endpoint was not reached (a TransportError),
    which may pass by itself."""

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class BadRequest(SheetsError):
    """Google refused the request itself (400); retrying will not help."""


class QuotaExceeded(SheetsError):
    """Rate limit (429) still hit after every retry the budget allowed."""

    retryable = True


class TransientError(SheetsError):
    """5xx, a timeout or a dropped connection that outlived the retry budget."""

    retryable = True


def classify(status: int, message: str) -> SheetsError:
    """The exception for an HTTP ``status`` with Google's error ``message``."""
    text = message.strip().splitlines()[0] if message.strip() else f"HTTP {status}"
    if status == 429:
        return QuotaExceeded(f"Google Sheets quota exceeded: {text}", status=status)
    if status >= 500:
        return TransientError(f"Google Sheets is unavailable ({status}): {text}", status=status)
    if status in (401, 403):
        return PermissionDenied(
            f"no permission for this spreadsheet ({status}): {text}", status=status
        )
    if status == 404:
        return SheetNotFound(f"spreadsheet not found: {text}", status=status)
    if status == 400 and "parse range" in text.lower():
        return SheetNotFound(f"tab not found: {text}", status=status)
    return BadRequest(f"Google Sheets refused the request ({status}): {text}", status=status)
