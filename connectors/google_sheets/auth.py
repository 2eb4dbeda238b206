"""Build the gspread client: the emulator when configured, else Google.

``emulator_host="host:port"`` selects the local emulator; otherwise a service
account is loaded from ``credentials_file`` with the spreadsheets and drive
scopes.  Both are parameters, never read from the environment here: the service
reads ``SHEETS_EMULATOR_HOST`` and ``GOOGLE_APPLICATION_CREDENTIALS`` in its
configuration and hands the values down.
"""

from __future__ import annotations

import gspread

from .transport import EmulatorSession

SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
)


class CredentialsMissingError(RuntimeError):
    """Neither an emulator host nor service-account credentials were given."""


def make_gspread_client(
    *,
    emulator_host: str | None = None,
    credentials_file: str | None = None,
    timeout: float = 30.0,
    token: str = "emulator-token",
) -> gspread.Client:
    host = (emulator_host or "").strip()
    if host:
        client = gspread.Client(auth=None, session=EmulatorSession(host, token))  # type: ignore[arg-type]
    else:
        path = credentials_file
        if not path:
            raise CredentialsMissingError(
                "No Google credentials: set SHEETS_EMULATOR_HOST for the local emulator, or "
                "GOOGLE_APPLICATION_CREDENTIALS to a service-account JSON file."
            )
        from google.oauth2.service_account import Credentials

        creds = Credentials.from_service_account_file(path, scopes=list(SCOPES))
        client = gspread.Client(auth=creds)
    client.set_timeout(timeout)
    return client
