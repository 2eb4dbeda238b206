"""What the demo prints: where everything is, and what the first sync did."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel

from integration.demo.example import StageEdit
from integration.sync.sync_command import summary_table


def print_intro(
    console: Console,
    *,
    config: Any,
    web_url: str,
    emulator_host: str,
    token: str | None,
    spreadsheet_ids: dict[str, str],
    created: bool,
    demo_dir: Path,
    has_dashboard: bool,
    example: tuple[Path, StageEdit] | None = None,
) -> None:
    lines = []
    if has_dashboard:
        lines.append(f"[bold]Dashboard[/]  {web_url}/dashboard/  (sign in with the API token)")
    lines.append(f"[bold]API[/]        {web_url}/api/v1/kpi")
    if token:
        lines.append(f"[bold]API token[/]  {token}  (admin; saved in {demo_dir / 'api-token'})")
        lines.append(
            f'             curl -H "Authorization: Bearer $CRM_API_TOKEN" {web_url}/api/v1/leads'
        )
    lines.append(f"[bold]Health[/]     {web_url}/healthz")
    lines.append(
        f"[bold]Emulator[/]   http://{emulator_host}  (SHEETS_EMULATOR_HOST={emulator_host})"
    )
    for code, sid in spreadsheet_ids.items():
        partner = config.partners[code]
        lines.append(f"  {code}: {sid}  tabs {partner.leads_tab!r}, {partner.agreements_tab!r}")
    if example is not None:
        path, edit = example
        partner = next(iter(spreadsheet_ids))
        company, tab = escape(edit.company), escape(repr(edit.tab))
        lines += [
            "",
            "Edit a sheet as a partner's own script would (plain gspread; the emulator host and a",
            f"token instead of Google's): [bold]python {path}[/]",
            f"  moves {company} ({edit.lead_id}) in {partner}'s {tab} to its next "
            f"stage: {edit.cell} {edit.old_word!r} -> {edit.new_word!r}",
            "  [dim]gc = gspread.Client(auth=None, session=Emulator())  # see the script[/]",
            f"  [dim]gc.open_by_key({edit.spreadsheet_id!r}).worksheet({tab})"
            f".update_acell({edit.cell!r}, {edit.new_word!r})[/]",
            "  The sync picks the edit up a few seconds later (see the lead on the dashboard).",
        ]
    where = "generated" if created else "restored from " + str(demo_dir)
    console.print(Panel("\n".join(lines), title=f"lef-crm-sync demo (spreadsheets {where})"))


#: The demo's export lines as a file, for `source instance/demo/demo.env`.
ENV_FILE = "demo.env"


def export_lines(variables: dict[str, str]) -> list[str]:
    """``export NAME=value`` lines a POSIX shell reads back exactly (values quoted
    where they need it)."""
    return [f"export {name}={shlex.quote(value)}" for name, value in variables.items() if value]


def print_exports(variables: dict[str, str], env_file: Path) -> None:
    """The lines that point other ``crm-sync`` commands (and curl) at this demo,
    printed plainly (no panel, no wrapping, so they copy exactly) and saved in
    ``env_file``. Without them a command in another terminal opens its own
    default store, not the demo's."""
    lines = export_lines(variables)
    env_file.write_text("\n".join(lines) + "\n", "utf-8")
    env_file.chmod(0o600)  # it holds the demo's admin token
    click.echo(
        f"Point other commands at this demo (paste into another terminal, or `source {env_file}`):"
    )
    for line in lines:
        click.echo(f"  {line}")


def print_summary(console: Console, reports: dict[str, Any]) -> None:
    """The first sync per partner and tab, in the same table ``crm-sync sync`` prints."""
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
