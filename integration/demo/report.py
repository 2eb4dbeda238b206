"""What the demo prints: where everything is, and what the first sync did."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel


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


def print_summary(console: Console, reports: dict[str, Any]) -> None:
    """The first sync per partner and tab, in the same table ``crm-sync sync`` prints."""
    from integration.sync.sync_command import summary_table

    done = [r for r in reports.values() if not isinstance(r, Exception)]
    if done:
        table = summary_table(done)
        table.title = "First sync"
        console.print(table)
    for code, report in reports.items():
        if isinstance(report, Exception):
            console.print(f"[red]{code}: first sync failed: {type(report).__name__}: {report}[/]")
        else:
            for tab in report.tabs:
                if tab.error:
                    console.print(f"[yellow]{code} {tab.tab}: {tab.error}[/]")
