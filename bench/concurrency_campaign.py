"""Long concurrency campaign: N seeded rounds (default 1,000) of concurrent
actors through real HTTP against the app on PostgreSQL (PATCH with and without
If-Match, admin moves, erasures, signed forms, merges, replays, the staff's
sheet edits and syncs), judged by the campaign's own oracle; prints a table and
writes bench/results/concurrency_campaign.md.

    python bench/concurrency_campaign.py [-n 1000] [--first-seed 0] [--jobs 2]

Needs PostgreSQL at 127.0.0.1:5432 (a throw-away database per process is made
and dropped). With ``--jobs N`` the seeds are split into N consecutive ranges,
each run by its own process (own app, emulator and database) and the tallies
summed. The rounds are those of tests/reliability/concurrency_campaign.py; CI
runs 20 of them (tests/reliability/test_concurrency_campaign.py).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

from concurrency_campaign import Tally, run_campaign  # noqa: E402


def table(out: Tally, seconds: float, n: int, first: int, jobs: int) -> str:
    """The run as markdown: what was done, refused and checked, and what broke."""
    lines = [
        f"# Concurrency campaign: {out.rounds} rounds (seeds {first}..{first + n - 1})",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/concurrency_campaign.py`: "
        f"{seconds:.0f} s wall time ({seconds / max(out.rounds, 1):.2f} s a round) in {jobs} "
        f"process(es) on {platform.machine()} with {os.cpu_count()} cores shared with other "
        f"work (load average {os.getloadavg()[0]:.1f} at the end); Python "
        f"{platform.python_version()}; PostgreSQL store, the app behind a real HTTP server, "
        "the emulator over HTTP (real gspread).",
        "",
        "| what | count |",
        "|---|---:|",
        f"| rounds | {out.rounds} |",
        f"| violations | **{len(out.violations)}** |",
        f"| rounds with a violation | {out.violating_rounds} |",
        "",
        "## Actions by kind (answered)",
        "",
        "| action | count |",
        "|---|---:|",
    ]
    lines += [f"| {k} | {v} |" for k, v in sorted(out.actions.items())]
    lines += [
        f"| **all** | {sum(out.actions.values())} |",
        "",
        "## Refusals by kind (the answer the actor had)",
        "",
        "| action: answer | count |",
        "|---|---:|",
    ]
    lines += [f"| {k} | {v} |" for k, v in sorted(out.refusals.items())]
    lines += ["", "## What the oracle checked", "", "| check | count |", "|---|---:|"]
    lines += [f"| {k} | {v} |" for k, v in sorted(out.checks.items())]
    if out.violations:
        lines += ["", "## Violations (first 50)", ""] + [f"- {v}" for v in out.violations[:50]]
    else:
        lines += [
            "",
            "No violations: no accepted change lost, no conditional write accepted twice "
            "on one ETag, no admin move reverted, no erased identifier anywhere in the "
            "store or LV's sheet, no lead with another partner's firm keys, no 5xx or "
            "traceback, every final sync completed.",
        ]
    return "\n".join(lines) + "\n"


def run_range(first: int, n: int) -> Tally:
    started = time.monotonic()

    def progress(done: int, total: Tally) -> None:
        if done % 25 == 0 or done == n:
            print(
                f"  [{first}..] {done}/{n} rounds, {sum(total.actions.values())} actions, "
                f"violations {len(total.violations)} ({time.monotonic() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )

    return run_campaign(range(first, first + n), progress=progress)


def spawn(first: int, n: int) -> Tally:
    cmd = [sys.executable, __file__, "--child", "--first-seed", str(first), "-n", str(n)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if not lines:
        out = Tally(rounds=0)
        out.violations.append(f"seeds {first}..{first + n - 1}: process failed ({proc.returncode})")
        return out
    return Tally.from_json(json.loads(lines[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="number of rounds")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="processes, each a range of seeds")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--out", default=str(ROOT / "bench" / "results" / "concurrency_campaign.md")
    )
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)
    if args.child:
        print(json.dumps(run_range(args.first_seed, args.n).as_json()), flush=True)
        return 0
    started = time.monotonic()
    jobs = max(1, min(args.jobs, args.n))
    size = -(-args.n // jobs)
    ranges = [(args.first_seed + i, min(size, args.n - i)) for i in range(0, args.n, size)]
    out = Tally()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for part in pool.map(lambda r: spawn(*r), ranges):
            out.add(part)
    text = table(out, time.monotonic() - started, args.n, args.first_seed, jobs)
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0 if not out.violations and out.rounds == args.n else 1


if __name__ == "__main__":
    raise SystemExit(main())
