"""``crm-sync emulator``: run the Sheets API emulator in the foreground."""

from __future__ import annotations

import logging

import click

from .running import serve


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8085, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Persist every spreadsheet to FILE (atomically) and restore it on start.",
)
@click.option(
    "--seed",
    "seed_dir",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Load spreadsheets from DIR: one folder per spreadsheet, one CSV per tab.",
)
@click.option("--token", default=None, help="Accept only this bearer token (default: any).")
@click.option(
    "--quotas", is_flag=True, help="Enforce Google's per-minute quotas (60/user, 300/project)."
)
def emulator_command(
    host: str,
    port: int,
    state_file: str | None,
    seed_dir: str | None,
    token: str | None,
    quotas: bool,
) -> None:
    """Run a local Google Sheets v4 + Drive v3 emulator (Ctrl-C to stop)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    click.echo(
        f"Sheets emulator on http://{host}:{port}  (export SHEETS_EMULATOR_HOST={host}:{port})"
    )
    try:
        serve(host, port, state_file=state_file, seed_dir=seed_dir, token=token, quotas=quotas)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("Sheets emulator stopped.")
