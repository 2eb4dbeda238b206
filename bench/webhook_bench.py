"""Webhook ingestion benchmark: signed valid leads through gunicorn (2 workers).

For SQLite and PostgreSQL: the maximum throughput of ``POST /webhooks/forms/lv``
(every request a new, signed, valid lead that is normalised, validated, stored
with its audit entry, delivery record and sync request) side by side with a bare
Flask endpoint returning 200 in the same server, then the webhook's latency at
half its maximum rate. Goal: >= 40% of the bare throughput, p99 < 50 ms at half
the maximum rate.

All load comes from ``wrk`` (a C load generator, so the client takes little
of the CPU the server needs; a Python client on the same two cores capped the
bare endpoint and, at half the maximum rate, pushed the server into
saturation itself). Both endpoints get the same pre-signed requests (same
headers and body size, each with its own ``webhook-id`` and a fresh
timestamp), runs of the two alternate so a change of machine load hits both,
and the median of the repeats is reported. Server CPU per request (gunicorn
workers' user + system time over the run) is reported too: on a shared
machine it is steadier than requests per second. The half-rate run paces
each connection (``clients / rate`` between requests); wrk measures latency
from each send, so it does not count waiting behind a slow response.

Requires ``wrk`` (Debian/Ubuntu: ``apt-get install -y wrk``).

    python bench/webhook_bench.py [--seconds 8] [--clients 8] [--repeats 3]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# gunicorn imports this file as bench.webhook_bench, so its folder is not on the path
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from pg_databases import PG_ADMIN_URL  # noqa: E402
from processes import free_port  # noqa: E402
from run_info import RunInfo  # noqa: E402

from integration.webhooks.signatures import standard_headers  # noqa: E402

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
                "--threads",  # more than 1 selects gunicorn's gthread workers
                str(threads),
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

    def worker_cpu_seconds(self) -> float:
        """User + system CPU time of the gunicorn workers so far (Linux /proc;
        0.0 elsewhere). Read before and after a run: CPU per request."""
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
            for pid in children.split():
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, ValueError, IndexError):
            return 0.0
        return total

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


# -------------------------------------------------------------------- load


def lead_body(n: int) -> bytes:
    return json.dumps(
        {
            "company_name": f"SIA Bench {n} {uuid.uuid4().hex[:6]}",
            "country": "LV",
            "sector": "ict",
            "email": f"lead{n}.{uuid.uuid4().hex[:8]}@bench.example.com",
            "contact_name": "Bench Contact",
            "phone": "+37126123456",
        }
    ).encode()


def write_signed_requests(prefix: Path, per_thread: int, threads: int) -> None:
    """``threads`` files of ``per_thread`` distinct signed leads for the wrk script
    (tab-separated: webhook-id, webhook-timestamp, webhook-signature, body),
    timestamped now so they stay inside the 300 s window for the next run."""
    n = 0
    for t in range(threads):
        lines = []
        for _ in range(per_thread):
            body = lead_body(n)
            h = standard_headers(SECRET, f"msg_{uuid.uuid4().hex}", body)
            sig = h["webhook-signature"]
            lines.append(f"{h['webhook-id']}\t{h['webhook-timestamp']}\t{sig}\t{body.decode()}")
            n += 1
        Path(f"{prefix}.{t}").write_text("\n".join(lines) + "\n", encoding="utf-8")


WRK_SCRIPT = ROOT / "bench" / "webhook_bench.lua"


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        sys.exit(
            "webhook_bench needs the wrk load generator (a Python client on the same "
            "cores would cap the bare endpoint). Install it: apt-get install -y wrk "
            "(Debian/Ubuntu) or brew install wrk (macOS)."
        )
    return path


@dataclass
class WrkRun:
    endpoint: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    wrapped: int
    cpu_ms: float  # gunicorn workers' CPU per request

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def run_wrk(
    server: Server,
    path: str,
    tmp: Path,
    seconds: float,
    clients: int,
    threads: int,
    pause_ms: float | None = None,
) -> WrkRun:
    """One wrk run of ``seconds`` against ``path`` with fresh signed requests
    (enough that none repeats at up to 3,000 requests/s): closed loop, or with
    each connection pausing ``pause_ms`` before each request."""
    prefix = tmp / "wrk-requests"
    per_thread = int(3000 * seconds / threads) + clients
    write_signed_requests(prefix, per_thread, threads)
    cpu0 = server.worker_cpu_seconds()
    out = subprocess.run(
        [
            require_wrk(),
            f"-t{threads}",
            f"-c{clients}",
            f"-d{seconds:g}s",
            "--timeout",
            "30s",
            "-s",
            str(WRK_SCRIPT),
            f"http://127.0.0.1:{server.port}",
            "--",
            path,
            str(prefix),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **({"WRK_PAUSE_MS": f"{pause_ms:.0f}"} if pause_ms else {})},
    ).stdout
    cpu = server.worker_cpu_seconds() - cpu0
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    requests, micros, p50, p99, errors, wrapped, _status = (int(v) for v in line.split()[1:])
    return WrkRun(
        path,
        requests,
        micros / 1e6,
        p50 / 1000,
        p99 / 1000,
        errors,
        wrapped,
        cpu * 1000 / requests if requests else float("nan"),
    )


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


def _median(runs: list, key):  # type: ignore[no-untyped-def]
    return sorted(runs, key=key)[len(runs) // 2]


def bench_store(label: str, url: str, tmp: Path, args: argparse.Namespace) -> dict:
    prepare(url)
    server = Server(url, tmp / f"instance-{label}", threads=args.threads)
    go = lambda path, secs: run_wrk(  # noqa: E731
        server, path, tmp, secs, args.clients, args.wrk_threads
    )
    go_paced = lambda pause, secs: run_wrk(  # noqa: E731
        server, "/webhooks/forms/lv", tmp, secs, args.clients, args.wrk_threads, pause
    )
    p99 = lambda r: r.p99_ms  # noqa: E731
    try:
        load_before = os.getloadavg()[0]
        go("/bench/bare", 1.0)  # warm up both workers and both code paths
        go("/webhooks/forms/lv", 1.0)
        bares: list[WrkRun] = []
        hooks: list[WrkRun] = []
        for _ in range(args.repeats):  # interleaved, so load changes hit both
            bares.append(go("/bench/bare", args.seconds))
            hooks.append(go("/webhooks/forms/lv", args.seconds))
        if any(r.wrapped for r in hooks):
            print(f"warning: {label}: the webhook run reused signed requests (replays)")
        rps = lambda r: r.rps  # noqa: E731
        bare, hook = _median(bares, rps), _median(hooks, rps)
        ratios = [h.rps / b.rps for b, h in zip(bares, hooks, strict=True) if b.rps]
        # Pace to half the maximum: each connection's period is pause + latency,
        # so measure the latency at that pace first and take it off the pause.
        target = hook.rps / 2
        pause = args.clients / target * 1000
        probe = go_paced(pause, 2.0)
        latency = args.clients / probe.rps * 1000 - pause if probe.rps else 0.0
        pause = max(1.0, pause - max(0.0, latency))
        half = _median([go_paced(pause, args.seconds) for _ in range(args.repeats)], p99)
        load_after = os.getloadavg()[0]
    finally:
        server.stop()
    return {
        "store": label,
        "bare": bare,
        "hook": hook,
        "half": half,
        "ratio": statistics.median(ratios) if ratios else 0.0,
        "ratios": ratios,
        "cpu_bare": statistics.median(r.cpu_ms for r in bares),
        "cpu_hook": statistics.median(r.cpu_ms for r in hooks),
        "cpu_half": half.cpu_ms,
        "target": target,
        "leads": count_leads(url),
        "load": (load_before, load_after),
    }


#: Where a lead's time goes, measured in-process (Flask test client, per-function
#: wall-clock timers, 1,500 leads, no profiler) when the store path was last changed.
READING = """\
## Where the time goes (in-process, per lead)

