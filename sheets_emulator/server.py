"""The HTTP server: dispatch, auth, admin endpoints (URLs are matched in
:mod:`.routing`, bodies read and written by :mod:`.wire`).

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

from . import batch_update, drive_api, fieldmask, sheets_api, values_api
from .admin import MAX_HOLD, Controls
from .channels import Channels, push_state
from .errors import ApiError, bad_request, not_found
from .model import Store
from .persistence import load_seed, load_state, save_state
from .routing import SELF_MASKED, parse_params, route
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
        self,
        endpoint: str,
        args: dict[str, str],
        params: dict[str, Any],
        body: bytes,
        content_type: str,
    ) -> tuple[int, Any, str]:
        """Run one API call; returns (status, payload, content type), then tells
        the file's push channels about the change (outside the store lock)."""
        if endpoint == "drive.files.watch":
            with self.store.lock:
                if args["id"] not in self.store.spreadsheets:
                    raise drive_api.not_found(args["id"])
            return 200, self.channels.watch(args["id"], parse_json(body) if body else None), "json"
        if endpoint == "drive.channels.stop":
            self.channels.stop(parse_json(body) if body else None)
            return 204, None, "json"
        result = self._handle(endpoint, args, params, body)
        update_body = parse_json(body) if endpoint == "drive.files.update" and body else None
        change = push_state(endpoint, update_body)
        if change is not None and "id" in args:
            self.channels.notify(args["id"], *change)
        return result

    def _handle(
        self, endpoint: str, args: dict[str, str], params: dict[str, Any], body: bytes
    ) -> tuple[int, Any, str]:
        store = self.store
        json_body = None
        if endpoint not in ("drive.files.import",) and body:
            json_body = parse_json(body)
        with store.lock:
            ss = None
            if "id" in args and endpoint.startswith(("values.", "spreadsheets.")):
                ss = store.get(args["id"])
            if endpoint == "spreadsheets.get":
                return 200, sheets_api.get(ss, params), "json"
            if endpoint == "spreadsheets.batchUpdate":
                out = batch_update.batch_update(ss, json_body)
                self._dirty.set()
                return 200, out, "json"
            if endpoint == "values.get":
                return 200, values_api.get(ss, args["range"], params), "json"
            if endpoint == "values.batchGet":
                return 200, values_api.batch_get(ss, params), "json"
            if endpoint.startswith("values."):
                self._dirty.set()
                if endpoint == "values.update":
                    return 200, values_api.update(ss, args["range"], json_body, params), "json"
                if endpoint == "values.append":
                    return 200, values_api.append(ss, args["range"], json_body, params), "json"
                if endpoint == "values.clear":
                    return 200, values_api.clear(ss, args["range"]), "json"
                if endpoint == "values.batchUpdate":
                    return 200, values_api.batch_update(ss, json_body, params), "json"
                if endpoint == "values.batchClear":
                    return 200, values_api.batch_clear(ss, json_body), "json"
            if endpoint == "drive.files.create":
                self._dirty.set()
                return 200, drive_api.create(store, json_body, params), "json"
            if endpoint == "drive.files.list":
                return 200, drive_api.list_files(store, params), "json"
            if endpoint == "drive.files.get":
                return 200, drive_api.get(store, args["id"], params), "json"
            if endpoint == "drive.files.delete":
                drive_api.delete(store, args["id"])
                self._dirty.set()
                return 204, None, "json"
            if endpoint == "drive.files.copy":
                self._dirty.set()
                return 200, drive_api.copy_file(store, args["id"], json_body, params), "json"
            if endpoint == "drive.files.update":
                ss = store.spreadsheets.get(args["id"])
                if ss is None:
                    raise drive_api.not_found(args["id"])
                if isinstance(json_body, dict) and json_body.get("name"):
                    ss.properties["title"] = str(json_body["name"])
                    ss.touch()
                    self._dirty.set()
                if isinstance(json_body, dict) and isinstance(json_body.get("trashed"), bool):
                    ss.trashed = json_body["trashed"]
                    ss.touch()
                return 200, drive_api.get(store, args["id"], params), "json"
            if endpoint == "drive.files.import":
                self._dirty.set()
                return 200, drive_api.import_csv(store, args["id"], body, params), "json"
            if endpoint == "drive.comments.list":
                if args["id"] not in store.spreadsheets:
                    raise drive_api.not_found(args["id"])
                return 200, {"comments": []}, "json"
        raise not_found()

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
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                total += size
                if total > MAX_BODY:
                    self.close_connection = True
                    raise payload_too_large()
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        if not length:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise bad_request("Invalid Content-Length") from None
        if n < 0:
            raise bad_request("Invalid Content-Length")
        if n > MAX_BODY:
            self.close_connection = True  # the unread body cannot be skipped safely
            raise payload_too_large()
        return self.rfile.read(n)

    def _send(self, status: int, payload: Any, kind: str = "json") -> None:
        if status == 204:
            raw = b""
        elif kind == "json":
            raw = json_bytes(payload)
        else:
            raw = str(payload).encode("utf-8")
        self.send_response(status)
        if status != 204:
            ctype = (
                "application/json; charset=UTF-8" if kind == "json" else f"{kind}; charset=UTF-8"
            )
            self.send_header("Content-Type", ctype)
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
            status, payload, kind = emu.handle(
                endpoint, args, params, body, self.headers.get("Content-Type", "")
            )
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
            if params.get("fields") and kind == "json" and endpoint not in SELF_MASKED:
                payload = fieldmask.apply(payload, fieldmask.parse(params["fields"]))
        except ApiError as exc:
            self._error(exc)
            return
        except Exception:  # a bug: log it, answer in Google's shape
            log.exception("emulator error on %s %s", self.command, self.path)
            self._error(ApiError(500, "Internal error encountered.", "INTERNAL"))
            return
        self._send(status, payload, kind)

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
