"""Build the gspread client: the emulator when configured, else Google.

``emulator_host="host:port"`` selects the local emulator; otherwise a service
account is loaded from ``credentials_file`` with the spreadsheets and drive
scopes.  Both are parameters, never read from the environment here: the service
reads ``SHEETS_EMULATOR_HOST`` and ``GOOGLE_APPLICATION_CREDENTIALS`` in its
configuration and hands the values down.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import gspread
from google.oauth2.service_account import Credentials

from .transport import EmulatorSession

SCOPES = (
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive",
)


#: The variable Google's own libraries read for a key file; named in messages.
CREDENTIALS_VARIABLE = "GOOGLE_APPLICATION_CREDENTIALS"
KEY_FIX = "create a JSON key for the service account (Google Cloud: IAM > Service accounts > Keys)"
#: What to do when Google's token endpoint gives no access token for the key.
TOKEN_FIX = (
    "check that this machine reaches oauth2.googleapis.com and that the key is not "
    "disabled or deleted"
)


class CredentialsError(RuntimeError):
    """The service-account key cannot be used; the message names the variable,
    the problem and the fix, in one line."""


class CredentialsMissingError(CredentialsError):
    """Neither an emulator host nor service-account credentials were given."""


def _refused(path: str, problem: str, fix: str = KEY_FIX) -> CredentialsError:
    return CredentialsError(f"{CREDENTIALS_VARIABLE}: {path} {problem}; {fix}")


def token_problem(exc: BaseException) -> str:
    """The one line for a key that got no access token (the endpoint unreachable,
    the key revoked): the words of ``crm-sync check`` and of a failing sync, the
    advice first so that a shortened display still shows it."""
    text = str(exc).strip()
    detail = f" ({text.splitlines()[0][:160]})" if text else ""
    return f"no token from Google ({type(exc).__name__}); {TOKEN_FIX}{detail}"


def read_service_account(path: str) -> dict[str, Any]:
    """The service-account key in ``path``, checked the way Google will use it:
    a readable file, JSON, ``type`` service_account, an e-mail and a private key
    that loads. Every failure is a :class:`CredentialsError` in plain words, so a
    wrong path is found at start-up (and by ``crm-sync check``), not as a raw
    ``FileNotFoundError`` at the first sync."""
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        raise _refused(
            path, "does not exist", f"point the variable at the key file or {KEY_FIX}"
        ) from None
    except IsADirectoryError:
        raise _refused(
            path, "is a folder, not a key file", "point the variable at the .json key inside it"
        ) from None
    except PermissionError:
        raise _refused(
            path,
            "cannot be read by this user",
            "make it readable (chmod 0640, owned by the service's user)",
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _refused(path, f"cannot be read ({type(exc).__name__})") from None
    try:
        info = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refused(
            path, f"is not JSON ({exc.msg} at line {exc.lineno})", "download the key again"
        ) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        kind = info.get("type") if isinstance(info, dict) else None
        raise _refused(path, f"is not a service-account key (type {kind!r})")
    missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
    if missing:
        raise _refused(path, f"lacks {', '.join(missing)}", "download the key again")

    try:
        Credentials.from_service_account_info(info, scopes=list(SCOPES))
    except (ValueError, TypeError):
        raise _refused(
            path, "holds a private key that cannot be read", "download the key again"
        ) from None
    return info


def service_account_credentials(path: str) -> Any:
    """Google credentials for the key in ``path`` (checked by :func:`read_service_account`)."""
    return Credentials.from_service_account_info(read_service_account(path), scopes=list(SCOPES))


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
        client = gspread.Client(auth=service_account_credentials(path))
    client.set_timeout(timeout)
    return client
