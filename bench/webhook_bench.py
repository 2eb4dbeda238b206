"""Webhook ingestion benchmark: signed valid leads through gunicorn (2 workers).

For SQLite and PostgreSQL: the maximum throughput of ``POST /webhooks/forms/lv``
(every request a new, signed, valid lead that is normalised, validated, stored
with its audit entry, delivery record and sync request) side by side with a bare
Flask endpoint returning 200 in the same server, then the webhook's latency at
half its maximum rate. Goal: >= 40% of the bare throughput, p99 < 50 ms at half
the maximum rate.

The server runs as a gunicorn subprocess; this process generates the load
(pre-built HTTP/1.1 requests on raw sockets over loopback, one connection per
request, as gunicorn's sync workers close after each response).

    python bench/webhook_bench.py [--seconds 8] [--clients 8]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import queue
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from integration.webhooks.signatures import standard_headers  # noqa: E402

PG_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "whsec_" + base64.b64encode(b"bench-secret-0123456789abcdefghij").decode()


def bench_app():  # type: ignore[no-untyped-def]
    """What gunicorn serves: the real app plus a bare endpoint for comparison."""
    from flask import Response

    from integration import create_app

    app = create_app()

    @app.post("/bench/bare")
    def bare() -> Response:
        return Response("ok", status=200)

    return app


# ------------------------------------------------------------------ server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url: str, instance: Path, threads: int = 1) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "CRM_CONFIG": str(ROOT / "partners.example.toml"),
            "CRM_INSTANCE_PATH": str(instance),
            "CRM_SECRET_KEY": "bench",
            "LV_WEBHOOK_SECRET": SECRET,
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(ROOT),
                "--log-level",
                "warning",
                "--backlog",
                "512",
                "bench.webhook_bench:bench_app()",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                status, _ = request(self.port, "GET", "/healthz", b"", {})
                if status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def request(port: int, method: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def raw_request(port: int, wire: bytes) -> int:
    """Send a pre-built HTTP/1.1 request and read the response until the server
    closes (gunicorn's sync workers close after each response). Much cheaper
    than http.client, so the load generator steals less CPU from the server."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(wire)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    head = b"".join(chunks)[:12]
    return int(head[9:12]) if head.startswith(b"HTTP/1.") else 0


def wire(path: str, body: bytes, headers: dict) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Connection: close",
        f"Content-Length: {len(body)}",
    ]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# -------------------------------------------------------------------- load


def lead_request(n: int) -> tuple[str, bytes, dict]:
    body = json.dumps(
        {
            "company_name": f"SIA Bench {n} {uuid.uuid4().hex[:6]}",
            "country": "LV",
            "sector": "ict",
            "email": f"lead{n}.{uuid.uuid4().hex[:8]}@bench.example.com",
            "contact_name": "Bench Contact",
            "phone": "+37126123456",
        }
    ).encode()
    headers = {
        **standard_headers(SECRET, f"msg_{uuid.uuid4().hex}", body),
        "Content-Type": "application/json",
    }
    return "/webhooks/forms/lv", body, headers


def bare_request(n: int) -> tuple[str, bytes, dict]:
    return "/bench/bare", b"{}", {"Content-Type": "application/json"}


@dataclass
class Result:
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_load(port: int, make, seconds: float, clients: int, rate: float | None = None) -> Result:  # type: ignore[no-untyped-def]
    """Closed loop with ``clients`` threads, or, with ``rate``, requests released
    at a fixed pace (latency measured from the scheduled send time, so queueing
    counts)."""
    prepared: queue.SimpleQueue = queue.SimpleQueue()
    expected = int((rate or 3000) * seconds * 1.2) + clients
    for n in range(expected):
        prepared.put(wire(*make(n)))
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = time.perf_counter()
    stop_at = start + seconds
    ticket = iter(range(10**9))

    def worker() -> None:
        nonlocal errors
        while True:
            if rate is not None:
                with lock:
                    k = next(ticket)
                due = start + k / rate
                if due >= stop_at:
                    return
                delay = due - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                t0 = due
            else:
                t0 = time.perf_counter()
                if t0 >= stop_at:
                    return
            try:
                prepared_wire = prepared.get_nowait()
            except queue.Empty:
                return
            try:
                status = raw_request(port, prepared_wire)
                ok = status in (200, 201)
            except OSError:
                ok = False
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors += 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return Result(len(latencies), time.perf_counter() - start, latencies, errors)


# -------------------------------------------------------------------- main


def sqlite_url(tmp: Path) -> str:
    return f"sqlite:///{tmp / 'bench.sqlite'}"


def postgres_url() -> str | None:
    from sqlalchemy import create_engine, text

    name = f"lefcrm_bench_{secrets.token_hex(4)}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL unavailable ({type(exc).__name__}); skipping it")
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def prepare(url: str) -> None:
    from integration.store import migrate
    from integration.store.db import Store

    store = Store(url)
    migrate.upgrade(store)
    store.dispose()


