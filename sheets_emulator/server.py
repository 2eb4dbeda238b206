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
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, Any, cast
from urllib.parse import unquote, urlsplit

from werkzeug.serving import DechunkedInput

from . import fieldmask, viewer
from .admin import MAX_HOLD, Controls, FaultAction
from .channels import Channels, push_state
from .endpoints import ENDPOINTS, Call
from .errors import ApiError, bad_request, not_found
from .model import Store
from .persistence import load_seed, load_state, save_state
from .routing import parse_params, route
from .viewer import VIEW_PATH
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


def _add_faults(emu: Emulator, spec: Any) -> dict[str, Any]:
    for one in spec if isinstance(spec, list) else [spec]:
        emu.controls.add_fault(one)
    return {"faults": len(emu.controls.faults)}


def _clear_faults(emu: Emulator, _: Any) -> dict[str, Any]:
    emu.controls.clear_faults()
    return {"faults": 0}


def _reset_stats(emu: Emulator, _: Any) -> dict[str, Any]:
    emu.controls.reset_stats()
    return emu.controls.stats_json()


def _reset(emu: Emulator, _: Any) -> dict[str, Any]:
    emu.reset()
    return {"reset": True}


def _save(emu: Emulator, _: Any) -> dict[str, Any]:
    emu.save()
    return {"saved": bool(emu.state_file)}


#: The admin API (documented in the package's docstring): (method, path after
#: ``/_emulator/``) -> the answer, from the emulator and the JSON body ({} if none).
ADMIN_CALLS: dict[tuple[str, str], Callable[[Emulator, Any], Any]] = {
    ("POST", "faults"): _add_faults,
    ("DELETE", "faults"): _clear_faults,
    ("GET", "faults"): lambda emu, _: {"faults": len(emu.controls.faults)},
    ("GET", "holds"): lambda emu, _: emu.controls.holds_json(),
    ("POST", "release"): lambda emu, _: {"released": emu.controls.release()},
    ("GET", "stats"): lambda emu, _: emu.controls.stats_json(),
    ("DELETE", "stats"): _reset_stats,
    ("POST", "reset"): _reset,
    ("GET", "quotas"): lambda emu, _: emu.controls.quota_json(),
    ("POST", "quotas"): lambda emu, spec: emu.controls.configure_quotas(spec),
    ("PUT", "quotas"): lambda emu, spec: emu.controls.configure_quotas(spec),
    ("GET", "notifications"): lambda emu, _: emu.channels.status(),
    ("POST", "notifications"): lambda emu, spec: emu.channels.configure(spec),
    ("PUT", "notifications"): lambda emu, spec: emu.channels.configure(spec),
    ("GET", "health"): lambda emu, _: {"ok": True, "spreadsheets": len(emu.store.spreadsheets)},
    ("POST", "save"): _save,
}


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
                body = DechunkedInput(cast(IO[bytes], self.rfile)).read(MAX_BODY + 1) or b""
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
        split = urlsplit(self.path)
        raw_path, query = split.path, split.query
        try:
            body = self._read_body()
        except ApiError as exc:
            self._error(exc)
            return
        if raw_path.startswith("/_emulator/"):
            self._admin(raw_path, body)
            return
        view = VIEW_PATH.match(raw_path) if self.command == "GET" else None
        if view is not None:
            self._view(unquote(view["id"]))
            return
        found = route(self.command, raw_path)
        if found is None:
            self._error(not_found(f"Method not found: {self.command} {unquote(raw_path)}"))
            return
        endpoint, args = found
        try:
            answer = self._call(endpoint, args, unquote(raw_path), query, body)
        except ApiError as exc:
            self._error(exc)
            return
        except Exception:  # a bug: log it, answer in Google's shape
            log.exception("emulator error on %s %s", self.command, self.path)
            self._error(ApiError(500, "Internal error encountered.", "INTERNAL"))
            return
        if answer is not None:
            self._send(*answer)

    def _call(
        self, endpoint: str, args: dict[str, str], path: str, query: str, body: bytes
    ) -> tuple[int, Any] | None:
        """One API call with its fault (if a rule matches) before or after it;
        None when a fault dropped the connection."""
        emu = self.emulator
        epoch = emu.controls.epoch
        user = emu.authenticate(self.headers.get("Authorization"))
        action = emu.controls.fault_for(self.command, path, endpoint)
        if action is not None and not action.after:
            if self._strike(action):
                return None
            if action.status:
                emu.controls.count(endpoint, epoch)
                raise ApiError(action.status, action.message)
        emu.controls.count(endpoint, epoch)
        emu.controls.check_quota(endpoint, user)
        params = parse_params(query)
        status, payload = emu.handle(endpoint, args, params, body)
        if action is not None and action.after:  # applied; now delay or lose the answer
            if self._strike(action):
                return None
            if action.status:
                raise ApiError(action.status, action.message)
        if params.get("fields") and not ENDPOINTS[endpoint].masks_fields:
            payload = fieldmask.apply(payload, fieldmask.parse(params["fields"]))
        return status, payload

    def _strike(self, action: FaultAction) -> bool:
        """Hold or delay as the fault says, then drop the connection if it says
        so (True: nothing more is to be sent)."""
        if action.hold:
            self.emulator.controls.hold(action.delay or MAX_HOLD)
        elif action.delay:
            time.sleep(action.delay)
        if action.drop:
            self._drop()
            return True
        return False

    def _drop(self) -> None:
        """Close the connection without an answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _view(self, spreadsheet_id: str) -> None:
        """The read-only page of a spreadsheet (:mod:`.viewer`); an emulator
        with a token shows it only to a request carrying that token."""
        try:
            if self.emulator.token is not None:
                self.emulator.authenticate(self.headers.get("Authorization"))
            raw = viewer.page(self.emulator, spreadsheet_id).encode("utf-8")
        except ApiError as exc:
            self._error(exc)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _admin(self, path: str, body: bytes) -> None:
        emu = self.emulator
        try:
            if emu.token is not None:  # a configured token guards the admin API too
                emu.authenticate(self.headers.get("Authorization"))
            answer = ADMIN_CALLS.get((self.command, path.removeprefix("/_emulator/")))
            if answer is None:
                raise not_found(f"Unknown admin endpoint: {self.command} {path}")
            self._send(200, answer(emu, parse_json(body) if body else {}))
        except ApiError as exc:
            self._error(exc)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _dispatch


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
