"""The ``crm-sync`` command line: the root group and the table of its subcommands.

Where a command lives, one rule: each subcommand is a module named
``<command>_command.py`` beside the feature it drives, in that feature's package
(``sync/``, ``scheduler/``, ``drive/``, ``reports/``, ``demo/``, the emulator's
``sheets_emulator/``) or, for a feature that is one top-level module, beside it at
the top of ``integration/`` (``kpi``, ``tokens``, ``check``, ``validate``, and
``db`` for the store's migrations: the store package holds no command, because
every command reaches the store through :mod:`integration.cli_support`). This
module holds only the root group and :data:`LAZY_COMMANDS`, which names each
command's module; a command is imported only when used, so ``crm-sync --help``
is quick and a command's dependencies load on demand. Nothing outside the
command modules imports :mod:`integration.cli_support`.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click
from sqlalchemy.exc import OperationalError

from integration.cli_support import CliState, fail
from integration.config import ConfigError, debug_enabled, log_format
from integration.logs import configure

#: name -> (module, attribute, one-line help shown in ``crm-sync --help``)
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "validate": (
        "integration.validate_command",
        "validate_command",
        "Validate a CSV/XLSX export offline.",
    ),
    "kpi": ("integration.kpi_command", "kpi_command", "Signed agreements vs. the target."),
    "report": (
        "integration.reports.report_command",
        "report_command",
        "Write the project report for a period (XLSX, CSV, JSON).",
    ),
    "sync": (
        "integration.sync.sync_command",
        "sync_command",
        "Sync partner sheets with the store.",
    ),
    "tokens": (
        "integration.tokens_command",
        "tokens_group",
        "Create, list and revoke API tokens.",
    ),
    "emulator": (
        "sheets_emulator.emulator_command",
        "emulator_command",
        "Run the local Sheets API emulator.",
    ),
    "scheduler": (
        "integration.scheduler.scheduler_command",
        "scheduler_command",
        "Run the clock process (nightly and requested syncs).",
    ),
    "serve": (
        "integration.scheduler.scheduler_command",
        "serve_command",
        "Run web and scheduler in one process.",
    ),
    "demo": (
        "integration.demo.demo_command",
        "demo_command",
        "Start the demo on embedded defaults.",
    ),
    "check": (
        "integration.check_command",
        "check_command",
        "Check configuration, store, credentials and spreadsheets.",
    ),
    "db": ("integration.db_command", "db", "Store schema migrations."),
    "watch": (
        "integration.drive.drive_command",
        "watch_command",
        "Register, list or stop Drive push channels.",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module_name, attr, _help = LAZY_COMMANDS[cmd_name]
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name and module_name.startswith(exc.name):
                    return None
                raise
            return getattr(module, attr)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, LAZY_COMMANDS[name][2]) for name in LAZY_COMMANDS]
        rows += [(n, c.get_short_help_str()) for n, c in self.commands.items()]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    envvar="CRM_CONFIG",
    metavar="PATH",
    help="Partners file (TOML). Default: $CRM_CONFIG or ./partners.toml.",
)
@click.option(
    "--database-url",
    envvar="DATABASE_URL",
    metavar="URL",
    help="Store URL. Default: $DATABASE_URL or SQLite under instance/.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log more (never secrets).")
@click.pass_context
def cli(
    ctx: click.Context, config_path: str | None, database_url: str | None, verbose: bool
) -> None:
    """lef-crm-sync: partner Google Sheets <-> central CRM store."""
    configure(log_format(), logging.INFO if verbose else logging.WARNING)
    ctx.obj = CliState(config_path=config_path, database_url=database_url)


def main(argv: list[str] | None = None) -> None:
    """Entry point: configuration and connection problems are one line, not a traceback."""
    try:
        cli.main(args=argv, prog_name="crm-sync", standalone_mode=True)
    except ConfigError as exc:
        fail(str(exc))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        fail(f"cannot use the store: {reason}")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # last resort: a person gets a line, the log gets details
        if debug_enabled():
            raise
        logging.getLogger("integration.cli").debug("unexpected error", exc_info=True)
        fail(f"unexpected error: {type(exc).__name__}: {exc} (set CRM_DEBUG=1 for details)", 1)


if __name__ == "__main__":  # pragma: no cover
    main()