| Part | SQLite ms | PostgreSQL ms |
|---|---:|---:|
| whole request (wall / CPU) | 2.0 / 1.15 | 2.4 / 1.24 |
| signature, body checks, JSON parse, response | 0.15 | 0.10 |
| normalise + validate (jsonschema) | 0.18 | 0.10 |
| store: BEGIN + look-ups + 3-4 inserts (incl. advisory lock on PostgreSQL) | 0.65 | 1.07 |
| store: delivery record + commit (fsync of PostgreSQL's WAL; SQLite WAL append) | 0.6 | 0.85 |
| bare endpoint, for comparison | 0.21 | 0.20 |

Before this round the same request cost 2.15 ms (SQLite) and 2.91 ms (PostgreSQL) of
worker CPU under load and reached 11% and 8% of the bare endpoint with this same wrk
generator (back-to-back runs, 6 s x 3): the ORM unit-of-work flushes cost several times
the SQL they ran. New leads are now written with prebuilt Core statements (one
`INSERT ... RETURNING` for the id; lead, audit entry and sync request in one statement on
PostgreSQL; tombstone and duplicate look-ups in one query), which took worker CPU to
1.36 / 1.48 ms and the ratio to 16% / 16% in those runs.

The 40% goal is not met and cannot be with a durable per-request transaction on this
machine: a bare Flask response costs the workers ~0.23 ms of CPU, so 40% leaves ~0.35 ms
for signature check, validation and a committed write; the store transaction alone
(BEGIN, 5-7 statements, commit) takes 1.2-1.9 ms in-process, about half of it the commit.
What could still move it: group commit (one writer per worker committing the leads of
several concurrent requests in one transaction, answering each 201 after that commit;
needs threaded workers), or answering 202 before storing, which the webhook contract
rules out. The p99-at-half-rate goal is met when the machine is not overloaded by
other work (see the load average column).\
"""


def render(results: list[dict], args: argparse.Namespace, run: RunInfo) -> str:
    table = [
        "| Store | Endpoint | Load | Requests/s | p50 ms | p99 ms | Server CPU ms/req | Errors |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    summary = [
        "| Store | Webhook / bare throughput (goal >= 40%) | Per-run ratios "
        "| p99 at half max (goal < 50 ms) | Leads stored | Load average (1 min) |",
        "|---|---:|---|---:|---:|---|",
    ]
    for r in results:
        bare, hook, half = r["bare"], r["hook"], r["half"]
        conc = f"max (wrk, {args.clients} connections)"
        table += [
            f"| {r['store']} | bare 200 | {conc} | {bare.rps:.0f} | {bare.p50_ms:.1f} | "
            f"{bare.p99_ms:.1f} | {r['cpu_bare']:.2f} | {bare.errors} |",
            f"| {r['store']} | webhook lead | {conc} | {hook.rps:.0f} | {hook.p50_ms:.1f} | "
            f"{hook.p99_ms:.1f} | {r['cpu_hook']:.2f} | {hook.errors} |",
            f"| {r['store']} | webhook lead | half max, paced (target {r['target']:.0f}/s) | "
            f"{half.rps:.0f} | {half.p50_ms:.1f} | {half.p99_ms:.1f} | {r['cpu_half']:.2f} | "
            f"{half.errors} |",
        ]
        share_ok = "met" if r["ratio"] >= 0.40 else "not met"
        p99_ok = "met" if half.p99_ms < 50 else "not met"
        summary.append(
            f"| {r['store']} | {r['ratio']:.0%} ({share_ok}) | "
            f"{', '.join(f'{x:.0%}' for x in r['ratios'])} | "
            f"{half.p99_ms:.1f} ms ({p99_ok}) | {r['leads']} | "
            f"{r['load'][0]:.1f} before, {r['load'][1]:.1f} after |"
        )
    return "\n".join(
        [
            "# Webhook ingestion benchmark",
            "",
            run.line(),
            "",
            f"gunicorn, 2 {'sync' if args.threads == 1 else 'gthread'} workers x "
            f"{args.threads} thread(s), {os.cpu_count()} CPU cores "
            f"shared with the load generator (wrk, {args.wrk_threads} thread(s), "
            f"{args.clients} connections, loopback) and with PostgreSQL; "
            f"{args.repeats} interleaved bare/webhook runs of {args.seconds:g} s each, median "
            "reported. Both endpoints get the same pre-signed requests; every webhook "
            "request is a new signed valid lead (signature check, normalisation, validation, "
            "duplicate and tombstone look-ups, lead + audit + delivery record + sync request "
            "in one durable transaction). Server CPU ms/req: gunicorn workers' user + system "
            "time over the run divided by the requests served (PostgreSQL's own CPU not "
            "included).",
            "",
            *table,
            "",
            *summary,
            "",
            *[
                f"{r['store']}: a webhook lead costs the workers {r['cpu_hook']:.2f} ms of CPU, "
                f"the bare endpoint {r['cpu_bare']:.2f} ms, so with the workers CPU-bound the "
                f"ratio cannot exceed {r['cpu_bare'] / r['cpu_hook']:.0%} on this machine."
                for r in results
                if r["cpu_hook"] > 0
            ],
            "",
            READING,
            "",
            "Reproduce: `python bench/webhook_bench.py` (needs `wrk`; options: `--seconds`, "
            "`--repeats`, `--clients`, `--wrk-threads`, `--threads`, `--stores`).",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=8, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="median of this many runs")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker")
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    require_wrk()
    stores = args.stores.split(",")
    results: list[dict] = []
    run = RunInfo.begin()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if "sqlite" in stores:
            results.append(bench_store("SQLite", sqlite_url(tmp), tmp, args))
        pg = postgres_url() if "postgresql" in stores else None
        if pg:
            try:
                results.append(bench_store("PostgreSQL", pg, tmp, args))
            finally:
                drop_postgres(pg)
    text = render(results, args, run.finish())
    print(text)
    if not args.no_write:
        out = ROOT / "bench" / "results" / "webhook_bench.md"
        out.write_text(text, encoding="utf-8")
        print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