def count_leads(url: str) -> int:
    from sqlalchemy import func, select

    from integration.store.db import Store
    from integration.store.models import Lead

    store = Store(url)
    with store.session() as s:
        n = s.scalar(select(func.count()).select_from(Lead)) or 0
    store.dispose()
    return n


def _median(runs: list[Result], key) -> Result:  # type: ignore[no-untyped-def]
    return sorted(runs, key=key)[len(runs) // 2]


def bench_store(
    label: str, url: str, tmp: Path, seconds: float, clients: int, repeats: int, threads: int
) -> list[dict]:
    prepare(url)
    server = Server(url, tmp / f"instance-{label}", threads=threads)
    rows = []
    try:
        run_load(server.port, bare_request, 1.0, clients)  # warm up both workers
        run_load(server.port, lead_request, 1.0, clients)
        rps = lambda r: r.rps  # noqa: E731
        bare = _median(
            [run_load(server.port, bare_request, seconds, clients) for _ in range(repeats)], rps
        )
        hook = _median(
            [run_load(server.port, lead_request, seconds, clients) for _ in range(repeats)], rps
        )
        half = _median(
            [
                run_load(server.port, lead_request, seconds, clients, rate=hook.rps / 2)
                for _ in range(repeats)
            ],
            lambda r: r.pct(0.99),
        )
        for name, mode, r in (
            ("bare 200", f"max ({clients} clients)", bare),
            ("webhook lead", f"max ({clients} clients)", hook),
            ("webhook lead", f"half max ({hook.rps / 2:.0f}/s)", half),
        ):
            rows.append(
                {
                    "store": label,
                    "endpoint": name,
                    "mode": mode,
                    "rps": r.rps,
                    "p50": r.pct(0.50),
                    "p99": r.pct(0.99),
                    "errors": r.errors,
                    "requests": r.requests,
                }
            )
        rows.append(
            {
                "store": label,
                "share": hook.rps / bare.rps if bare.rps else 0,
                "p99_half": half.pct(0.99),
                "leads": count_leads(url),
            }
        )
    finally:
        server.stop()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3, help="median of this many runs")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    results: list[dict] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        common = (args.seconds, args.clients, args.repeats, args.threads)
        results += bench_store("SQLite", sqlite_url(tmp), tmp, *common)
        pg = postgres_url()
        if pg:
            try:
                results += bench_store("PostgreSQL", pg, tmp, *common)
            finally:
                drop_postgres(pg)
    table = [
        "| Store | Endpoint | Load | Requests/s | p50 ms | p99 ms | Errors |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    summary = [
        "| Store | Webhook / bare throughput (goal >= 40%) | p99 at half max (goal < 50 ms) "
        "| Leads stored |",
        "|---|---:|---:|---:|",
    ]
    for r in results:
        if "share" in r:
            share_ok = "met" if r["share"] >= 0.40 else "not met"
            p99_ok = "met" if r["p99_half"] < 50 else "not met"
            summary.append(
                f"| {r['store']} | {r['share']:.0%} ({share_ok}) | "
                f"{r['p99_half']:.1f} ms ({p99_ok}) | {r['leads']} |"
            )
        else:
            table.append(
                f"| {r['store']} | {r['endpoint']} | {r['mode']} | {r['rps']:.0f} | "
                f"{r['p50']:.1f} | {r['p99']:.1f} | {r['errors']} |"
            )
    cpu = os.cpu_count()
    load_after = os.getloadavg()[0]
    text = "\n".join(
        [
            "# Webhook ingestion benchmark",
            "",
            f"gunicorn, 2 workers x {args.threads} thread(s), {cpu} CPU cores shared with the "
            f"load generator (one process, {args.clients} threads, loopback); median of "
            f"{args.repeats} runs of {args.seconds:.0f} s; load average "
            f"{load_before:.1f} before, {load_after:.1f} after (the machine is shared). "
            "Every webhook request is a new signed valid lead (signature check, "
            "normalisation, validation, duplicate and tombstone look-ups, lead + audit + "
            "delivery record + sync request in one transaction).",
            "",
            *table,
            "",
            *summary,
            "",
            "Reading: a bare Flask endpoint costs about 0.3 ms of CPU per request here; a "
            "webhook lead about 2 ms in-process (8 SQL statements through the ORM in one "
            "durable transaction: tombstone and duplicate look-ups, id, lead, audit entry, "
            "sync request, delivery record), which bounds the throughput ratio near 10%. "
            "Reaching 40% would mean answering before storing (202, process later), giving "
            "up the synchronous 201-with-id / 422-with-errors contract.",
            "",
            "Reproduce: `python bench/webhook_bench.py` (options: `--seconds`, `--repeats`, "
            "`--clients`, `--threads`).",
            "",
        ]
    )
    print(text)
    out = ROOT / "bench" / "results" / "webhook_bench.md"
    out.write_text(text, encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
