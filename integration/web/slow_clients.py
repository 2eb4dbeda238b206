"""A bounded time for a request body, so slow clients cannot hold the web
process's threads.

Under gunicorn's threaded workers (the Procfile's line) a thread reads a
request's body as the application asks for it; a client that trickles a body a
byte every few seconds would keep that thread for as long as it likes, and a
few dozen such clients would leave none for anyone else. gunicorn already
bounds the wait for a request's headers; this middleware bounds the body: it
reads the whole body (at most :data:`MAX_CONTENT_LENGTH`) before the
application runs, and a body not complete within :data:`BODY_SECONDS` is
answered 408 and its connection closed. A buffering reverse proxy in front
(``docs/deployment.md``) takes the slow clients off the service entirely; this
is the service's own floor.

Only gunicorn hands the application its socket (``gunicorn.socket``); under
werkzeug's development server (a thread per connection) requests pass as they
are.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

from integration.web.services import MAX_CONTENT_LENGTH

#: Seconds a client has to send a whole request body.
BODY_SECONDS = 15.0

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the client
        sock.shutdown(socket.SHUT_RD)  # the waiting read returns at once, short


class BodyDeadline:
    """WSGI middleware: the request body, whole and in time, or a 408."""

    def __init__(self, app: WsgiApp, seconds: float = BODY_SECONDS) -> None:
        self.app = app
        self.seconds = seconds

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if sock is None or length <= 0 or length > MAX_CONTENT_LENGTH:
            return self.app(environ, start_response)  # no body, or refused as too large
        timer = threading.Timer(self.seconds, _cut, (sock,))
        timer.daemon = True
        timer.start()
        try:
            body = environ["wsgi.input"].read(length)
        except OSError:
            body = b""
        finally:
            timer.cancel()
        if len(body) < length:
            start_response(
                "408 Request Timeout",
                [("Content-Type", "text/plain; charset=utf-8"), ("Connection", "close")],
            )
            return [b"The request body did not arrive in time.\n"]
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)
