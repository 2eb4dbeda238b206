"""Which endpoint a request is: Google's URL patterns for Sheets v4 and Drive
v3, matched in order, and the query string as the handlers read it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, unquote

_SS = r"/v4/spreadsheets/(?P<id>[^/:?]+)"

# (method, regex, endpoint name); order matters (most specific first)
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(_SS + r"/values:batchGet$"), "values.batchGet"),
    ("POST", re.compile(_SS + r"/values:batchUpdate$"), "values.batchUpdate"),
    ("POST", re.compile(_SS + r"/values:batchClear$"), "values.batchClear"),
    ("POST", re.compile(_SS + r"/values/(?P<range>.+?):append$"), "values.append"),
    ("POST", re.compile(_SS + r"/values/(?P<range>.+?):clear$"), "values.clear"),
    ("GET", re.compile(_SS + r"/values/(?P<range>.+)$"), "values.get"),
    ("PUT", re.compile(_SS + r"/values/(?P<range>.+)$"), "values.update"),
    ("POST", re.compile(_SS + r":batchUpdate$"), "spreadsheets.batchUpdate"),
    ("GET", re.compile(_SS + r"/?$"), "spreadsheets.get"),
    ("POST", re.compile(r"^/drive/v3/files/?$"), "drive.files.create"),
    ("GET", re.compile(r"^/drive/v3/files/?$"), "drive.files.list"),
    ("POST", re.compile(r"^/drive/v3/files/(?P<id>[^/]+)/copy$"), "drive.files.copy"),
    ("GET", re.compile(r"^/drive/v3/files/(?P<id>[^/]+)/comments$"), "drive.comments.list"),
    ("POST", re.compile(r"^/drive/v3/files/(?P<id>[^/]+)/watch$"), "drive.files.watch"),
    ("POST", re.compile(r"^/drive/v3/channels/stop$"), "drive.channels.stop"),
    ("GET", re.compile(r"^/drive/v3/files/(?P<id>[^/]+)$"), "drive.files.get"),
    ("PATCH", re.compile(r"^/drive/v3/files/(?P<id>[^/]+)$"), "drive.files.update"),
    ("DELETE", re.compile(r"^/drive/v3/files/(?P<id>[^/]+)$"), "drive.files.delete"),
    ("PUT", re.compile(r"^/upload/drive/v2/files/(?P<id>[^/]+)$"), "drive.files.import"),
]
LIST_PARAMS = {"ranges"}


def route(method: str, raw_path: str) -> tuple[str, dict[str, str]] | None:
    for m, rx, name in ROUTES:
        if m != method:
            continue
        match = rx.match(raw_path)
        if match:
            return name, {k: unquote(v) for k, v in match.groupdict().items() if v is not None}
    return None


def parse_params(query: str) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, values in parse_qs(query, keep_blank_values=True).items():
        params[key] = values if key in LIST_PARAMS else values[-1]
    return params
