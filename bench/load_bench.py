"""Load: the webhook endpoint and the API at 10x the expected peak while a nightly
sync of 10,000-row tabs runs against the emulator.

    python bench/load_bench.py [--rate 50] [--seconds 60] [--rows 10000]

The expected peak is 5 form submissions a second for the three chambers
together; the default rate is ten times that, open loop (requests are sent on a
fixed schedule whether or not earlier ones have answered, and each latency is
measured from its scheduled time, so a stalled server cannot hide its queue).
Three processes on 127.0.0.1: the web app under gunicorn, the load generator
(threads), and the sync; the Sheets emulator runs in this process. Store:
a throw-away PostgreSQL database. Passes when there are 0 server errors, the
p99 latency is under 500 ms and every sync completes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

from emulator_fixtures import create_spreadsheet, run_emulator  # noqa: E402
from fault_scenarios import TEST_ENVIRON  # noqa: E402
from pg_databases import PG_ADMIN_URL, temporary_pg_database  # noqa: E402
from processes import free_port, wait_for_http  # noqa: E402
from run_info import RunInfo  # noqa: E402
from seeding import stored_lead  # noqa: E402

from integration.auth import create_token  # noqa: E402
from integration.config import load_config  # noqa: E402
from integration.store.db import Store  # noqa: E402
from integration.store.setup import sync_partner_rows  # noqa: E402

RUNNER = ROOT / "tests" / "reliability" / "sync_runner.py"

# The load generator, run as its own process: python -c LOAD_CLIENT <json args>
LOAD_CLIENT = r"""
import json, sys, time, uuid, threading, random
from concurrent.futures import ThreadPoolExecutor
import requests
from integration.webhooks.signatures import standard_headers
args = json.loads(sys.argv[1])
base, rate, seconds = args["base"], args["rate"], args["seconds"]
rng = random.Random(7)
local = threading.local()
def session():
    if not hasattr(local, "s"):
        local.s = requests.Session(); local.s.trust_env = False
    return local.s
auth = {"Authorization": "Bearer " + args["token"]}
lead_ids = args["lead_ids"]
def one(i, scheduled):
    kind = ("webhook", "webhook", "webhook", "api_list", "api_get", "api_patch")[i % 6]
    partner = ("lv", "ee", "fi")[i % 3]
    try:
        if kind == "webhook":
            n = uuid.uuid4().hex[:10]
            lead = {"company_name": f"Load {n}", "country": partner.upper(), "sector": "ict",
                    "email": f"{n}@load.example", "contact_name": "Load Test"}
            body = json.dumps(lead).encode()
            h = standard_headers(args["secrets"][partner], "msg_" + n, body)
            h["Content-Type"] = "application/json"
            url = f"{base}/webhooks/forms/{partner}"
            r = session().post(url, data=body, headers=h, timeout=10)
        elif kind == "api_list":
            url = f"{base}/api/v1/leads?limit=50&partner={partner}"
            r = session().get(url, headers=auth, timeout=10)
        elif kind == "api_get":
            url = f"{base}/api/v1/leads/{lead_ids[i % len(lead_ids)]}"
            r = session().get(url, headers=auth, timeout=10)
        else:
            r = session().patch(f"{base}/api/v1/leads/{lead_ids[i % len(lead_ids)]}",
                json={"notes": f"load {i}"}, headers=auth, timeout=10)
        status = r.status_code
    except Exception as exc:
        status = "error:" + type(exc).__name__
    return kind, status, time.perf_counter() - scheduled, scheduled - offset
results = []
total = int(rate * seconds)
offset = time.perf_counter() - time.time()  # scheduled times reported as wall-clock
with ThreadPoolExecutor(max_workers=64) as pool:
    t0 = time.perf_counter() + 0.5
    futures = []
    for i in range(total):
        at = t0 + i / rate
        delay = at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        futures.append(pool.submit(one, i, at))
    for f in futures:
        results.append(f.result())
