"""Drive push notifications from the emulator: files.watch, channels.stop and real
POSTs to the channel's address, in Google's shapes."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

DRIVE = "https://www.googleapis.com/drive/v3"


class Receiver:
    """A tiny HTTP server that keeps the headers of every POST it receives."""

    def __init__(self, status: int = 200) -> None:
        self.messages: queue.Queue[Message] = queue.Queue()
        self.status = status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                outer.messages.put(self.headers)  # case-insensitive, as HTTP headers are
                self.send_response(outer.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/drive"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def next(self, timeout: float = 10.0) -> Message:
        return self.messages.get(timeout=timeout)

    def none_within(self, seconds: float) -> bool:
        try:
            self.messages.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _watch(gc, file_id: str, body: dict) -> requests.Response:
    return gc.http_client.session.post(f"{DRIVE}/files/{file_id}/watch", json=body, timeout=10)


def test_watch_answers_a_channel_and_sends_sync_then_update(gc, sh, receiver) -> None:
    expiration = int(time.time() * 1000) + 600_000
    r = _watch(
        gc,
        sh.id,
        {
            "id": "chan-1",
            "type": "web_hook",
            "address": receiver.url,
            "token": "secret-token",
            "expiration": str(expiration),
        },
    )
    assert r.status_code == 200, r.text
    channel = r.json()
    assert channel["kind"] == "api#channel" and channel["id"] == "chan-1"
    assert channel["token"] == "secret-token"
    assert channel["expiration"] == str(expiration)
    assert channel["resourceUri"].startswith(f"{DRIVE}/files/{sh.id}")
    first = receiver.next()
    assert first["X-Goog-Resource-State"] == "sync"
    assert first["X-Goog-Message-Number"] == "1"
    assert first["X-Goog-Channel-ID"] == "chan-1"
    assert first["X-Goog-Channel-Token"] == "secret-token"
    assert first["X-Goog-Resource-ID"] == channel["resourceId"]
    assert first["X-Goog-Channel-Expiration"].endswith("GMT")

    sh.sheet1.update_acell("A1", "edited")
    update = receiver.next()
    assert update["X-Goog-Resource-State"] == "update"
    assert update["X-Goog-Changed"] == "content"
    assert int(update["X-Goog-Message-Number"]) > 1
    assert update["X-Goog-Resource-URI"] == channel["resourceUri"]


def test_stop_ends_the_channel(gc, sh, receiver) -> None:
    channel = _watch(gc, sh.id, {"id": "c2", "type": "web_hook", "address": receiver.url}).json()
    assert receiver.next()["X-Goog-Resource-State"] == "sync"
    wrong = gc.http_client.session.post(
        f"{DRIVE}/channels/stop", json={"id": "c2", "resourceId": "other"}, timeout=10
    )
    assert wrong.status_code == 404
    r = gc.http_client.session.post(
        f"{DRIVE}/channels/stop", json={"id": "c2", "resourceId": channel["resourceId"]}, timeout=10
    )
    assert r.status_code == 204
    sh.sheet1.update_acell("A1", "after stop")
    assert receiver.none_within(1.0)


def test_a_channel_expires(gc, sh, receiver) -> None:
    soon = int(time.time() * 1000) + 800
    _watch(gc, sh.id, {"id": "c3", "type": "web_hook", "address": receiver.url, "expiration": soon})
    assert receiver.next()["X-Goog-Resource-State"] == "sync"
    deadline = time.time() + 10
    while time.time() * 1000 <= soon + 50 and time.time() < deadline:
        time.sleep(0.05)
    sh.sheet1.update_acell("A1", "after expiry")
    assert receiver.none_within(1.0)


def test_watch_refuses_plain_http_to_another_host_and_duplicate_ids(gc, sh, receiver) -> None:
    r = _watch(gc, sh.id, {"id": "c4", "type": "web_hook", "address": "http://example.com/x"})
    assert r.status_code == 400 and "HTTPS" in r.text
    assert _watch(gc, sh.id, {"id": "c4", "type": "web_hook", "address": receiver.url}).ok
    again = _watch(gc, sh.id, {"id": "c4", "type": "web_hook", "address": receiver.url})
    assert again.status_code == 400 and "not unique" in again.text
    missing = _watch(gc, "nope", {"id": "c5", "type": "web_hook", "address": receiver.url})
    assert missing.status_code == 404


def test_expiration_is_capped_at_one_day(gc, sh, receiver) -> None:
    far = int(time.time() * 1000) + 7 * 86400_000
    channel = _watch(
        gc, sh.id, {"id": "c6", "type": "web_hook", "address": receiver.url, "expiration": far}
    ).json()
    assert int(channel["expiration"]) <= int(time.time() * 1000) + 86400_000


def test_trash_and_delete_are_told(gc, sh, receiver) -> None:
    _watch(gc, sh.id, {"id": "c7", "type": "web_hook", "address": receiver.url})
    assert receiver.next()["X-Goog-Resource-State"] == "sync"
    r = gc.http_client.session.patch(f"{DRIVE}/files/{sh.id}", json={"trashed": True}, timeout=10)
    assert r.ok
    assert receiver.next()["X-Goog-Resource-State"] == "trash"
    info = gc.http_client.session.get(
        f"{DRIVE}/files/{sh.id}", params={"fields": "trashed"}, timeout=10
    ).json()
    assert info == {"trashed": True}
    gc.del_spreadsheet(sh.id)
    assert receiver.next()["X-Goog-Resource-State"] == "remove"


def test_drop_mode_loses_notifications_and_counts_them(gc, sh, receiver, emulator) -> None:
    _watch(gc, sh.id, {"id": "c8", "type": "web_hook", "address": receiver.url})
    assert receiver.next()["X-Goog-Resource-State"] == "sync"
    emulator.drop_notifications(True)
    sh.sheet1.update_acell("A1", "lost")
    assert receiver.none_within(1.0)
    assert emulator.notifications()["dropped"] == 1
    emulator.drop_notifications(False)
    sh.sheet1.update_acell("A1", "seen")
    message = receiver.next()
    assert message["X-Goog-Resource-State"] == "update"
    assert message["X-Goog-Message-Number"] == "3"  # numbers keep counting past lost ones


def test_modified_time_moves_on_every_write(gc, sh) -> None:
    def modified() -> str:
        return gc.http_client.get_file_drive_metadata(sh.id)["modifiedTime"]

    seen = [modified()]
    for i in range(5):
        sh.sheet1.update_acell("A1", f"v{i}")
        seen.append(modified())
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
