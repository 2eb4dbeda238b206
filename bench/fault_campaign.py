"""Long fault campaign: N seeded scenarios (default 1,000) of partner edits,
webhooks and API calls under injected Google faults and SIGKILLed syncs; prints
what was injected and checked, and how much was lost or duplicated.

    python bench/fault_campaign.py [-n 1000] [--first-seed 0] [--steps 4] [--jobs 2]
                                   [--until 14:05]

Needs PostgreSQL at 127.0.0.1:5432 (a throw-away database is made and dropped);
every fourth seed runs on a temporary SQLite store. With ``--jobs N`` the seeds
are split into N consecutive ranges run by N processes (each with its own
emulator and stores) and the outcomes summed. ``--until HH:MM`` (UTC) starts
no scenario after that time, for a loaded machine with a deadline: each range
then ran its first seeds, and the table says how many ran of how many asked.
The scenarios are those of tests/reliability/fault_scenarios.py; CI runs 50.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "reliability"))

from fault_scenarios import Outcome, run_campaign_on_fresh_stores  # noqa: E402


def table(
    out: Outcome,
    seconds: float,
    n: int,
    first: int,
    steps: int,
    jobs: int = 1,
    until: str | None = None,
) -> str:
    rows = [
        ("scenarios", out.scenarios),
        ("faults that fired (emulator's count)", out.faults),
        ("of which the write was applied and its answer lost", out.faults_after),
        ("syncs SIGKILLed between sheet write and store commit", out.kills_mid_write),
        ("... of which on SQLite", out.kills_mid_write_sqlite),
        ("syncs that outlived their lease while another one ran", out.overlaps),
        ("... of which had only a record to append", out.outlived),
        ("lists cleared by mistake and restored", out.mass_clears),
        ("header rows deleted, deletions accepted, undone", out.header_deletions),
        (
            "rows inserted, deleted, sorted, copied, id cleared between read and write",
            out.window_edits,
        ),
        ("syncs that failed under faults", out.failed_syncs),
        ("records checked", out.records_checked),
        ("accepted edits checked", out.edits_checked),
        ("conflicts checked (both sides changed the field)", out.conflicts_checked),
        ("records lost", out.lost),
        ("records duplicated", out.duplicated),
        ("edits missing", out.edits_missing),
        ("conflicts not logged (with both values)", out.conflicts_missing),
        ("conflicts logged where only one side changed", out.conflicts_spurious),
        ("deleted rows come back", out.resurrected),
        ("not converged (second sync wrote cells, ids differ)", out.not_converged),
    ]
    width = max(len(k) for k, _ in rows)
    ran = out.scenarios
    cut = (
        f"Asked for {n} (seeds {first}..{first + n - 1} in {jobs} consecutive ranges); no "
        f"scenario started after {until} UTC, so each range ran its first seeds. "
        if until is not None and ran < n
        else ""
    )
    lines = [
        (
            f"# Fault campaign: {ran} scenarios ({steps} steps each)"
            if cut
            else f"# Fault campaign: {n} scenarios (seeds {first}..{first + n - 1}, "
            f"{steps} steps each)"
        ),
        "",
        cut
        + (
            f"The default is 1,000 scenarios; this run is {ran} "
            f"({seconds / max(ran, 1):.1f} s a scenario on a shared machine). "
            if ran < 1000
            else ""
        )
        + f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (finished): {seconds:.0f} s in "
        f"{jobs} process(es) on {platform.machine()} with {os.cpu_count()} cores (load "
        f"average {os.getloadavg()[0]:.1f} at the end, shared machine); Python "
        f"{platform.python_version()}; PostgreSQL store (every fourth seed SQLite), "
        "emulator over HTTP. Each partner's conflict policy is drawn per scenario.",
        "",
        f"| {'what':<{width}} | count |",
        f"|{'-' * (width + 2)}|------:|",
    ]
    lines += [f"| {k:<{width}} | {v:>5} |" for k, v in rows]
    if out.problems:
        lines += ["", "Problems found:", ""] + [f"- {p}" for p in out.problems[:50]]
    else:
        lines += [
            "",
            "No problems: no record lost or duplicated, no deleted row back, every accepted "
            "edit present unless both sides changed the field, and then a conflict with both "
            "values logged; no conflict logged that only one side caused; every spreadsheet "
            "converged.",
        ]
    return "\n".join(lines) + "\n"


def _deadline(until: str | None) -> datetime | None:
    """Today's ``HH:MM`` in UTC (None: no deadline)."""
    if until is None:
        return None
    hour, minute = (int(part) for part in until.split(":"))
    return datetime.now(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)


def run_range(
    first: int, n: int, steps: int, kill_share: float, until: str | None = None
) -> Outcome:
    """One process's share: seeds ``first .. first + n - 1`` (with ``until``, those
    started before it)."""
    started = time.monotonic()
    deadline = _deadline(until)
    seeds: Any = range(first, first + n)
    if deadline is not None:
        seeds = itertools.takewhile(lambda _seed: datetime.now(UTC) < deadline, seeds)

    def progress(done: int, total: Outcome) -> None:
        if done % 10 == 0 or done == n:
            print(
                f"  [{first}..] {done}/{n} scenarios, {total.faults} faults, lost {total.lost}, "
                f"duplicated {total.duplicated}, problems {len(total.problems)} "
                f"({time.monotonic() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )

    return run_campaign_on_fresh_stores(
        seeds, steps=steps, kill_share=kill_share, progress=progress
    )


def spawn(first: int, n: int, args: argparse.Namespace) -> Outcome:
    cmd = [sys.executable, __file__, "--child", "--first-seed", str(first), "-n", str(n)]
    cmd += ["--steps", str(args.steps), "--kill-share", str(args.kill_share)]
    if args.until:
        cmd += ["--until", args.until]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if not lines:
        out = Outcome(scenarios=n, not_converged=1)
        out.problems.append(f"seeds {first}..{first + n - 1}: process failed ({proc.returncode})")
        return out
    return Outcome(**json.loads(lines[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="number of scenarios")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=4, help="fault/sync steps per scenario")
    parser.add_argument("--kill-share", type=float, default=0.5)
    parser.add_argument("--jobs", type=int, default=1, help="processes, each a range of seeds")
    parser.add_argument("--until", help="HH:MM (UTC): start no scenario after this time")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "fault_campaign.md"))
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)  # expected sync failures would flood the terminal
    if args.child:
        out = run_range(args.first_seed, args.n, args.steps, args.kill_share, args.until)
        print(json.dumps(dataclasses.asdict(out)), flush=True)
        return 0
    started = time.monotonic()
    jobs = max(1, min(args.jobs, args.n))
    size = -(-args.n // jobs)
    ranges = [(args.first_seed + i, min(size, args.n - i)) for i in range(0, args.n, size)]
    if jobs == 1:
        out = run_range(args.first_seed, args.n, args.steps, args.kill_share, args.until)
    else:
        out = Outcome()
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            for part in pool.map(lambda r: spawn(r[0], r[1], args), ranges):
                out.add(part)
    text = table(
        out, time.monotonic() - started, args.n, args.first_seed, args.steps, jobs, args.until
    )
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")
    return 0 if out.ok and not out.problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
