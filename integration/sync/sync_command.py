"""``crm-sync sync``: sync partner sheets now, with progress and a summary table.

Exit status 0 when every tab synced (even with invalid rows: those are reported in
the sheet and the quarantine), 1 when a tab could not be synced (Google errors, the
mass-deletion valve, another sync holding the lease), 2 for usage/config problems.
"""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from integration.cli_support import ConfigError, fail, state
from integration.domain import Trigger
from integration.issues import render

from .engine import TABS, SyncReport, run_sync
from .header_report import HeaderReport, report_lines

COLUMNS = (
    ("rows", "rows read"),
    ("created", "created"),
    ("updated", "updated"),
    ("unchanged", "unchanged"),
    ("invalid", "invalid"),
    ("duplicates", "duplicates"),
    ("conflicts", "conflicts"),
    ("archived", "archived"),
    ("cells_written", "cells written"),
    ("rows_appended", "rows appended"),
)


def summary_table(reports: list[SyncReport]) -> Table:
    """One column per partner tab, one row per number (fits a narrow terminal)."""
    dry = any(r.dry_run for r in reports)
    table = Table(title="Sync summary" + (" (dry run: nothing written)" if dry else ""))
    table.add_column("")
    tabs = [(r.partner, t) for r in reports for t in r.tabs]
    for partner, t in tabs:
        table.add_column(f"{partner}/{t.tab}", justify="right")
    outcomes = []
    for _, t in tabs:
        style = "green" if t.ok else "red"
        outcomes.append(f"[{style}]{t.outcome}[/{style}]")
    table.add_row("outcome", *outcomes)
    for key, title in COLUMNS:
        table.add_row(title, *[str(t.counts.get(key, 0)) for _, t in tabs])
    table.add_row("Sheets API calls", *[str(t.api_calls) for _, t in tabs])
    table.add_row("seconds", *[f"{t.seconds:.2f}" for _, t in tabs])
    return table


def _print_header_report(
    console: Console, partner: str, tab: str, data: dict[str, Any] | None
) -> None:
    """Where the header is, which header fills which field, what is not recognised
    (with the partners-file line that would map it) and which field has no column."""
    if not data:
        return
    lines = report_lines(HeaderReport.from_dict(data), tab)
    console.print(f"[bold]{partner}/{tab}[/bold] {escape(lines[0])}:")
    for line in lines[1:]:
        console.print(escape(line), soft_wrap=True)


def _print_plan(console: Console, report: SyncReport) -> None:
    for t in report.tabs:
        plan = t.plan
        if plan is None:
            continue
        _print_header_report(console, report.partner, t.tab, plan.header_report)
        console.print(f"[bold]{report.partner}/{t.tab}[/bold] plan:")
        for new in plan.creates:
            console.print(f"  create row {new.row}: {new.data.get('company_name') or new.data}")
        for upd in plan.updates:
            console.print(f"  update {upd.id}: {', '.join(sorted(upd.changes))}")
        for rid in plan.archives:
            console.print(f"  archive {rid} (row gone from the sheet)")
        for rid, _row in plan.appends:
            console.print(f"  append {rid} to the sheet")
        for rid, c in plan.conflicts:
            console.print(
                f"  conflict {rid}.{c.field}: sheet={c.sheet!r} store={c.store!r} -> {c.winner}"
            )
        for item in plan.quarantine:
            first = render(item.errors[0], plan.locale, plan.kind) if item.errors else ""
            console.print(f"  quarantine row {item.row}: {first}")
        console.print(f"  cells to write: {plan.cells_to_write}")


@click.command("sync")
@click.option("--partner", "partners", multiple=True, help="Partner code (default: all).")
@click.option("--tab", type=click.Choice(TABS), default=None, help="Only this tab.")
@click.option("--dry-run", is_flag=True, help="Show the plan; write nothing anywhere.")
@click.option("--wait", type=float, default=0.0, help="Seconds to wait for a running sync.")
@click.option(
    "--accept-deletions",
    is_flag=True,
    help="The rows that vanished were deleted on purpose: archive their records "
    "instead of stopping the tab's sync.",
)
def sync_command(
    partners: tuple[str, ...], tab: str | None, dry_run: bool, wait: float, accept_deletions: bool
) -> None:
    """Sync partner sheets with the central store now."""
    st = state()
    try:
        config = st.config()
        codes = list(partners) or sorted(config.partners)
        for code in codes:
            config.partner(code)
        store = st.store()
    except ConfigError as exc:
        fail(str(exc))
    console = Console(stderr=False)
    reports: list[SyncReport] = []
    with console.status("syncing...") as status:
        for code in codes:

            def progress(tab_name: str, what: str, code: str = code) -> None:
                status.update(f"{code}/{tab_name}: {what}")

            try:
                report = run_sync(
                    config,
                    store,
                    code,
                    tab=tab,
                    trigger=Trigger.CLI,
                    dry_run=dry_run,
                    wait_for_lease=wait,
                    progress=progress,
                    accept_deletions=accept_deletions,
                )
            except Exception as exc:  # never a traceback for the user
                fail(f"sync of {code} could not start: {exc}")
            reports.append(report)
    if dry_run:
        for report in reports:
            _print_plan(console, report)
    console.print(summary_table(reports))
    problems = [
        f"{r.partner}/{t.tab}: {t.outcome}: {t.error}" for r in reports for t in r.tabs if not t.ok
    ]
    drift = [f"{r.partner}/{t.tab}: {d}" for r in reports for t in r.tabs for d in t.drift]
    for line in drift:
        console.print(f"[yellow]header drift[/yellow] {line}")
    if problems:
        for line in problems:
            click.echo(f"crm-sync: {line}", err=True)
        raise SystemExit(1)
