"""Fuzz run: schemathesis against every operation of ``/openapi.json`` with a
thousand examples each (positive and negative generation), as an admin and as
a partner, on a seeded SQLite store. Every response must be below 500 and
answer in the documented shape (problem+json for errors).

Writes ``bench/results/fuzz_bench.md`` (date, machine load, examples and status
codes per operation, every failure with the request that caused it).
Usage: ``python bench/fuzz_bench.py [--examples 1000] [--only PATH-SUBSTRING]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "fuzz_bench.md"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from seeding import seed  # noqa: E402

from integration import create_app  # noqa: E402
from integration.config import load_config  # noqa: E402
from integration.store import migrate  # noqa: E402
from integration.store.db import Store  # noqa: E402
from integration.store.setup import sync_partner_rows  # noqa: E402
from integration.webhooks.signatures import standard_headers  # noqa: E402

#: Webhook secrets of the bench's partners (made up for the run).
SECRETS = {
    "lv": "whsec_" + "bHYtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
    "ee": "whsec_" + "ZWUtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
}


def build_app(folder: Path) -> tuple[Any, dict[str, str]]:
    environ = {
        "LV_WEBHOOK_SECRET": SECRETS["lv"],
        "EE_WEBHOOK_SECRET": SECRETS["ee"],
        "FI_WEBHOOK_SECRET": "whsec_" + "Zmktc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
        "CRM_INSTANCE_PATH": str(folder / "instance"),
        "CRM_SECRET_KEY": "fuzz-bench",
    }
    config = load_config(ROOT / "partners.example.toml", environ=environ)
    store = Store(f"sqlite:///{folder / 'store.sqlite'}")
    migrate.upgrade(store)
    sync_partner_rows(store, config)
    seeded = seed(store, leads_per_partner=7)
    lv_seller, ee_seller, az_buyer = (
        seeded.leads["lv"][1],
        seeded.leads["ee"][1],
        seeded.leads["lv"][0],
    )
    EXISTING.update(
        {
            "/api/v1/leads/": [lv_seller, ee_seller, az_buyer],
            "/api/v1/agreements/": [seeded.agreements[0]],
            "/api/v1/quarantine/": [seeded.quarantine_id],
            "/api/v1/conflicts/": [seeded.conflict_id],
            "/api/v1/sync-runs/": [1],
        }
    )
    app = create_app(replace(config, database_url=store.url), store=store)
    app.config.update(TESTING=True)
    return app, {"admin": seeded.tokens["admin"], "lv": seeded.tokens["lv"]}


#: Path prefix -> ids that exist: half the cases of an operation on one record
#: use one of them, so reads and writes reach a record, not only a 404.
EXISTING: dict[str, list[Any]] = {}


def _real_ids(operation: Any) -> list[Any]:
    return next((ids for prefix, ids in EXISTING.items() if prefix in operation.path), [])


def _signed_call(app: Any, case: Any, partner: str) -> tuple[int, str]:
    """POST the case's body as JSON, signed with the partner's webhook secret."""
    body = json.dumps(case.body).encode()
    headers = {
        "Content-Type": "application/json",
        **standard_headers(SECRETS[partner], f"msg_{uuid.uuid4().hex}", body),
    }
    response = app.test_client().post(case.formatted_path, data=body, headers=headers)
    return response.status_code, response.headers.get("Content-Type", "")


def fuzz_operation(
    app: Any, operation: Any, tokens: dict[str, str], examples: int
) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    calls = 0

    signed = operation.path.startswith("/webhooks/") and "{partner}" in operation.path
    ids = sorted(SECRETS) if signed else _real_ids(operation) if "{" in operation.path else []
    choice = st.sampled_from(ids) if ids else st.none()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(case=operation.as_strategy(), real=st.one_of(st.none(), choice))
    def run(case: Any, real: Any) -> None:
        nonlocal calls
        calls += 1
        for name in ("id", "partner"):
            if real is not None and case.path_parameters and name in case.path_parameters:
                case.path_parameters[name] = real
        who = "admin" if calls % 2 else "lv"
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        if not operation.path.startswith("/api/"):
            headers = {}
        partner = (case.path_parameters or {}).get("partner")
        if signed and partner in SECRETS and case.body is not NOT_SET:
            # A webhook the partner really signed: the payload reaches the handler.
            status, ctype = _signed_call(app, case, partner)
        else:
            response = case.call(headers=headers)
            status = response.status_code
            found = [v for k, v in response.headers.items() if k.lower() == "content-type"]
            ctype = found[0] if found else ""
            ctype = ctype[0] if isinstance(ctype, list) else ctype
        statuses[status] += 1
        if len(failures) >= 5:
            return
        if status >= 500:
            failures.append(f"{status} for {case.method} {case.formatted_path}: {case.body!r:.300}")
        elif status >= 400 and not str(ctype).startswith("application/problem+json"):
            failures.append(f"{status} answered as {ctype!r}")

    started = time.perf_counter()
    try:
        run()
    except Exception:
        failures.append(traceback.format_exc(limit=3)[-600:])
    return {
        "calls": calls,
        "statuses": dict(sorted(statuses.items())),
        "failures": failures,
        "seconds": time.perf_counter() - started,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        app, tokens = build_app(Path(tmp))
        schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
        schema.config.generation.update(
            modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], database="none"
        )
        rows = []
        for result in schema.get_all_operations():
            operation = result.ok()
            if args.only and args.only not in operation.path:
                continue
            outcome = fuzz_operation(app, operation, tokens, args.examples)
            label = f"{operation.method.upper()} {operation.path}"
            failures = len(outcome["failures"])
            print(label, outcome["calls"], outcome["statuses"], failures, flush=True)
            rows.append((label, outcome))
    load_after = os.getloadavg()
    write_results(rows, args.examples, started, load_before, load_after)
    return 1 if any(o["failures"] for _, o in rows) else 0


def write_results(
    rows: list[tuple[str, dict[str, Any]]],
    examples: int,
    started: datetime,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> None:
    total = sum(o["calls"] for _, o in rows)
    failed = [label for label, o in rows if o["failures"]]
    lines = [
        "# Fuzz run: schemathesis, every operation of /openapi.json",
        "",
        f"- run: {started:%Y-%m-%d %H:%M} UTC, `python bench/fuzz_bench.py --examples {examples}`",
        f"- machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after (shared with other work)",
        "- store: SQLite, seeded (leads of LV, EE, an AZ party, an agreement, a quarantine"
        " entry, a conflict); half the cases of a one-record operation use an id that exists;"
        " tokens alternate admin / LV partner; generation positive and negative, derandomised",
        "- checks: no 5xx; every 4xx/5xx is problem+json. Form and sheet webhooks: half the"
        " cases go to a real partner, signed with its secret, so the payload reaches the handler",
        f"- **{total} requests, {len(rows)} operations, {len(failed)} operations with a failure**",
        "",
        "An operation with no parameters and no body (`/healthz`, `/metrics`, `/readyz`) has"
        " one possible request, so hypothesis stops after it. `GET /api/v1/sync-runs/{id}`"
        " finds no run (the seeded store has none), so it only exercises the id's parsing.",
        "",
        "| operation | examples | seconds | status codes | failures |",
        "|---|---:|---:|---|---:|",
    ]
    for label, o in rows:
        codes = ", ".join(f"{k}: {v}" for k, v in o["statuses"].items())
        lines.append(
            f"| `{label}` | {o['calls']} | {o['seconds']:.0f} | {codes} | {len(o['failures'])} |"
        )
    for label, o in rows:
        for failure in o["failures"]:
            lines += ["", f"### {label}", "", "```", failure, "```"]
    lines.append("")
    RESULTS.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
