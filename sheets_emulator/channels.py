"""Drive push notifications: ``files.watch``, ``channels.stop`` and the POSTs.

As Drive does (https://developers.google.com/drive/api/guides/push):

- ``POST /drive/v3/files/{fileId}/watch`` with a Channel body (``id``, ``type``
  ``web_hook``, ``address``, optional ``token``, ``expiration`` in ms since the
  epoch) answers an ``api#channel`` with ``resourceId``, ``resourceUri`` and the
  actual ``expiration`` (the default is one hour, the most is one day);
- ``POST /drive/v3/channels/stop`` with ``id`` and ``resourceId`` answers 204;
- a new channel first gets a ``sync`` message; then each change to the file is
  a POST to the channel's address with the ``X-Goog-Channel-ID``,
  ``X-Goog-Channel-Token``, ``X-Goog-Channel-Expiration``, ``X-Goog-Resource-ID``,
  ``X-Goog-Resource-URI``, ``X-Goog-Resource-State`` (``sync``, ``update``,
  ``trash``, ``untrash``, ``remove``), ``X-Goog-Changed`` and
  ``X-Goog-Message-Number`` headers and no body;
- a channel past its expiration sends nothing more;
- a 5xx answer is retried with exponential backoff, anything else is final.

Google requires an HTTPS address; the emulator also accepts ``http://`` to a
loopback host, so tests and the demo can receive on this machine. Notifications
are sent by one background thread, after the change is answered, never under the
store lock. ``drop`` mode (the admin API) loses every notification, so a service's
fallback can be tested.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any
from urllib.parse import urlsplit

from .errors import ApiError, bad_request

log = logging.getLogger(__name__)

DEFAULT_TTL_MS = 3600 * 1000
MAX_TTL_MS = 86400 * 1000
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
RETRY_DELAYS = (0.2, 0.5, 1.0)


@dataclass
class Channel:
    id: str
    file_id: str
    resource_id: str
    address: str
    token: str | None
    expiration_ms: int
    message_number: int = 0

    @property
    def resource_uri(self) -> str:
        return f"https://www.googleapis.com/drive/v3/files/{self.file_id}?alt=json"

    def resource(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "api#channel",
            "id": self.id,
            "resourceId": self.resource_id,
            "resourceUri": self.resource_uri,
            "expiration": str(self.expiration_ms),
        }
        if self.token is not None:
            out["token"] = self.token
        return out


def _now_ms() -> int:
    return int(time.time() * 1000)


def _address(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise bad_request("Required parameter: address")
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname:
        return value
    if parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS:
        return value
    raise bad_request(f"WebHook callback must be HTTPS: {value}")


class Channels:
    """The emulator's notification channels and the thread that delivers them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, Channel] = {}
        self._resource_ids: dict[str, str] = {}  # file id -> opaque resource id
        self._queue: queue.Queue[tuple[Channel, str, str | None, int, bool]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self.drop = False
        self.delivered = 0
        self.dropped = 0
        self.failed = 0

    # -- API ------------------------------------------------------------------
    def watch(self, file_id: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise bad_request("Invalid JSON payload received. Expected an object.")
        channel_id = body.get("id")
        if not isinstance(channel_id, str) or not channel_id or len(channel_id) > 64:
            raise bad_request("Required parameter: id (at most 64 characters)")
        if body.get("type") not in ("web_hook", "webhook"):
            raise bad_request(f"Invalid value for type: {body.get('type')!r} (use web_hook)")
        address = _address(body.get("address"))
        token = body.get("token")
        if token is not None and (not isinstance(token, str) or len(token) > 256):
            raise bad_request("token must be a string of at most 256 characters")
        now = _now_ms()
        expiration = now + DEFAULT_TTL_MS
        if body.get("expiration") not in (None, ""):
            try:
                expiration = int(body["expiration"])
            except (TypeError, ValueError):
                raise bad_request("Invalid value for expiration (milliseconds)") from None
            if expiration <= now:
                raise bad_request("Expiration time is in the past.")
        expiration = min(expiration, now + MAX_TTL_MS)
        with self._lock:
            if channel_id in self._by_id and not self._expired(self._by_id[channel_id], now):
                raise ApiError(400, f"Channel id {channel_id} not unique", "INVALID_ARGUMENT")
            resource_id = self._resource_ids.setdefault(file_id, secrets.token_urlsafe(18))
            channel = Channel(channel_id, file_id, resource_id, address, token, expiration)
            self._by_id[channel_id] = channel
        self._send(channel, "sync", None)
        return channel.resource()

    def stop(self, body: Any) -> None:
        if not isinstance(body, dict) or not body.get("id") or not body.get("resourceId"):
            raise bad_request("Required parameters: id and resourceId")
        with self._lock:
            channel = self._by_id.get(str(body["id"]))
            if channel is None or channel.resource_id != body["resourceId"]:
                raise ApiError(404, f"Channel '{body['id']}' not found for project", "NOT_FOUND")
            del self._by_id[channel.id]

    def notify(self, file_id: str, state: str, changed: str | None = None) -> int:
        """Queue ``state`` for every live channel on ``file_id``; returns how many."""
        now = _now_ms()
        with self._lock:
            live = [
                c
                for c in self._by_id.values()
                if c.file_id == file_id and not self._expired(c, now)
            ]
            if state == "remove":  # a deleted file has nothing left to watch
                for c in [c for c in self._by_id.values() if c.file_id == file_id]:
                    del self._by_id[c.id]
        for channel in live:
            self._send(channel, state, changed, last=state == "remove")
        return len(live)

    def status(self) -> dict[str, Any]:
        now = _now_ms()
        with self._lock:
            live = sum(1 for c in self._by_id.values() if not self._expired(c, now))
            return {
                "drop": self.drop,
                "channels": live,
                "delivered": self.delivered,
                "dropped": self.dropped,
                "failed": self.failed,
            }

    def configure(self, spec: Any) -> dict[str, Any]:
        if not isinstance(spec, dict) or set(spec) - {"drop"}:
            raise bad_request('notification settings must be {"drop": true|false}')
        if "drop" in spec:
            self.drop = bool(spec["drop"])
        return self.status()

    def reset(self) -> None:
        with self._lock:
            self._by_id.clear()
            self.drop = False
            self.delivered = self.dropped = self.failed = 0

    # -- delivery -------------------------------------------------------------
    @staticmethod
    def _expired(channel: Channel, now_ms: int) -> bool:
        return channel.expiration_ms <= now_ms

    def _send(self, channel: Channel, state: str, changed: str | None, last: bool = False) -> None:
        """Queue one message; ``last`` is the message that ends the channel (sent
        even though the channel is already gone)."""
        with self._lock:
            channel.message_number += 1
            number = channel.message_number
            if self.drop:
                self.dropped += 1
                return
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._deliver_forever, name="emulator-push", daemon=True
                )
                self._worker.start()
        self._queue.put((channel, state, changed, number, last))

    def _deliver_forever(self) -> None:
        while True:
            channel, state, changed, number, last = self._queue.get()
            ok = False
            for delay in (0.0, *RETRY_DELAYS):
                time.sleep(delay)
                if not last and not self._current(channel):
                    break  # stopped, expired or reset meanwhile: Drive sends no more
                status = self._post(channel, state, changed, number)
                if status is not None and status < 500:
                    ok = 200 <= status < 300 or status == 102
                    break
            with self._lock:
                if ok:
                    self.delivered += 1
                else:
                    self.failed += 1

    def _current(self, channel: Channel) -> bool:
        with self._lock:
            known = self._by_id.get(channel.id) is channel
        return known and not self._expired(channel, _now_ms())

    @staticmethod
    def _post(channel: Channel, state: str, changed: str | None, number: int) -> int | None:
        headers = {
            "X-Goog-Channel-ID": channel.id,
            "X-Goog-Channel-Expiration": formatdate(channel.expiration_ms / 1000, usegmt=True),
            "X-Goog-Resource-ID": channel.resource_id,
            "X-Goog-Resource-URI": channel.resource_uri,
            "X-Goog-Resource-State": state,
            "X-Goog-Message-Number": str(number),
            "Content-Length": "0",
        }
        if channel.token is not None:
            headers["X-Goog-Channel-Token"] = channel.token
        if changed:
            headers["X-Goog-Changed"] = changed
        req = urllib.request.Request(channel.address, data=b"", headers=headers, method="POST")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=10) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except (OSError, ValueError) as exc:
            log.debug("push to %s failed: %s", channel.address, exc)
            return None


#: Write endpoints and the push notification each sends: (state, X-Goog-Changed).
_PUSH_CONTENT = ("update", "content")


def push_state(endpoint: str, update_body: Any = None) -> tuple[str, str | None] | None:
    """What Drive tells a file's watchers after ``endpoint`` succeeded, if anything."""
    if endpoint == "drive.files.delete":
        return "remove", None
    if endpoint == "drive.files.update":
        if isinstance(update_body, dict) and isinstance(update_body.get("trashed"), bool):
            return ("trash" if update_body["trashed"] else "untrash"), None
        return "update", "properties"
    if endpoint.startswith("values.") and endpoint not in ("values.get", "values.batchGet"):
        return _PUSH_CONTENT
    if endpoint in ("spreadsheets.batchUpdate", "drive.files.import"):
        return _PUSH_CONTENT
    return None
