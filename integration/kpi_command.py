"""``crm-sync kpi``: signed agreements in the project window vs. the target.

Prints the same numbers as ``/api/v1/kpi`` and the dashboard (all three call
:func:`integration.kpi.compute_kpi`).
"""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from integration.cli_support import fail, state
from integration.kpi import compute_kpi


@click.command("kpi")
@click.option("--partner", help="Only agreements this partner reports.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def kpi_command(partner: str | None, as_json: bool) -> None:
    """Signed agreements vs. target, by partner and sector."""
    config = state().config()
    if partner and partner not in config.partners:
        fail(f"unknown partner {partner!r} (configured: {', '.join(sorted(config.partners))})")
    with state().store().session() as session:
        kpi = compute_kpi(session, config, partner=partner)
    if as_json:
        click.echo(json.dumps(kpi, indent=2, ensure_ascii=False))
        return

    console = Console()
    window = kpi["window"]
    console.print(
        f"[bold]{kpi['project']}[/bold]: {kpi['signed']} of {kpi['target']} signed agreements "
        f"({window['start']} – {window['end']}); pace needs {kpi['expected_by_today']} by "
        f"{kpi['as_of']}, {kpi['days_left']} days left."
    )
    by_partner = Table("Partner", "Name", "Signed", title="By partner")
    for row in kpi["by_partner"]:
        by_partner.add_row(row["partner"], row["name"], str(row["signed"]))
    by_partner.add_row("", "[bold]Total / target[/bold]", f"{kpi['signed']} / {kpi['target']}")
    console.print(by_partner)
    by_sector = Table("Sector", "Signed", title="By sector")
    for row in kpi["by_sector"] or [{"sector": "-", "signed": 0}]:
        by_sector.add_row(row["sector"], str(row["signed"]))
    console.print(by_sector)
