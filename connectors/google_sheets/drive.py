"""Drive calls on the file behind a spreadsheet: its ``modifiedTime`` and push channels.

Drive is a different API from Sheets, but its calls go through the same session
as the spreadsheet's (one HTTP client, one retry policy, the same quota budgets,
one call count), so a :class:`DriveConnector` is built by the
:class:`~connectors.google_sheets.tab_io.SheetsConnector` it shares them with and
reached as its ``drive``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")
DRIVE_FILES_URL = "https://www.googleapis.com/drive/v3/files"
DRIVE_CHANNELS_STOP_URL = "https://www.googleapis.com/drive/v3/channels/stop"
#: how a session runs one call: ``call(what, fn)`` counts, rate-limits and retries ``fn``
Call = Callable[[str, Callable[[], T]], T]


class DriveConnector:
    """The Drive calls of one spreadsheet session (``http``: gspread's HTTP client)."""

    def __init__(self, http: Any, call: Call[Any]) -> None:
        self.http = http
        self._call = call

    def modified_time(self, spreadsheet_id: str) -> datetime | None:
        """When Drive last saw the spreadsheet change (one ``files.get``), or None
        when Drive does not say."""
        meta = self._call(
            "drive.files.get",
            lambda: self.http.request(
                "get",
                f"{DRIVE_FILES_URL}/{spreadsheet_id}",
                params={"fields": "modifiedTime", "supportsAllDrives": True},
            ).json(),
        )
        stamp = (meta or {}).get("modifiedTime")
        if not stamp:
            return None
        try:
            return datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            return None

    def watch_file(
        self, spreadsheet_id: str, *, channel_id: str, address: str, token: str, expiration_ms: int
    ) -> dict[str, Any]:
        """Open a Drive push channel on the spreadsheet (``files.watch``); returns
        Drive's ``api#channel`` (``resourceId``, ``expiration`` in ms as a string)."""
        body = {
            "id": channel_id,
            "type": "web_hook",
            "address": address,
            "token": token,
            "expiration": str(expiration_ms),
        }
        answer: dict[str, Any] = self._call(
            "drive.files.watch",
            lambda: self.http.request(
                "post",
                f"{DRIVE_FILES_URL}/{spreadsheet_id}/watch",
                params={"supportsAllDrives": True},
                json=body,
            ).json(),
        )
        return answer

    def stop_channel(self, channel_id: str, resource_id: str) -> None:
        """Stop a push channel (``channels.stop``); a channel Drive no longer knows
        raises :class:`~connectors.google_sheets.errors.SheetNotFound`."""
        self._call(
            "drive.channels.stop",
            lambda: self.http.request(
                "post", DRIVE_CHANNELS_STOP_URL, json={"id": channel_id, "resourceId": resource_id}
            ),
        )
