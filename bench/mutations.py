"""Mutation check of the fault campaign: disable, one at a time, each safeguard
the sync relies on, run the CI-sized campaign against each mutant, and record
that the campaign fails for each, and how.

    python bench/mutations.py [--only NAME ...] [-n 50] [--jobs 2]

The mutants are in tests/reliability/mutants.py. Each runs in its own process
with ``CAMPAIGN_MUTANT`` set, so the campaign's SIGKILL subprocesses run the same
mutant. Needs PostgreSQL at 127.0.0.1:5432. Writes bench/results/mutations.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
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

from fault_scenarios import run_campaign_on_fresh_stores  # noqa: E402
from mutants import ENV, MUTANTS, apply_from_environment  # noqa: E402

# the CI-sized campaign of tests/reliability/test_fault_campaign.py
STEPS, KILL_SHARE = 3, 0.4
KINDS = (
    ("lost", "records lost"),
    ("duplicated", "duplicated"),
    ("edits_missing", "edits missing"),
    ("conflicts_missing", "conflicts not logged"),
    ("conflicts_spurious", "spurious conflicts"),
    ("resurrected", "deleted rows back"),
    ("not_converged", "not converged or crashed"),
)


def run_one(n: int) -> dict[str, Any]:
    """In a child process: the campaign against the mutant the environment names."""
    apply_from_environment()
    logging.disable(logging.CRITICAL)
    started = time.monotonic()
    out = run_campaign_on_fresh_stores(range(n), steps=STEPS, kill_share=KILL_SHARE)
    result = dataclasses.asdict(out)
    result["seconds"] = time.monotonic() - started
    return result


def spawn(name: str, n: int) -> dict[str, Any]:
    env = {**os.environ, ENV: name} if name else {k: v for k, v in os.environ.items() if k != ENV}
    proc = subprocess.run(
        [sys.executable, __file__, "--child", "-n", str(n)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if not lines:
        return {"error": (proc.stderr or proc.stdout)[-2000:], "problems": []}
    return json.loads(lines[-1])


def report(results: dict[str, dict[str, Any]], n: int, seconds: float) -> str:
    lines = [
        "# Mutation check of the fault campaign",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/mutations.py`: each mutant "
        "disables one safeguard of the sync (tests/reliability/mutants.py), then the "
        f"CI-sized campaign runs against it ({n} scenarios, seeds 0..{n - 1}, {STEPS} "
        f"steps, SIGKILL share {KILL_SHARE}, every fourth seed on SQLite). "
        f"{seconds:.0f} s in all on {os.cpu_count()} shared cores (load average "
        f"{os.getloadavg()[0]:.1f}). A mutant is caught when the campaign reports any "
        "problem.",
        "",
        "| safeguard disabled | caught | scenarios failing | "
        + " | ".join(label for _, label in KINDS)
        + " |",
        "|---|---|---:|" + "---:|" * len(KINDS),
    ]
    for name, result in results.items():
        title = MUTANTS[name][0] if name else "none (the engine as it is)"
        if "error" in result:
            lines.append(f"| {title} | run failed | | " + " | ".join("" for _ in KINDS) + " |")
            continue
        problems = [p for p in result["problems"] if " trace: " not in p]
        failing = len({p.split(":")[0] for p in problems})
        caught = "**yes**" if problems else "no"
        if not name:
            caught = "(baseline: must be 0)"
        counts = " | ".join(str(result[k]) for k, _ in KINDS)
        lines.append(f"| {title} | {caught} | {failing} | {counts} |")
    lines += ["", "## How each mutant fails (first problems reported)", ""]
    for name, result in results.items():
        title = MUTANTS[name][0] if name else "baseline"
        lines.append(f"### {title}")
        lines.append("")
        if "error" in result:
            lines += ["```", result["error"], "```", ""]
            continue
        problems = [p for p in result["problems"] if " trace: " not in p]
        if not problems:
            lines += ["No problem found.", ""]
            continue
        lines += [f"- {p}" for p in problems[:6]]
        traces = [p for p in result["problems"] if " trace: " in p]
        if traces:
            lines += ["", "First failing scenario's trace:", "", f"    {traces[0]}"]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=50, help="scenarios per mutant")
    parser.add_argument("--only", nargs="*", choices=sorted(MUTANTS), default=None)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--baseline", action="store_true", help="also run the unmutated engine")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "mutations.md"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.n), default=str), flush=True)
        return 0
    names = list(args.only or MUTANTS)
    if args.baseline:
        names.insert(0, "")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        done = dict(zip(names, pool.map(lambda m: spawn(m, args.n), names), strict=True))
    for name, result in done.items():
        print(f"{name or 'baseline'}: {len(result.get('problems', []))} problem lines", flush=True)
    text = report(done, args.n, time.monotonic() - started)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)
    caught = all(done[m].get("problems") for m in names if m)
    clean = not args.baseline or not done[""].get("problems")
    return 0 if caught and clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
