"""One log format for every process, and nothing secret or personal in it.

The web process (gunicorn's error and access logs, werkzeug's under ``crm-sync
serve``), the clock and the command line all write through :func:`configure`:
lines for people by default, one JSON object a line with ``CRM_LOG_FORMAT=json``.

Every line is redacted as it is formatted, whoever logged it: a request line or
a path loses its query string (a token a client put in the URL, a searched
e-mail address), even when the request line is malformed and has spaces in its
query; e-mail addresses, API tokens (``lcs_...``) and webhook secrets
(``whsec_...``) are masked anywhere in a line. Redacting at the formatter, not
at each call site, covers loggers we do not own (werkzeug, gunicorn).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO

HUMAN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

#: A request target with a query: everything from ``?`` up to the protocol
#: version, a closing quote or the end of the line (a malformed request line
#: may carry spaces inside its query).
_QUERY = re.compile(r"(?P<path>/[^\s?\"']*)\?[^\"'\n]*?(?=\sHTTP/\d|[\"']|$)", re.MULTILINE)
_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+")
_SECRET = re.compile(r"\b(lcs|whsec)_[A-Za-z0-9+/=_-]+")
#: A phone number in international form, typed or URL-encoded in a path
#: (``+371 2000 0001``, ``%2B37120000001``): seven or more characters of digits
#: and the separators people type; a time zone offset (``+0000``) is shorter.
_PHONE = re.compile(r"(?:\+|%2[Bb])\d[\d ().-]{5,}\d")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def redact(text: str) -> str:
    """``text`` without query strings, e-mail addresses, phone numbers, tokens
    and secrets."""
    text = _QUERY.sub(r"\g<path>?<redacted>", text)
    text = _SECRET.sub(r"\1_<redacted>", text)
    text = _PHONE.sub("<phone>", text)
    return _EMAIL.sub("<e-mail>", text)


class RedactingFormatter(logging.Formatter):
    """The human format, redacted (and without the colour codes werkzeug adds)."""

    def __init__(self) -> None:
        super().__init__(HUMAN_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        return redact(_ANSI.sub("", super().format(record)))


class JsonFormatter(logging.Formatter):
    """One JSON object a line (``time``, ``level``, ``logger``, ``message``, and
    ``exception`` when there is one), redacted like the human lines."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(_ANSI.sub("", record.getMessage())),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def formatter(kind: str) -> logging.Formatter:
    """The formatter for ``CRM_LOG_FORMAT`` value ``kind`` (``human`` or ``json``)."""
    return JsonFormatter() if kind == "json" else RedactingFormatter()


def configure(kind: str, level: int = logging.WARNING, stream: IO[str] | None = None) -> None:
    """Send every logger's lines to ``stream`` (stderr) in format ``kind``, at
    ``level``; replaces whatever handlers the root logger had."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(kind))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


def reformat(logger: logging.Logger, kind: str) -> None:
    """Give ``logger``'s own handlers (gunicorn's) the service's format."""
    for handler in logger.handlers:
        handler.setFormatter(formatter(kind))
