"""``crm-sync validate FILE --kind lead|agreement``: check an exported tab offline.

Partners (and the project office) can check a CSV or XLSX export before a sync, or
without the service at all. Every non-blank data row gets a verdict with the row
number the sheet shows. Exit status: 0 all rows valid, 1 some row invalid, 2 the
file or the options cannot be used (one line, no traceback).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import click

from integration.config import ConfigError, load_config
from integration.csv_import import ImportFileError, Table, read_tables
from integration.identity import firm_keys, first_match, key_field, registration_identity
from integration.issues import ValidationIssue, issue
from integration.messages import LOCALES
from integration.normalise.headers import HEADER_SEARCH_ROWS, SERVICE_FIELDS, HeaderMatch
from integration.normalise.identifiers import looks_like_lead_id
from integration.normalise.locales import known_language
from integration.validation.cross_rules import (
    InMemoryLeads,
    LeadLookup,
    check_agreement,
    check_lead_duplicate,
    resolve_party,
)
from integration.validation.records import check_row
from integration.vocabulary import field_label, vocabulary

#: The founding partners' locales, for a check without any partners file (a partner
#: added later is known only from the partners file that configures it).
DEFAULT_LOCALES = {"lv": "lv", "ee": "et", "fi": "fi"}
_DEFAULT_CONFIG = "partners.toml"


@dataclass
class RowResult:
    """The verdict on one data row."""

    row: int
    record: dict[str, Any]
    errors: list[ValidationIssue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "valid": self.valid,
            "record": self.record,
            "errors": [item.as_dict() for item in self.errors],
        }


class _NoLeads:
    """Offline there is no store: no party can be looked up and no lead exists."""

    def lead(self, lead_id: str) -> Mapping[str, Any] | None:
        return None

    def lead_id_by_key(self, key: tuple[str, ...]) -> str | None:
        return None


class _RowsSeen:
    """Firm keys of earlier rows in the same file, to flag in-file duplicates by
    the rule the sync applies (:func:`integration.identity.first_match`)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, ...], int] = {}
        self.regs: dict[int, tuple[str, ...]] = {}

    def check(self, row: int, record: Mapping[str, Any], locale: str) -> list[ValidationIssue]:
        keys = firm_keys(record)
        match = first_match(
            keys,
            lambda key: [self.rows[key]] if key in self.rows else [],
            lambda first: self.regs.get(first),
        )
        for key in keys:
            self.rows.setdefault(key, row)
        reg = registration_identity(record)
        if reg is not None:
            self.regs[row] = reg
        if match is None:
            return []
        key, first = match
        field_name = key_field(key)
        return [
            issue(
                "duplicate",
                field_name,
                locale,
                kind="lead",
                template="validation.duplicate_row",
                row=first,
                key=field_name,
            )
        ]


def _fail(message: str) -> NoReturn:
    click.echo(f"crm-sync: {message}", err=True)
    raise SystemExit(2)


def partner_settings(
    partner: str | None, config_path: str | None
) -> tuple[str, frozenset[str] | None]:
    """``(locale, partner codes)`` for ``partner``: from the partners file when there
    is one (``--config``, ``$CRM_CONFIG`` or ./partners.toml), else the founding
    partners' defaults. Without ``--partner``: English, and only a code's shape is
    checked."""
    if partner is None:
        return "en", None
    from integration.config import config_file_path

    path = config_file_path(config_path)
    if path is None and Path(_DEFAULT_CONFIG).is_file():
        path = _DEFAULT_CONFIG
    if path is not None:
        try:
            config = load_config(path)
        except ConfigError as exc:
            _fail(str(exc))
        found = config.partners.get(partner)
        if found is None:
            known = ", ".join(sorted(config.partners)) or "none"
            _fail(f"unknown partner {partner!r} in {path} (configured: {known})")
        return found.locale, frozenset(config.partners)
    if partner not in DEFAULT_LOCALES:
        known = ", ".join(sorted(DEFAULT_LOCALES))
        _fail(
            f"unknown partner {partner!r} (known without a partners file: {known}; "
            "or give --config)"
        )
    return DEFAULT_LOCALES[partner], frozenset(DEFAULT_LOCALES)


