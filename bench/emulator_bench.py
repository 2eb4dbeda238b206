"""Sheets emulator benchmark: big reads and scattered writes through real gspread.

Runs the emulator as a subprocess (so its memory is measured alone) and reports:

* ``values.batchGet`` of a whole 100,000-row x 20-column tab
  (UNFORMATTED_VALUE, SERIAL_NUMBER -- how the sync engine reads a tab);
* ``values.batchUpdate`` of 10,000 scattered single cells (RAW);
* the emulator's peak resident memory (VmHWM) during those;
* the resident memory of a fresh emulator holding one 1,000,000-cell
  spreadsheet (50,000 rows x 20 columns).

Goals (issue 3): under 2 s for each call, 1,000,000 cells within 500 MB.

    python bench/emulator_bench.py [--rows 100000] [--cols 20] [--writes 10000]

Prints a table and writes it to bench/results/emulator_bench.md.
"""

from __future__ import annotations

import argparse
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from processes import free_port, start_emulator  # noqa: E402
from run_info import RunInfo  # noqa: E402

from connectors.google_sheets.auth import make_gspread_client  # noqa: E402


class EmulatorProcess:
    """``python -m sheets_emulator`` on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc = start_emulator(self.port, output=subprocess.DEVNULL)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def memory_mb(self, field: str) -> float:
        """VmRSS (current) or VmHWM (peak) of the emulator process, in MB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        raise RuntimeError(f"{field} not found")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def fill(ws, rows: int, cols: int, chunk: int = 10_000) -> None:
    """Write rows of realistic short strings, in chunks (setup, not timed)."""
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        block = [
            [f"r{start + i}c{c}-{(start + i) * 7 % 1000}" for c in range(cols)] for i in range(n)
        ]
        ws.update(block, f"A{start + 1}", value_input_option="RAW")


def timed(fn, repeat: int = 3):
    """Median wall time of ``repeat`` runs (the machine is shared), and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def bench_read_write(rows: int, cols: int, writes: int) -> list[tuple[str, str, str]]:
    emu = EmulatorProcess()
    try:
        gc = make_gspread_client(emulator_host=emu.host, timeout=120)
        sh = gc.create("bench")
        ws = sh.sheet1
        ws.update_title("Data")
        ws.resize(rows=rows, cols=cols)
        fill(ws, rows, cols)
        base_rss = emu.memory_mb("VmRSS")
        params = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"}
        read_s, res = timed(lambda: sh.values_batch_get(["Data"], params=params))
        got = len(res["valueRanges"][0]["values"])
        assert got == rows, f"read {got} rows, expected {rows}"
        rng = random.Random(42)
        cells = rng.sample(range(rows * cols), writes)
        data = []
        for k in cells:
            r, c = divmod(k, cols)
            data.append({"range": f"Data!{_a1(r, c)}", "values": [[f"w{k}"]]})
        write_s, res = timed(
            lambda: sh.values_batch_update({"valueInputOption": "RAW", "data": data})
        )
        assert res["totalUpdatedCells"] == writes
        peak = emu.memory_mb("VmHWM")
    finally:
        emu.stop()
    goal = "< 2 s"
    return [
        (f"values.batchGet {rows:,} x {cols} (one call)", f"{read_s:.2f} s", goal),
        (f"values.batchUpdate {writes:,} scattered cells (one call)", f"{write_s:.2f} s", goal),
        (f"emulator RSS holding {rows * cols:,} cells", f"{base_rss:.0f} MB", "-"),
        ("emulator peak RSS during the run", f"{peak:.0f} MB", "-"),
    ]


def bench_million() -> list[tuple[str, str, str]]:
    emu = EmulatorProcess()
    try:
        empty = emu.memory_mb("VmRSS")
        gc = make_gspread_client(emulator_host=emu.host, timeout=120)
        sh = gc.create("million")
        ws = sh.sheet1
        ws.resize(rows=50_000, cols=20)
        fill(ws, 50_000, 20, chunk=5_000)
        held = emu.memory_mb("VmRSS")
        peak = emu.memory_mb("VmHWM")
    finally:
        emu.stop()
    return [
        ("emulator RSS, empty", f"{empty:.0f} MB", "-"),
        ("emulator RSS holding 1,000,000 cells", f"{held:.0f} MB", "<= 500 MB"),
        ("emulator peak RSS while loading 1,000,000 cells", f"{peak:.0f} MB", "-"),
    ]


def _a1(r: int, c: int) -> str:
    letters = ""
    n = c + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{r + 1}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--cols", type=int, default=20)
    ap.add_argument("--writes", type=int, default=10_000)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "emulator_bench.md"))
    args = ap.parse_args()
    run = RunInfo.begin()
    rows = bench_read_write(args.rows, args.cols, args.writes) + bench_million()
    run.finish()
    width = max(len(r[0]) for r in rows)
    lines = [
        "# Sheets emulator benchmark",
        "",
        run.line(),
        "",
        "gspread over HTTP to the emulator run as a subprocess; times are the median of 3 calls.",
        "",
        f"| {'measure':<{width}} | result | goal |",
        f"|{'-' * (width + 2)}|--------|------|",
    ]
    lines += [f"| {name:<{width}} | {value} | {goal} |" for name, value, goal in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
