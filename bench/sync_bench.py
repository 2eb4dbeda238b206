"""Sync engine benchmark: Sheets API calls, wall time and peak memory per tab size.

For tabs of 10, 1,000, 10,000 (and with ``--full`` 100,000) rows x 20 columns, on
SQLite: a first full sync, a no-change re-sync and a re-sync after 1% of the rows
were edited in the sheet. Side by side at 1,000 rows: a naive gspread script of
the kind tutorials show (``get_all_records()`` then ``update_cell()`` per changed
cell) on the same data and the same emulator.

The emulator runs as a subprocess and each size is synced in a fresh child
process, so the peak memory (VmHWM) reported is the sync's alone.

    python bench/sync_bench.py            # 10, 1k, 10k
    python bench/sync_bench.py --full     # also 100k
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from emulator_bench import EmulatorProcess  # noqa: E402

HEADER = [
    "Uzņēmums",
    "Valsts",
    "Reģistrācijas numurs",
    "Nozare",
    "Loma",
    "Kontaktpersona",
    "E-pasts",
    "Tālrunis",
    "Mājaslapa",
    "Posms",
    "Avots",
    "Pasākums",
    "GDPR piekrišana",
    "Piekrišanas datums",
    "Piezīmes",
    "Mūsu piezīmes",
    "Atbildīgais",
]  # 17 columns; the sync adds CRM ID, Sync status, Last synced: 20
SECTORS = ["IKT", "Zaļās tehnoloģijas", "Izglītība", "Interjera dizains"]
STAGES = ["Jauns", "Sazināts", "Kvalificēts", "Tikšanās"]


def make_rows(n: int) -> list[list[Any]]:
    rows = []
    for i in range(n):
        rows.append(
            [
                f"SIA Firma {i}",
                "Latvija" if i % 3 else "Azerbaidžāna",
                "",
                SECTORS[i % 4],
                "Pārdevējs" if i % 2 else "Pircējs",
                f"Kontakts {i}",
                f"info{i}@firma{i}.lv",
                f"+3712{i % 10_000_000:07d}",
                f"https://firma{i}.lv",
                STAGES[i % 4],
                "b2b_forum",
                "Baku B2B forum 2025",
                "jā" if i % 2 else "nē",
                "12.03.2025",
                f"piezīme {i}",
                f"own {i}",
                "00123",
            ]
        )
    return rows


def create_sheet(host: str, n: int) -> str:
    from connectors.google_sheets.auth import make_gspread_client
    from connectors.sheets_emulator.testing import create_spreadsheet

    gc = make_gspread_client(emulator_host=host, timeout=600)
    data = [HEADER, *make_rows(n)]
    sid = create_spreadsheet(gc, f"bench {n}", {"Leads": data[:1], "Agreements": [["Seller"]]})
    ws = gc.open_by_key(sid).worksheet("Leads")
    ws.resize(rows=n + 1, cols=26)
    for start in range(1, len(data), 20_000):
        ws.update(data[start : start + 20_000], f"A{start + 1}", value_input_option="RAW")
    return sid


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(host: str, sid: str, n: int) -> dict[str, Any]:
    """Run the three syncs of one size in this (fresh) process."""
    from connectors.google_sheets.auth import make_gspread_client
    from integration.config import load_config
    from integration.store import migrate
    from integration.store.db import Store
    from integration.store.setup import sync_partner_rows
    from integration.sync.engine import run_sync

    baseline = vm_hwm_mb()
    tmp = Path(tempfile.mkdtemp())
    config = load_config(ROOT / "partners.example.toml", environ={"CRM_INSTANCE_PATH": str(tmp)})
    lv = dataclasses.replace(config.partners["lv"], spreadsheet_id=sid)
    store = Store(f"sqlite:///{tmp / 'bench.sqlite'}")
    migrate.upgrade(store)
    config = dataclasses.replace(
        config, emulator_host=host, database_url=store.url, partners={**config.partners, "lv": lv}
    )
    sync_partner_rows(store, config)
    gc = make_gspread_client(emulator_host=host, timeout=600)
    out: dict[str, Any] = {"rows": n, "baseline_mb": round(baseline, 1)}

    def one(name: str) -> None:
        started = time.perf_counter()
        report = run_sync(config, store, "lv", tab="leads", client=gc)
        tab = report.tabs[0]
        if tab.outcome != "completed":
            raise SystemExit(f"{name}: {tab.outcome}: {tab.error}")
        out[name] = {
            "seconds": round(time.perf_counter() - started, 3),
            "api_calls": tab.api_calls,
            "cells_written": tab.cells_written,
            "created": tab.counts.get("created", 0),
            "updated": tab.counts.get("updated", 0),
        }

    one("first")
    one("nochange")
    changed = max(1, n // 100)
    step = max(1, n // changed)
    ws = gc.open_by_key(sid).worksheet("Leads")
    edits = [{"range": f"O{2 + i * step}", "values": [[f"edited {i}"]]} for i in range(changed)]
    ws.batch_update(edits, value_input_option="RAW")
    one("changed1pct")
    out["changed_rows"] = changed
    out["peak_mb"] = round(vm_hwm_mb(), 1)
    return out


def naive(host: str, sid: str) -> dict[str, Any]:
    """The tutorial way: get_all_records(), then update_cell() per cell to change."""
    import requests

    from connectors.google_sheets.auth import make_gspread_client

    gc = make_gspread_client(emulator_host=host, timeout=600)
    stats_url = f"http://{host}/_emulator/stats"
    out: dict[str, Any] = {}
    store: dict[str, dict[str, Any]] = {}

    def run(name: str) -> None:
        requests.delete(stats_url, timeout=10)
        started = time.perf_counter()
        ws = gc.open_by_key(sid).worksheet("Leads")
        records = ws.get_all_records()
        header = ws.row_values(1)
        if "CRM ID" not in header:
            ws.update_cell(1, len(header) + 1, "CRM ID")
            ws.update_cell(1, len(header) + 2, "Sync status")
            header += ["CRM ID", "Sync status"]
        id_col, status_col = header.index("CRM ID") + 1, header.index("Sync status") + 1
        for n, rec in enumerate(records, start=2):
            rid = rec.get("CRM ID")
            data = {k: v for k, v in rec.items() if k not in ("CRM ID", "Sync status")}
            if not rid:
                rid = f"L-{len(store) + 1:06d}"
                store[rid] = data
                ws.update_cell(n, id_col, rid)
                ws.update_cell(n, status_col, "OK")
            elif store.get(rid) != data:
                store[rid] = data
                ws.update_cell(n, status_col, "OK (updated)")
        calls = requests.get(stats_url, timeout=10).json()["total"]
        out[name] = {"seconds": round(time.perf_counter() - started, 3), "api_calls": calls}

    run("first")
    run("nochange")
    ws = gc.open_by_key(sid).worksheet("Leads")
    ws.batch_update(
        [{"range": f"O{2 + i * 100}", "values": [[f"edited {i}"]]} for i in range(10)],
        value_input_option="RAW",
    )
    run("changed1pct")
    return out


def table(results: list[dict[str, Any]], naive_result: dict[str, Any] | None) -> str:
    lines = [
        "# Sync benchmark",
        "",
        "SQLite store; the Sheets emulator as a subprocess over HTTP (real gspread); "
        "one Leads tab of N rows x 20 columns (15 lead fields, 2 partner columns, "
        "3 service columns added by the first sync). Peak memory is the sync process's "
        "VmHWM (Python + imports baseline in brackets).",
        "",
        "| rows | first sync: calls / s | no-change re-sync: calls / s | 1% changed: calls / s "
        "| cells written (first / 1%) | peak MB |",
        "|---:|---|---|---|---|---|",
    ]
    for r in results:
        f, n, c = r["first"], r["nochange"], r["changed1pct"]
        lines.append(
            f"| {r['rows']:,} | {f['api_calls']} / {f['seconds']:.2f} | "
            f"{n['api_calls']} / {n['seconds']:.2f} | {c['api_calls']} / {c['seconds']:.2f} | "
            f"{f['cells_written']:,} / {c['cells_written']:,} | "
            f"{r['peak_mb']:.0f} ({r['baseline_mb']:.0f}) |"
        )
    if any(r["first"]["api_calls"] > 4 for r in results):
        lines += [
            "",
            "Calls: 1 `values.batchGet`, 1 `spreadsheets.get` (only when the grid may have "
            "to grow: new service columns or appended rows), then the cell writes. A first "
            "sync of 100,000 rows writes about 6 MB of ids, statuses and timestamps, split "
            "into requests under Google's recommended 2 MB: that is the only case above 4.",
        ]
    if naive_result:
        ours = next((r for r in results if r["rows"] == 1000), None)
        lines += [
            "",
            "## 1,000 rows: the engine vs a naive gspread script",
            "",
            "Naive: `get_all_records()` then `update_cell()` per cell to change "
            "(same data, same emulator; its calls counted by the emulator).",
            "",
            "| run | engine calls / s | naive calls / s | calls ratio | time ratio |",
            "|---|---|---|---:|---:|",
        ]
        for name, label in (
            ("first", "first sync"),
            ("nochange", "no-change re-sync"),
            ("changed1pct", "1% changed"),
        ):
            o, v = ours[name] if ours else {"api_calls": 0, "seconds": 0}, naive_result[name]
            calls_ratio = v["api_calls"] / max(o["api_calls"], 1)
            time_ratio = v["seconds"] / max(o["seconds"], 1e-6)
            lines.append(
                f"| {label} | {o['api_calls']} / {o['seconds']:.2f} | "
                f"{v['api_calls']} / {v['seconds']:.2f} | {calls_ratio:.0f}x | {time_ratio:.1f}x |"
            )
        first_calls = naive_result["first"]["api_calls"]
        lines += [
            "",
            "The emulator answers in about a millisecond; Google takes 100-300 ms per "
            "request, so against Google the time ratio approaches the calls ratio.",
        ]
        lines += [
            "",
            f"At Google's quota of 60 requests per minute per user, the naive first sync "
            f"({first_calls} calls) would take at least {first_calls / 60:.0f} minutes; "
            "the engine's stays within one minute's budget at any size.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="also 100,000 rows")
    parser.add_argument("--sizes", type=str, default=None, help="comma-separated row counts")
    parser.add_argument("--table-only", action="store_true", help="rebuild the markdown")
    parser.add_argument("--child", nargs=3, metavar=("HOST", "SID", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        host, sid, n = args.child
        print(json.dumps(child(host, sid, int(n))))
        return
    if args.table_only:
        saved = json.loads((ROOT / "bench" / "results" / "sync_bench.json").read_text())
        rows = {int(k): v for k, v in saved["engine"].items()}
        text = table([rows[k] for k in sorted(rows)], saved.get("naive"))
        (ROOT / "bench" / "results" / "sync_bench.md").write_text(text, encoding="utf-8")
        print(text)
        return
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [10, 1_000, 10_000]
    if args.full and 100_000 not in sizes:
        sizes.append(100_000)
    emulator = EmulatorProcess()
    results: list[dict[str, Any]] = []
    naive_result = None
    try:
        for n in sizes:
            sid = create_sheet(emulator.host, n)
            proc = subprocess.run(
                [sys.executable, __file__, "--child", emulator.host, sid, str(n)],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=False,
            )
            if proc.returncode != 0:
                raise SystemExit(f"size {n} failed:\n{proc.stderr[-2000:]}")
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            results.append(result)
            print(
                f"{n:>7} rows: first {result['first']}, nochange {result['nochange']}, "
                f"1% {result['changed1pct']}, peak {result['peak_mb']} MB",
                flush=True,
            )
            if n == 1_000:
                naive_result = naive(emulator.host, create_sheet(emulator.host, n))
                print(f"  naive: {naive_result}", flush=True)
    finally:
        emulator.stop()
    # Sizes run separately (e.g. --sizes 100000 later) are merged with earlier ones.
    store = ROOT / "bench" / "results" / "sync_bench.json"
    saved = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    by_rows = {int(k): v for k, v in saved.get("engine", {}).items()}
    by_rows.update({r["rows"]: r for r in results})
    naive_result = naive_result or saved.get("naive")
    store.write_text(
        json.dumps({"engine": by_rows, "naive": naive_result}, indent=1), encoding="utf-8"
    )
    text = table([by_rows[k] for k in sorted(by_rows)], naive_result)
    print(text)
    out = ROOT / "bench" / "results" / "sync_bench.md"
    out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
