"""The HTTP server: auth, faults, admin endpoints; URLs are matched in
:mod:`.routing`, each endpoint is answered through its row of
:mod:`.endpoints`, bodies are read and written by :mod:`.wire` (chunked ones
decoded by werkzeug).

Built on the standard library's ``ThreadingHTTPServer`` speaking HTTP/1.1
with keep-alive and ``TCP_NODELAY`` (without it every call costs ~40 ms of
Nagle + delayed-ACK).  One store lock serialises access to spreadsheets.
Every failure is answered in Google's error shape; an unexpected exception is
logged and answered as a 500 in that shape, never as a traceback.
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.serving import DechunkedInput

from . import fieldmask
from .admin import MAX_HOLD, Controls
from .channels import Channels, push_state
from .endpoints import ENDPOINTS, Call
from .errors import ApiError, bad_request, not_found
from .model import Store
from .persistence import load_seed, load_state, save_state
from .routing import parse_params, route
from .wire import MAX_BODY, json_bytes, parse_json, payload_too_large

log = logging.getLogger(__name__)


class Emulator:
    """State and behaviour of one emulator instance (independent of HTTP)."""

    def __init__(
        self,
        *,
        token: str | None = None,
        quotas: bool = False,
        state_file: str | None = None,
        seed_dir: str | None = None,
    ) -> None:
        self.store = Store()
        self.controls = Controls(quotas=quotas)
        self.channels = Channels()
        self.token = token
        self.state_file = state_file
        self._dirty = threading.Event()
        if state_file and load_state(self.store, state_file):
            log.info("restored %d spreadsheets from %s", len(self.store.spreadsheets), state_file)
        elif seed_dir:
            load_seed(self.store, seed_dir)
        if state_file and seed_dir and not self.store.spreadsheets:
            load_seed(self.store, seed_dir)

    # -- auth ---------------------------------------------------------------
    def authenticate(self, header: str | None) -> str:
        if not header or not header.lower().startswith("bearer ") or not header[7:].strip():
            raise ApiError(
                401,
                "Request is missing required authentication credential. Expected OAuth 2 access "
                "token, login cookie or other valid authentication credential. See "
                "https://developers.google.com/identity/sign-in/web/devconsole-project.",
                "UNAUTHENTICATED",
            )
        given = header[7:].strip()
        if self.token is not None and not hmac.compare_digest(given.encode(), self.token.encode()):
            raise ApiError(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
                "UNAUTHENTICATED",
            )
        return given

    # -- dispatch -------------------------------------------------------------
    def handle(
        self, endpoint: str, args: dict[str, str], params: dict[str, Any], body: bytes
    ) -> tuple[int, Any]:
        """Run one API call through its row of :data:`.endpoints.ENDPOINTS`;
        returns (status, payload), then tells the file's push channels about the
        change (outside the store lock)."""
        spec = ENDPOINTS[endpoint]
        call = Call(
            self.store,
            self.channels,
            args,
            params,
            body,
            parse_json(body) if spec.json_body and body else None,
        )
        if spec.locked:
            with self.store.lock:
                payload = spec.answer(call)
        else:
            payload = spec.answer(call)
        if spec.writes:
            self._dirty.set()
        change = push_state(endpoint, call.json)
        if change is not None and "id" in args:
            self.channels.notify(args["id"], *change)
        return spec.status, payload

    # -- admin ----------------------------------------------------------------
    def reset(self) -> None:
        with self.store.lock:
            self.store.clear()
        self.controls.reset()
        self.channels.reset()
        self._dirty.set()

    def save(self) -> None:
        """Save now, changed or not: at exit and on the admin API's request."""
        self._dirty.set()
        self.save_if_dirty()

    def save_if_dirty(self) -> None:
        """Save when something changed; a failed save keeps the state marked
        changed (so the next attempt, or the one at exit, writes it) and raises."""
        if self.state_file and self._dirty.is_set():
            self._dirty.clear()
            try:
                save_state(self.store, self.state_file)
            except BaseException:
                self._dirty.set()
                raise


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "SheetsEmulator/1.0"
    emulator: Emulator  # set on the subclass RunningEmulator builds

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def _read_body(self) -> bytes:
        """The request body, at most :data:`.wire.MAX_BODY` bytes; a chunked body
        is decoded by werkzeug's reader. A body that is refused is not read to
        its end, so the connection closes after the answer."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            try:
                body = DechunkedInput(self.rfile).read(MAX_BODY + 1) or b""
            except OSError:
                self.close_connection = True
                raise bad_request("Invalid chunked request body") from None
            if len(body) > MAX_BODY:
                self.close_connection = True
                raise payload_too_large()
            return body
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise bad_request("Invalid Content-Length") from None
        if n < 0:
            raise bad_request("Invalid Content-Length")
        if n > MAX_BODY:
            self.close_connection = True
            raise payload_too_large()
        return self.rfile.read(n)

    def _send(self, status: int, payload: Any) -> None:
        raw = b"" if status == 204 else json_bytes(payload)
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Vary", "Origin, X-Origin, Referer")
        self.end_headers()
        if raw:
            self.wfile.write(raw)

    def _error(self, exc: ApiError) -> None:
        self._send(exc.code, exc.body())

    def _dispatch(self) -> None:
        emu = self.emulator
        split = urlsplit(self.path)
        raw_path, query = split.path, split.query
        try:
            body = self._read_body()
        except ApiError as exc:
            self._error(exc)
            return
        if raw_path.startswith("/_emulator/"):
            self._admin(raw_path, body, parse_params(query))
            return
        found = route(self.command, raw_path)
        if found is None:
            self._error(not_found(f"Method not found: {self.command} {unquote(raw_path)}"))
            return
        endpoint, args = found
        epoch = emu.controls.epoch
        try:
            user = emu.authenticate(self.headers.get("Authorization"))
            action = emu.controls.fault_for(self.command, unquote(raw_path), endpoint)
            if action is not None:
                if action.hold and not action.after:
                    emu.controls.hold(action.delay or MAX_HOLD)
                elif action.delay and not action.after:
                    time.sleep(action.delay)
                if action.drop and not action.after:
                    self._drop()
                    return
                if action.status and not action.after:
                    emu.controls.count(endpoint, epoch)
                    raise ApiError(action.status, action.message)
            emu.controls.count(endpoint, epoch)
            emu.controls.check_quota(endpoint, user)
            params = parse_params(query)
            status, payload = emu.handle(endpoint, args, params, body)
            if action is not None and action.after:  # applied; now delay or lose the answer
                if action.hold:
                    emu.controls.hold(action.delay or MAX_HOLD)
                elif action.delay:
                    time.sleep(action.delay)
                if action.drop:
                    self._drop()
                    return
                if action.status:
                    raise ApiError(action.status, action.message)
            if params.get("fields") and not ENDPOINTS[endpoint].masks_fields:
                payload = fieldmask.apply(payload, fieldmask.parse(params["fields"]))
        except ApiError as exc:
            self._error(exc)
            return
        except Exception:  # a bug: log it, answer in Google's shape
            log.exception("emulator error on %s %s", self.command, self.path)
            self._error(ApiError(500, "Internal error encountered.", "INTERNAL"))
            return
        self._send(status, payload)

    def _drop(self) -> None:
        """Close the connection without an answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _admin(self, path: str, body: bytes, params: dict[str, Any]) -> None:
        emu = self.emulator
        try:
            if emu.token is not None:  # a configured token guards the admin API too
                emu.authenticate(self.headers.get("Authorization"))
            if path == "/_emulator/faults":
                if self.command == "POST":
                    spec = parse_json(body) if body else {}
                    specs = spec if isinstance(spec, list) else [spec]
                    for s in specs:
                        emu.controls.add_fault(s)
                    self._send(200, {"faults": len(emu.controls.faults)})
                    return
                if self.command == "DELETE":
                    emu.controls.clear_faults()
                    self._send(200, {"faults": 0})
                    return
                if self.command == "GET":
                    self._send(200, {"faults": len(emu.controls.faults)})
                    return
            elif path == "/_emulator/holds" and self.command == "GET":
                self._send(200, emu.controls.holds_json())
                return
            elif path == "/_emulator/release" and self.command == "POST":
                self._send(200, {"released": emu.controls.release()})
                return
            elif path == "/_emulator/stats":
                if self.command == "GET":
                    self._send(200, emu.controls.stats_json())
                    return
                if self.command == "DELETE":
                    emu.controls.reset_stats()
                    self._send(200, emu.controls.stats_json())
                    return
            elif path == "/_emulator/reset" and self.command == "POST":
                emu.reset()
                self._send(200, {"reset": True})
                return
            elif path == "/_emulator/quotas":
                if self.command == "GET":
                    self._send(200, emu.controls.quota_json())
                    return
                if self.command in ("POST", "PUT"):
                    self._send(200, emu.controls.configure_quotas(parse_json(body) if body else {}))
                    return
            elif path == "/_emulator/notifications":
                if self.command in ("POST", "PUT"):
                    spec = parse_json(body) if body else {}
                    self._send(200, emu.channels.configure(spec))
                    return
                if self.command == "GET":
                    self._send(200, emu.channels.status())
                    return
            elif path == "/_emulator/health" and self.command == "GET":
                self._send(200, {"ok": True, "spreadsheets": len(emu.store.spreadsheets)})
                return
            elif path == "/_emulator/save" and self.command == "POST":
                emu.save()
                self._send(200, {"saved": bool(emu.state_file)})
                return
            raise not_found(f"Unknown admin endpoint: {self.command} {path}")
        except ApiError as exc:
            self._error(exc)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
