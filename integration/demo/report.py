"""What the demo prints: where everything is, and what the first sync did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

#: Count columns of the summary, in order: (heading, names the engine may use).
COUNT_COLUMNS = (
    ("read", ("rows_read", "read", "rows")),
    ("created", ("created",)),
    ("updated", ("updated",)),
    ("unchanged", ("unchanged",)),
    ("invalid", ("invalid", "quarantined")),
    ("duplicates", ("duplicates", "duplicate")),
    ("conflicts", ("conflicts",)),
    ("archived", ("archived",)),
)


def print_intro(
    console: Console,
    *,
    config: Any,
    web_url: str,
    emulator_host: str,
    emulator_token: str,
    token: str | None,
    spreadsheet_ids: dict[str, str],
    created: bool,
    demo_dir: Path,
    has_dashboard: bool,
) -> None:
    lines = []
    if has_dashboard:
        lines.append(f"[bold]Dashboard[/]  {web_url}/dashboard/  (sign in with the API token)")
    lines.append(f"[bold]API[/]        {web_url}/api/v1/kpi")
    if token:
        lines.append(f"[bold]API token[/]  {token}  (admin; saved in {demo_dir / 'api-token'})")
        lines.append(f'             curl -H "Authorization: Bearer {token}" {web_url}/api/v1/leads')
    lines.append(f"[bold]Health[/]     {web_url}/healthz")
    lines.append(
        f"[bold]Emulator[/]   http://{emulator_host}  (SHEETS_EMULATOR_HOST={emulator_host})"
    )
    for code, sid in spreadsheet_ids.items():
        partner = config.partners[code]
        lines.append(f"  {code}: {sid}  tabs {partner.leads_tab!r}, {partner.agreements_tab!r}")
    lines.append("")
    lines.append("Edit a sheet as a partner would (real gspread, any client):")
    first = next(iter(spreadsheet_ids.values()))
    lines.append(
        "  [dim]from connectors.google_sheets.auth import make_gspread_client[/]\n"
        f"  [dim]gc = make_gspread_client(emulator_host={emulator_host!r}, "
        f"token={emulator_token!r})[/]\n"
        f"  [dim]gc.open_by_key({first!r}).sheet1.update_acell('A2', 'SIA \"Jauns nosaukums\"')[/]"
    )
    where = "generated" if created else "restored from " + str(demo_dir)
    console.print(Panel("\n".join(lines), title=f"lef-crm-sync demo (spreadsheets {where})"))


def _get(obj: Any, *names: str) -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


def tab_results(report: Any) -> list[Any]:
    tabs = _get(report, "tabs", "results")
    if isinstance(tabs, dict):
        return list(tabs.values())
    return list(tabs or [])


def print_summary(console: Console, config: Any, reports: dict[str, Any]) -> None:
    """One line per partner and tab: what the first sync found and did."""
    table = Table(title="First sync", show_lines=False)
    table.add_column("partner")
    table.add_column("tab")
    table.add_column("outcome")
    for heading, _ in COUNT_COLUMNS:
        table.add_column(heading, justify="right")
    table.add_column("cells written", justify="right")
    table.add_column("API calls", justify="right")
    table.add_column("s", justify="right")
    for code, report in reports.items():
        if isinstance(report, Exception):
            table.add_row(code, "-", f"[red]failed: {type(report).__name__}: {report}[/]")
            continue
        for tab in tab_results(report):
            counts = _get(tab, "counts") or {}
            cells = []
            for _heading, names in COUNT_COLUMNS:
                value = _get(counts, *names)
                if value is None:
                    value = _get(tab, *names)
                cells.append("" if value is None else str(value))
            seconds = _get(tab, "seconds")
            outcome = str(_get(tab, "outcome") or "")
            colour = "green" if outcome in ("ok", "completed", "success") else "yellow"
            table.add_row(
                code,
                str(_get(tab, "tab", "name") or ""),
                f"[{colour}]{outcome}[/]",
                *cells,
                str(_get(tab, "cells_written") or 0),
                str(_get(tab, "api_calls") or 0),
                f"{seconds:.2f}" if isinstance(seconds, int | float) else "",
            )
    console.print(table)