@dataclass(frozen=True)
class TabHeaders:
    """What the partners file says about a tab's headers (nothing, without one)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    header_row: int | None = None


#: ``--kind`` -> the partners file's tab name.
_TABS = {"lead": "leads", "agreement": "agreements"}


def partner_headers(partner: str | None, config_path: str | None, kind: str) -> TabHeaders:
    """The partner's ``[partners.columns.<tab>]`` and ``[partners.header_row]`` for
    ``kind``'s tab, when a partners file is available (problems with the file are
    reported by :func:`partner_locale`, which runs first)."""
    if partner is None:
        return TabHeaders()
    from integration.config import config_file_path

    path = config_file_path(config_path)
    if path is None and Path(_DEFAULT_CONFIG).is_file():
        path = Path(_DEFAULT_CONFIG)
    if path is None:
        return TabHeaders()
    try:
        found = load_config(path).partners.get(partner)
    except ConfigError as exc:
        _fail(str(exc))
    if found is None:
        return TabHeaders()
    tab = _TABS[kind]
    return TabHeaders(dict(found.columns.get(tab, {})), found.header_row.get(tab))


def _located(table: Table, kind: str, headers: TabHeaders) -> tuple[Table, HeaderMatch]:
    return table.at_header(kind, headers.columns, headers.header_row)


def _best_table(
    tables: list[Table], kind: str, headers: TabHeaders | None = None
) -> tuple[Table, HeaderMatch]:
    """The worksheet whose header matches the most fields of ``kind``, its header
    found by the sync's rule (below a title, or the configured row)."""
    scored = []
    for table in tables:
        located, match = _located(table, kind, headers or TabHeaders())
        data_fields = [name for name in match.columns if name not in SERVICE_FIELDS]
        scored.append((len(data_fields), located, match))
    best = max(scored, key=lambda item: item[0])
    return best[1], best[2]


def validate_table(
    table: Table,
    match: HeaderMatch,
    kind: str,
    *,
    locale: str = "en",
    partner: str | None = None,
    today: dt.date | None = None,
    leads: InMemoryLeads | None = None,
    partners: frozenset[str] | None = None,
) -> list[RowResult]:
    """Check every data row of ``table``: normalise, schema, then the rules that need
    no store (signed date not in the future, same firm on both sides, repeated firm
    within the file).

    Without ``leads``, parties named other than by CRM ID are reported as ``party``.
    With ``leads`` (the workbook's own Leads tab), parties are also found by
    registration code or company name, and two known parties from one country are
    reported; a party id missing from that tab is not an error (the firm may be
    kept in another partner's sheet).
    """
    today = today or dt.date.today()
    lookup: LeadLookup = leads if leads is not None else _NoLeads()
    resolver = (lambda text: resolve_party(text, leads)) if leads is not None else None
    seen = _RowsSeen()
    results = []
    for number, cells in table.rows:
        raw = match.row_to_raw(cells)
        record, issues = check_row(
            kind, raw, locale, partner=partner, resolve_party=resolver, partners=partners
        )
        if partner is None:
            # The owning partner is not a column of the tab; without --partner it is
            # unknown, which is not the row's fault.
            issues = [i for i in issues if not (i.field == "partner" and i.code == "required")]
        if kind == "agreement":
            extra = check_agreement(record, lookup, today=today, locale=locale)
            issues += [i for i in extra if i.code != "reference"]
        else:
            issues += check_lead_duplicate(record, lookup, locale=locale)
            issues += seen.check(number, record, locale)
        results.append(RowResult(row=number, record=record, errors=issues))
    return results


def workbook_leads(
    tables: list[Table],
    skip: Table,
    locale: str,
    partner: str | None,
    headers: TabHeaders | None = None,
) -> tuple[Table, InMemoryLeads] | None:
    """The leads of the workbook's Leads tab (rows with a CRM ID), if it has one;
    ``headers``: what the partners file says about the Leads tab's header."""
    best: tuple[int, Table, HeaderMatch] | None = None
    for original in tables:
        if original.name == skip.name:
            continue
        table, match = _located(original, "lead", headers or TabHeaders())
        score = len([n for n in match.columns if n not in SERVICE_FIELDS])
        if (
            "id" in match.columns
            and "company_name" in match.columns
            and (best is None or score > best[0])
        ):
            best = (score, table, match)
    if best is None:
        return None
    _, table, match = best
    leads = InMemoryLeads()
    for _number, cells in table.rows:
        record, _issues = check_row("lead", match.row_to_raw(cells), locale, partner=partner)
        if looks_like_lead_id(record.get("id")):
            leads.add(record)
    return table, leads


