"""Access logs that keep the path and drop the query string, for every way the
web service runs: ``crm-sync serve`` and the demo (werkzeug's server) and
gunicorn (the Procfile loads this module as its configuration).

A query string can carry what must never reach a log: a token a client put in
the URL (``?access_token=lcs_...``), a searched e-mail address (``?q=...``).
The path is enough to read a log; the query is not logged at any verbosity.
"""

from __future__ import annotations

import re

from werkzeug.serving import WSGIRequestHandler

#: gunicorn's default format with the request target cut to its path (``%(U)s``
#: is the path without the query) and the referer left out: it is the URL of
#: the previous page, query string included.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "-" "%(a)s"'

_QUERY = re.compile(r"\?\S*")


def without_query(target: str) -> str:
    """A request target or request line with every query string removed."""
    return _QUERY.sub("", target)


class PathOnlyRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, logging each request without its query."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        full_path = getattr(self, "path", None)
        full_line = getattr(self, "requestline", "")
        if full_path is not None:
            self.path = without_query(full_path)
        self.requestline = without_query(full_line)
        try:
            super().log_request(code, size)
        finally:
            if full_path is not None:
                self.path = full_path
            self.requestline = full_line
