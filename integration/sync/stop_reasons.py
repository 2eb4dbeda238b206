"""Why a tab's sync stopped until a person acts, as a code recorded with the run
(``sync_runs.stop_reason``) where the stop happens: by the plan (the deletion
stop, no recognised header) or from the connector's exception class (the tab or
spreadsheet not found, access denied, credentials refused). Alerts, the dashboard
and the runs API read the code; nothing matches an error's wording.

A run that failed for a reason that may pass by itself (Google unavailable, a
quota, a lost lease) has no stop reason.
"""

from __future__ import annotations

from connectors.google_sheets.auth import CredentialsError
from connectors.google_sheets.errors import NoAccessToken, PermissionDenied, SheetNotFound

DELETION_STOP = "deletion_stop"
HEADER_NOT_FOUND = "header_not_found"
TAB_NOT_FOUND = "tab_not_found"
ACCESS_DENIED = "access_denied"
CREDENTIALS_REFUSED = "credentials_refused"

#: Every stop reason a run can record.
STOP_REASONS = (DELETION_STOP, HEADER_NOT_FOUND, TAB_NOT_FOUND, ACCESS_DENIED, CREDENTIALS_REFUSED)
#: The reasons that concern one tab (credentials concern every spreadsheet).
TAB_REASONS = (DELETION_STOP, HEADER_NOT_FOUND, TAB_NOT_FOUND, ACCESS_DENIED)

#: google-auth's exceptions for a key Google will not take (named, not imported:
#: the emulator runs without google-auth's transport)
_GOOGLE_AUTH_REFUSALS = frozenset({"RefreshError", "DefaultCredentialsError"})


def stop_reason_of(exc: BaseException) -> str | None:
    """The stop reason an exception raised while syncing means, or None when the
    next run may work without anyone acting."""
    if isinstance(exc, PermissionDenied):
        # 401: Google does not take the key at all; 403: the key is fine, the
        # spreadsheet is not shared with it
        return CREDENTIALS_REFUSED if exc.status == 401 else ACCESS_DENIED
    if isinstance(exc, SheetNotFound):
        return TAB_NOT_FOUND
    if isinstance(exc, CredentialsError):
        return CREDENTIALS_REFUSED
    if isinstance(exc, NoAccessToken):
        # the connector's wrapping of google-auth: refused by Google, or not reached
        return CREDENTIALS_REFUSED if exc.refused else None
    if any(cls.__name__ in _GOOGLE_AUTH_REFUSALS for cls in type(exc).__mro__):
        return CREDENTIALS_REFUSED
    return None


def error_for_reader(error: str | None, *, admin: bool) -> str | None:
    """A run's error as a reader may see it: an administrator's only. The error
    is the failing system's own words, in English: a key file's path on the
    server, the network's set-up, a driver's message, another process's name.
    A partner's staff read the stop reason in their language (what happened and
    who acts), or, for a failure that may pass by itself, that the sync failed
    and will be retried."""
    return error if admin else None