def _unmapped_text(kind: str, header: str) -> str:
    """An unmapped header, with the field it probably means (``'Emial' (email?)``)."""
    from integration.sync.header_report import suggest_field

    guess = suggest_field(kind, header)
    return f"{header!r} ({guess}?)" if guess else repr(header)


def _print_table(results: list[RowResult], kind: str, locale: str, source: str) -> None:
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(soft_wrap=False)
    title_field = "company_name" if kind == "lead" else "subject"
    grid = RichTable(title=source, show_lines=False)
    grid.add_column("Row", justify="right", no_wrap=True)
    grid.add_column("Status", no_wrap=True)
    grid.add_column(field_label(kind, title_field, locale), overflow="fold")
    grid.add_column("Problems", overflow="fold")
    for result in results:
        status = "[green]OK[/green]" if result.valid else "[red]invalid[/red]"
        name = result.record.get(title_field) or result.record.get("id") or ""
        problems = "\n".join(item.message for item in result.errors)
        grid.add_row(str(result.row), status, _escape(str(name)), _escape(problems))
    console.print(grid)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _language_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Any:
    """``--locale``: a language code babel knows (``lv``, ``lt``, ``en``), lower case."""
    if value is None:
        return None
    code = value.strip().lower()
    if not known_language(code):
        raise click.BadParameter(f"{value!r} is not a language code (such as en, lv, et, fi)")
    return code


@click.command("validate")
@click.argument("file", type=click.Path(dir_okay=True, path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(["lead", "agreement"]),
    required=True,
    help="What the tab holds: leads or agreements.",
)
@click.option(
    "--partner",
    metavar="CODE",
    help="Partner code of the partners file (lv, ee, fi, ...): sets the language.",
)
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    help="Partners file to read the partner's locale from.",
)
@click.option(
    "--locale",
    callback=_language_option,
    metavar="LANG",
    help=f"Language of numbers, dates and messages (overrides the partner's): "
    f"{', '.join(LOCALES)}, or any other language code (read as English where "
    "it has no texts).",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per row.")
@click.pass_context
def validate_command(
    ctx: click.Context,
    file: Path,
    kind: str,
    partner: str | None,
    config_path: str | None,
    locale: str | None,
    as_json: bool,
) -> None:
    """Validate a CSV or XLSX export of a partner's Leads or Agreements tab, offline.

    Exit status 0 when every row is valid, 1 when some row is invalid, 2 when the
    file cannot be read or has no recognisable header.
    """
    root = ctx.find_root().obj
    config_path = config_path or getattr(root, "config_path", None)
    if partner is not None:
        partner = partner.strip().lower()
    partner_locale, partners = partner_settings(partner, config_path)
    locale = locale or partner_locale
    try:
        tables = read_tables(file)
    except ImportFileError as exc:
        _fail(f"{file}: {exc}")
    headers = partner_headers(partner, config_path, kind)
    table, match = _best_table(tables, kind, headers)
    if not [name for name in match.columns if name not in SERVICE_FIELDS]:
        examples = ", ".join(
            vocabulary()["headers"][kind][name]["en"][0]
            for name in list(vocabulary()["headers"][kind])[1:4]
        )
        where = f"row {table.header_row}"
        if headers.header_row is None:
            where += f" (nor in the first {HEADER_SEARCH_ROWS} rows)"
        _fail(
            f"{file}: no recognisable {kind} header in {where} "
            f"(expected columns such as {examples})"
        )
    if table.header_row != 1:
        click.echo(f"header in row {table.header_row}; the rows above it are not data", err=True)
    if match.unmapped:
        names = ", ".join(_unmapped_text(kind, header) for _, header in match.unmapped)
        click.echo(f"unmapped columns (kept, not validated): {names}", err=True)
    leads = None
    if kind == "agreement":
        lead_headers = partner_headers(partner, config_path, "lead")
        found = workbook_leads(tables, table, locale, partner, lead_headers)
        if found is not None:
            leads_table, leads = found
            click.echo(
                f"parties looked up in tab {leads_table.name!r} ({len(leads)} leads with a CRM ID)",
                err=True,
            )
    results = validate_table(
        table, match, kind, locale=locale, partner=partner, leads=leads, partners=partners
    )
    if as_json:
        payload = [result.as_dict() for result in results]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    else:
        title = file.name if table.name == file.name else f"{file.name}: {table.name}"
        _print_table(results, kind, locale, title)
        bad = sum(not r.valid for r in results)
        click.echo(f"{len(results)} rows: {len(results) - bad} valid, {bad} invalid")
    if any(not result.valid for result in results):
        ctx.exit(1)
