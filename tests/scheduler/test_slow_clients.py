"""Slow clients against the Procfile's web line: twenty connections trickling a
request body a byte a second hold no thread the probes need (``/healthz``
answers within 2 s throughout, on a single worker), and each of them is cut off
with a 408 once its body is later than the service allows."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import requests
from processes import free_port, start_procfile, stop
from scheduler_helpers import make_setup, wait_until

from integration.web.slow_clients import BODY_SECONDS

SLOW = 20
HEAD = (
    "POST /webhooks/forms/lv HTTP/1.1\r\nHost: crm\r\nContent-Type: application/json\r\n"
    "Content-Length: 4000\r\n\r\n"
)


def _trickle(port: int, answers: list[bytes], stop: threading.Event) -> None:
    """Send the head, then a byte a second until the server answers or closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(HEAD.encode())
        sock.settimeout(1.0)
        answer = b""
        while not stop.is_set():
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                try:
                    sock.sendall(b" ")
                except OSError:
                    break
                continue
            except OSError:
                break
            if not chunk:
                break
            answer += chunk
        answers.append(answer)


def test_twenty_slow_clients_leave_the_probes_answering(emulator, sqlite_url, tmp_path: Path):
    s = make_setup(emulator, sqlite_url, tmp_path)
    port = free_port()
    env = {**s.env(), "WEB_CONCURRENCY": "1", "PORT": str(port), "CRM_SECRET_KEY": "slow"}
    proc = start_procfile("web", env)
    web = f"http://127.0.0.1:{port}"
    answers: list[bytes] = []
    done = threading.Event()
    threads = [
        threading.Thread(target=_trickle, args=(port, answers, done), daemon=True)
        for _ in range(SLOW)
    ]
    try:
        wait_until(lambda: _up(web), timeout=60, what="the web process answering")
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(2)  # every slow client is connected and trickling
        slowest = 0.0
        while time.monotonic() - started < BODY_SECONDS - 2:
            asked = time.monotonic()
            assert requests.get(f"{web}/healthz", timeout=10).status_code == 200
            slowest = max(slowest, time.monotonic() - asked)
            time.sleep(0.5)
        assert slowest < 2.0, slowest
        for thread in threads:
            thread.join(timeout=BODY_SECONDS + 15)
        assert len(answers) == SLOW
        assert all(a.startswith(b"HTTP/1.1 408") for a in answers), {a[:40] for a in answers}
        assert time.monotonic() - started < BODY_SECONDS + 10
    finally:
        done.set()
        stop(proc, timeout=40)
    s.store.dispose()


def _up(web: str) -> bool:
    try:
        return requests.get(f"{web}/healthz", timeout=2).status_code == 200
    except requests.ConnectionError:
        return False
