"""Mutation check of the concurrency campaign: disable, one at a time, each
safeguard of the store's guarded write (tests/reliability/mutants.py,
``STORE_MUTANTS``), run the campaign against each mutant, and record how many
violations it found and after how many rounds the first.

    python bench/concurrency_mutations.py [-n 60] [--only NAME ...] [--jobs 2] [--baseline]

Each mutant runs in its own process (with its own app, emulator and throw-away
PostgreSQL database), patched in that process only. A mutant's run stops early
once ``--enough`` rounds have had a violation. Writes
bench/results/concurrency_mutations.md.
"""

from __future__ import annotations

import argparse
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

from mutants import ENV, STORE_MUTANTS, apply_from_environment  # noqa: E402


class _Enough(Exception):
    """Stops a mutant's campaign once it has shown enough violations."""


def run_one(n: int, enough: int) -> dict[str, Any]:
    """In a child process: the campaign against the mutant the environment names."""
    apply_from_environment()
    logging.disable(logging.CRITICAL)
    from concurrency_campaign import Tally, run_campaign

    seen = Tally()

    def progress(done: int, total: Tally) -> None:
        seen.__dict__.update(total.__dict__)
        if enough and total.violating_rounds >= enough:
            raise _Enough

    started = time.monotonic()
    try:
        out = run_campaign(range(n), progress=progress)
    except _Enough:
        out = seen
    result = out.as_json()
    result["wall"] = time.monotonic() - started
    return result


def spawn(name: str, n: int, enough: int) -> dict[str, Any]:
    env = {**os.environ, ENV: name} if name else {k: v for k, v in os.environ.items() if k != ENV}
    cmd = [sys.executable, __file__, "--child", "-n", str(n), "--enough", str(enough)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if not lines:
        return {"error": (proc.stderr or proc.stdout)[-2000:]}
    return json.loads(lines[-1])


def report(results: dict[str, dict[str, Any]], n: int, enough: int, seconds: float) -> str:
    lines = [
        "# Mutation check of the concurrency campaign",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/concurrency_mutations.py`: each "
        "mutant disables one safeguard of the store's guarded write "
        "(tests/reliability/mutants.py, `STORE_MUTANTS`, patched in the bench's child "
        f"process only), then the campaign runs against it (up to {n} rounds, seeds "
        f"0..{n - 1}, stopping once {enough} rounds had a violation). {seconds:.0f} s in all "
        f"on {os.cpu_count()} shared cores (load average {os.getloadavg()[0]:.1f}). A mutant "
        "is caught when the campaign reports any violation.",
        "",
        "| safeguard disabled | caught | rounds run | rounds with a violation "
        "| violations | rounds until the first |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        title = STORE_MUTANTS[name][0] if name else "none (the store as it is)"
        if "error" in result:
            lines.append(f"| {title} | run failed | | | | |")
            continue
        found = len(result["violations"])
        caught = "**yes**" if found else "no"
        if not name:
            caught = "(baseline: must be 0)"
        first = result["first_violation_round"] or "-"
        lines.append(
            f"| {title} | {caught} | {result['rounds']} | {result['violating_rounds']} "
            f"| {found} | {first} |"
        )
    lines += ["", "## What each mutant broke (first violations reported)", ""]
    for name, result in results.items():
        lines += [f"### {STORE_MUTANTS[name][0] if name else 'baseline'}", ""]
        if "error" in result:
            lines += ["```", result["error"], "```", ""]
            continue
        lines += [f"- {v}" for v in result["violations"][:6]] or ["No violation found."]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=60, help="most rounds per mutant")
    parser.add_argument("--enough", type=int, default=3, help="stop after this many bad rounds")
    parser.add_argument("--only", nargs="*", choices=sorted(STORE_MUTANTS), default=None)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--baseline", action="store_true", help="also run the unmutated store")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--out", default=str(ROOT / "bench" / "results" / "concurrency_mutations.md")
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.n, args.enough), default=str), flush=True)
        return 0
    names = list(args.only or STORE_MUTANTS)
    if args.baseline:
        names.insert(0, "")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        runs = pool.map(lambda m: spawn(m, args.n, args.enough), names)
        done = dict(zip(names, runs, strict=True))
    text = report(done, args.n, args.enough, time.monotonic() - started)
    Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)
    caught = all(done[m].get("violations") for m in names if m)
    clean = not args.baseline or not done[""].get("violations")
    return 0 if caught and clean else 1


if __name__ == "__main__":
    raise SystemExit(main())