print(json.dumps(results))
"""


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[k]


def sheet_rows(partner: str, n: int) -> list[list[Any]]:
    header = {
        "lv": ["Uzņēmums", "Valsts", "Nozare", "Kontaktpersona", "E-pasts", "Piezīmes"],
        "ee": ["Ettevõte", "Riik", "Valdkond", "Kontaktisik", "E-post", "Märkused"],
    }[partner]
    country = partner.upper()
    rows = [header]
    for i in range(n):
        rows.append(
            [
                f"Firm {partner}{i:05d}",
                country,
                "IKT",
                f"Person {i}",
                f"p{i}@{partner}firm.example",
                "" if i % 3 else f"note {i}",
            ]
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rows", type=int, default=10000, help="rows per partner tab")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "load_bench.md"))
    args = parser.parse_args()
    run = RunInfo.begin()
    env_base = {**os.environ, **TEST_ENVIRON, "PYTHONPATH": str(ROOT)}
    with run_emulator(quiet=True) as emu, temporary_pg_database(PG_ADMIN_URL) as url:
        config = load_config(ROOT / "partners.example.toml", environ=dict(TEST_ENVIRON))
        store = Store(url)
        sync_partner_rows(store, config)
        gc = emu.client(timeout=120)
        t = time.monotonic()
        sheets = {
            p: create_spreadsheet(
                gc,
                f"{p} CRM",
                {"Leads": sheet_rows(p, args.rows), "Agreements": [["Seller", "Buyer"]]},
            )
            for p in ("lv", "ee")
        }
        print(f"sheets of {args.rows} rows ready in {time.monotonic() - t:.1f} s", file=sys.stderr)
        with store.session() as s:
            _, token = create_token(s, "load", partner=None)
            lead_ids = []
            for i in range(30):
                lead = stored_lead(
                    s,
                    {
                        "partner": ("lv", "ee", "fi")[i % 3],
                        "company_name": f"Seed firm {i}",
                        "country": ("LV", "EE", "FI")[i % 3],
                        "sector": "ict",
                    },
                    source="api",
                )
                s.flush()
                lead_ids.append(lead.id)
        store.dispose()

        port = free_port()
        web_env = {
            **env_base,
            "DATABASE_URL": url,
            "CRM_CONFIG": str(ROOT / "partners.example.toml"),
            "CRM_INSTANCE_PATH": "/tmp/lef-load-instance",
        }
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--log-level",
                "warning",
                "integration:create_app()",
            ],
            cwd=str(ROOT),
            env=web_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/healthz")
            load_args = {
                "base": f"http://127.0.0.1:{port}",
                "rate": args.rate,
                "seconds": args.seconds,
                "token": token,
                "lead_ids": lead_ids,
                "secrets": {
                    p: TEST_ENVIRON[f"{p.upper()}_WEBHOOK_SECRET"] for p in ("lv", "ee", "fi")
                },
            }
            # results go to a file: a pipe nobody reads while the syncs run would fill
            # up and block the load generator before it exits
            results_file = tempfile.NamedTemporaryFile("w+", suffix=".json")  # noqa: SIM115
            load = subprocess.Popen(
                [sys.executable, "-c", LOAD_CLIENT, json.dumps(load_args)],
                cwd=str(ROOT),
                env=env_base,
                stdout=results_file,
                text=True,
            )
            time.sleep(3)  # let the load settle before the sync starts
            # the nightly sync of both tabs, then again (webhook leads to append)
            # for as long as the load runs
            syncs = []
            while load.poll() is None:
                for p in ("lv", "ee"):
                    start = time.time()
                    runner = subprocess.Popen(
                        [sys.executable, str(RUNNER)],
                        cwd=str(ROOT),
                        env=env_base,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                    job = {
                        "environ": dict(TEST_ENVIRON),
                        "spreadsheets": sheets,
                        "partner": p,
                        "database_url": url,
                        "emulator_host": emu.host_port,
                        "lease_seconds": 600,
                    }
                    out, _ = runner.communicate(json.dumps(job) + "\n", timeout=900)
                    result = json.loads(out.strip().splitlines()[-1])
                    syncs.append((p, result["outcome"], start, time.time(), result.get("error")))
                    print(f"sync {p}: {result} {time.time() - start:.1f} s", file=sys.stderr)
            load.wait(timeout=args.seconds + 120)
            results_file.seek(0)
            results = json.loads(results_file.read())
            results_file.close()
        finally:
            web.terminate()
            try:
                web.wait(10)
            except subprocess.TimeoutExpired:
                web.kill()
        check = Store(url)
        from sqlalchemy import func, select

        from integration.store.models import Lead

        with check.session() as s:
            stored = s.scalar(select(func.count()).select_from(Lead))
        check.dispose()

    latencies = [r[2] for r in results]
    server_errors = [r for r in results if not isinstance(r[1], int) or r[1] >= 500]
    by_kind: dict[str, list[Any]] = {}
    for r in results:
        by_kind.setdefault(r[0], []).append(r)
    p99 = percentile(latencies, 99) * 1000
    ok = not server_errors and p99 < 500 and all(s[1] == "completed" for s in syncs)
    run.finish()
    lines = [
        f"# Load: {args.rate:g} requests/s for {args.seconds:g} s during a sync of "
        f"{args.rows:,}-row tabs",
        "",
        run.line(),
        "",
        f"gunicorn {args.workers} workers x {args.threads} threads; PostgreSQL store; "
        "load generator, web app and sync each in "
        "its own process on 127.0.0.1; open-loop schedule, latency from the scheduled time.",
        "",
        "| requests | kind | 2xx/3xx/4xx | 5xx or no answer | p50 ms | p95 ms | p99 ms | max ms |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, rs in [*sorted(by_kind.items()), ("all", results)]:
        lat = [r[2] for r in rs]
        bad = sum(1 for r in rs if not isinstance(r[1], int) or r[1] >= 500)
        lines.append(
            f"| {len(rs)} | {kind} | {len(rs) - bad} | {bad} | {percentile(lat, 50) * 1000:.0f} | "
            f"{percentile(lat, 95) * 1000:.0f} | {percentile(lat, 99) * 1000:.0f} | "
            f"{max(lat) * 1000:.0f} |"
        )
    statuses: dict[str, int] = {}
    for r in results:
        statuses[str(r[1])] = statuses.get(str(r[1]), 0) + 1
    lines += ["", "Statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())), ""]
    first_end = max(e for _, _, _, e, _ in syncs[:2])
    first_start = syncs[0][2]
    during = [r[2] for r in results if first_start <= r[3] <= first_end]
    lines += [
        f"During the first sync of both {args.rows:,}-row tabs ({first_end - first_start:.1f} s): "
        f"{len(during)} requests, p50 {percentile(during, 50) * 1000:.0f} ms, "
        f"p99 {percentile(during, 99) * 1000:.0f} ms, max {max(during or [0]) * 1000:.0f} ms.",
        "",
        "| sync (Leads tab) | runs | outcomes | seconds (max) |",
        "|---|---:|---|---:|",
    ]
    for p, o, b, e, _ in syncs[:2]:
        lines.append(f"| {p}: first, creates {args.rows:,} leads | 1 | {o} | {e - b:.1f} |")
    again = syncs[2:]
    if again:
        outcomes = sorted({o for _, o, _, _, _ in again})
        slowest = max(e - b for _, _, b, e, _ in again)
        lines.append(
            f"| lv and ee: re-syncs (append webhook leads) | {len(again)} | "
            f"{', '.join(outcomes)} | {slowest:.1f} |"
        )
    lines += [
        "",
        f"Leads in the store afterwards: {stored:,}.",
        "",
        f"Result: {'PASS' if ok else 'FAIL'} (0 server errors: {not server_errors}; "
        f"p99 {p99:.0f} ms < 500 ms: {p99 < 500}; syncs completed: "
        f"{all(s[1] == 'completed' for s in syncs)}).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
