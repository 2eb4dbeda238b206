"""``crm-sync validate FILE --kind lead|agreement``: check an exported tab offline.

Partners (and the project office) can check a CSV or XLSX export before a sync, or
without the service at all. Every non-blank data row gets a verdict with the row
number the sheet shows. Exit status: 0 all rows valid, 1 some row invalid, 2 the
file or the options cannot be used (one line, no traceback).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import click
from openpyxl.utils import get_column_letter

from integration.config import (
    DEFAULT_CONFIG_FILE,
    AppConfig,
    ConfigError,
    PartnerConfig,
    config_file_path,
    load_config,
)
from integration.csv_import import ImportFileError, Table, open_tables
from integration.identity import firm_keys, first_match, key_field, registration_identity
from integration.issues import ValidationIssue, issue
from integration.kinds import record_kind, tab_of
from integration.messages import LOCALES
from integration.normalise.headers import (
    HEADER_SEARCH_ROWS,
    SERVICE_FIELDS,
    HeaderMatch,
    column_field,
)
from integration.normalise.identifiers import looks_like_lead_id
from integration.normalise.locales import known_language
from integration.normalise.text import is_blank
from integration.sync.header_report import suggest_field
from integration.validate_output import Tally, frame, print_json, print_table
from integration.validation.cross_rules import (
    InMemoryLeads,
    LeadLookup,
    check_agreement,
    check_lead_duplicate,
    resolve_party,
)
from integration.validation.records import check_row
from integration.vocabulary import field_label, first_word, vocabulary


@dataclass
class RowResult:
    """The verdict on one data row; ``notes`` say what was not checked, or why a
    value reads as missing (merged cells), without making the row invalid."""

    row: int
    record: dict[str, Any]
    errors: list[ValidationIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def problems(self) -> list[str]:
        return [item.message for item in self.errors]

    def as_dict(self) -> dict[str, Any]:
        out = {
            "row": self.row,
            "valid": self.valid,
            "record": self.record,
            "errors": [item.as_dict() for item in self.errors],
        }
        if self.notes:
            out["notes"] = self.notes
        return out


class _NoLeads:
    """Offline there is no store: no party can be looked up and no lead exists."""

    def lead(self, lead_id: str) -> Mapping[str, Any] | None:
        return None

    def lead_id_by_key(self, key: tuple[str, ...]) -> str | None:
        return None


_SEP = "\x1f"


class _RowsSeen:
    """Firm keys of earlier rows in the same file, to flag in-file duplicates by
    the rule the sync applies (:func:`integration.identity.first_match`).

    The keys go to a private temporary SQLite database on disk (deleted when
    closed), not a dict: a million-row file has millions of keys, and memory
    must not grow with the file."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("")
        self._db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-8000;"
            "CREATE TABLE keys (key TEXT PRIMARY KEY, row INTEGER) WITHOUT ROWID;"
            "CREATE TABLE regs (row INTEGER PRIMARY KEY, reg TEXT);"
        )

    def close(self) -> None:
        self._db.close()

    def _rows_with(self, key: tuple[str, ...]) -> list[int]:
        found = self._db.execute("SELECT row FROM keys WHERE key = ?", (_SEP.join(key),))
        return [row for (row,) in found]

    def _registration(self, row: int) -> tuple[str, ...] | None:
        found = self._db.execute("SELECT reg FROM regs WHERE row = ?", (row,)).fetchone()
        return tuple(found[0].split(_SEP)) if found else None

    def check(self, row: int, record: Mapping[str, Any], locale: str) -> list[ValidationIssue]:
        keys = firm_keys(record)
        match = first_match(keys, self._rows_with, self._registration)
        self._db.executemany(
            "INSERT OR IGNORE INTO keys VALUES (?, ?)", [(_SEP.join(k), row) for k in keys]
        )
        reg = registration_identity(record)
        if reg is not None:
            self._db.execute("INSERT OR REPLACE INTO regs VALUES (?, ?)", (row, _SEP.join(reg)))
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


def partners_file(config_path: str | None) -> AppConfig | None:
    """The partners file (``--config``, ``$CRM_CONFIG`` or ./partners.toml), read by
    the config loader every command uses, once; None when there is none. A file
    that cannot be used stops the command (one line)."""
    path = config_file_path(config_path)
    if path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        path = Path(DEFAULT_CONFIG_FILE)
    if path is None:
        return None
    try:
        return load_config(path)
    except ConfigError as exc:
        _fail(str(exc))


def embedded_locales() -> dict[str, str]:
    """Partner code -> locale of the partners the service ships with (those the
    ``crm-sync demo`` partners file configures), for a check without any partners
    file: a partner added later is known only from the file that configures it."""
    # deferred: the demo's data is read only when there is no partners file
    from integration.demo.data import PARTNERS

    return {p.code: p.locale for p in PARTNERS}


@dataclass(frozen=True)
class TabHeaders:
    """What the partners file says about a tab's headers (nothing, without one)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    header_row: int | None = None


@dataclass(frozen=True)
class PartnerSettings:
    """What ``--partner`` sets: the language, the partner codes a record may name
    (None: only a code's shape is checked), and the partner's own settings in the
    partners file (None without one)."""

    locale: str = "en"
    partners: frozenset[str] | None = None
    config: PartnerConfig | None = None

    def headers(self, kind: str) -> TabHeaders:
        """The partner's ``[partners.columns.<tab>]`` and ``[partners.header_row]``
        for ``kind``'s tab."""
        if self.config is None:
            return TabHeaders()
        tab = tab_of(kind)
        return TabHeaders(dict(self.config.columns.get(tab, {})), self.config.header_row.get(tab))


def partner_settings(partner: str | None, config_path: str | None) -> PartnerSettings:
    """The settings of ``partner``: from the partners file when there is one, else
    the embedded partners' locales (:func:`embedded_locales`). Without
    ``--partner``: English, only a code's shape is checked, and no file is read."""
    if partner is None:
        return PartnerSettings()
    config = partners_file(config_path)
    if config is None:
        locales = embedded_locales()
        if partner not in locales:
            known = ", ".join(sorted(locales))
            _fail(
                f"unknown partner {partner!r} (known without a partners file: {known}; "
                "or give --config)"
            )
        return PartnerSettings(locales[partner], frozenset(locales))
    found = config.partners.get(partner)
    if found is None:
        known = ", ".join(sorted(config.partners)) or "none"
        _fail(f"unknown partner {partner!r} in {config.config_path} (configured: {known})")
    return PartnerSettings(found.locale, frozenset(config.partners), found)


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


def _merge_notes(
    table: Table, match: HeaderMatch, kind: str, number: int, cells: list[Any], locale: str
) -> list[str]:
    """Why a mapped cell of row ``number`` reads as empty when merged cells cover it:
    only a merged range's first cell holds the value."""
    notes = []
    for name, index in match.columns.items():
        if name in SERVICE_FIELDS or (index < len(cells) and not is_blank(cells[index])):
            continue
        for merged in table.merged:
            if merged.hides(number, index + 1):
                notes.append(
                    frame(
                        "merged",
                        locale,
                        field=field_label(kind, column_field(kind, name), locale),
                        cell=f"{get_column_letter(index + 1)}{number}",
                        range=merged.ref,
                        first=merged.ref.partition(":")[0],
                    )
                )
                break
    return notes


def _offline_parties(
    kind: str, issues: list[ValidationIssue], locale: str
) -> tuple[list[ValidationIssue], list[str]]:
    """Without leads to look them up in, a party named by name is not wrong, only
    unchecked: its ``party`` issue becomes a note."""
    notes = [
        frame(
            "party_not_checked",
            locale,
            field=field_label(kind, item.field, locale),
            value=item.params.get("value", ""),
        )
        for item in issues
        if item.code == "party"
    ]
    return [item for item in issues if item.code != "party"], notes


def iter_validated(
    table: Table,
    match: HeaderMatch,
    kind: str,
    *,
    locale: str = "en",
    partner: str | None = None,
    today: dt.date | None = None,
    leads: InMemoryLeads | None = None,
    partners: frozenset[str] | None = None,
) -> Iterator[RowResult]:
    """Check every data row of ``table``, one at a time as it is read: normalise,
    schema, then the rules that need no store (signed date not in the future,
    same firm on both sides, repeated firm within the file).

    Without ``leads``, a party named other than by CRM ID cannot be looked up:
    the row gets a note that it was not checked, not an error. With ``leads`` (a
    Leads tab or export), parties are also found by registration code or company
    name, and two known parties from one country are reported; a party id missing
    from those leads is not an error (the firm may be kept in another partner's
    sheet).
    """
    today = today or dt.date.today()
    lookup: LeadLookup = leads if leads is not None else _NoLeads()
    resolver = (lambda text: resolve_party(text, leads)) if leads is not None else None
    seen = _RowsSeen() if record_kind(kind).is_firm else None
    try:
        for number, cells in table.iter_rows():
            raw = match.row_to_raw(cells)
            record, issues = check_row(
                kind, raw, locale, partner=partner, resolve_party=resolver, partners=partners
            )
            notes = _merge_notes(table, match, kind, number, cells, locale)
            if partner is None:
                # The owning partner is not a column of the tab; without --partner
                # it is unknown, which is not the row's fault.
                issues = [i for i in issues if not (i.field == "partner" and i.code == "required")]
            if seen is None:
                if leads is None:
                    issues, unchecked = _offline_parties(kind, issues, locale)
                    notes += unchecked
                extra = check_agreement(record, lookup, today=today, locale=locale)
                issues += [i for i in extra if i.code != "reference"]
            else:
                issues += check_lead_duplicate(record, lookup, locale=locale)
                issues += seen.check(number, record, locale)
            yield RowResult(row=number, record=record, errors=issues, notes=notes)
    finally:
        if seen is not None:
            seen.close()


def leads_of(
    tables: list[Table],
    locale: str,
    partner: str | None,
    headers: TabHeaders | None = None,
    skip: Table | None = None,
) -> tuple[Table, InMemoryLeads] | None:
    """The leads (rows with a CRM ID) of the best Leads tab among ``tables`` (the
    workbook's own, or a ``--leads`` export), if there is one; ``headers``: what
    the partners file says about the Leads tab's header. The leads are kept in
    memory to look parties up: the size of a Leads tab, not of the checked file."""
    best: tuple[int, Table, HeaderMatch] | None = None
    for original in tables:
        if skip is not None and original.name == skip.name:
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
    for _number, cells in table.iter_rows():
        record, _issues = check_row("lead", match.row_to_raw(cells), locale, partner=partner)
        if looks_like_lead_id(record.get("id")):
            leads.add(record)
    return table, leads


def _unmapped_text(kind: str, header: str) -> str:
    """An unmapped header, with the field it probably means (``'Emial' (email?)``)."""
    guess = suggest_field(kind, header)
    return f"{header!r} ({guess}?)" if guess else repr(header)


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
    "--lang",
    "locale",
    callback=_language_option,
    metavar="LANG",
    help=f"Language of numbers, dates, messages and the output (overrides the "
    f"partner's): {', '.join(LOCALES)}, or any other language code (read as English "
    "where it has no texts).",
)
@click.option(
    "--leads",
    "leads_file",
    type=click.Path(dir_okay=True, path_type=Path),
    metavar="FILE",
    help="A Leads export (CSV/XLSX) to look agreement parties up in.",
)
@click.option("--errors-only", is_flag=True, help="Print only the invalid rows (and the summary).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per row.")
@click.pass_context
def validate_command(
    ctx: click.Context,
    file: Path,
    kind: str,
    partner: str | None,
    config_path: str | None,
    locale: str | None,
    leads_file: Path | None,
    errors_only: bool,
    as_json: bool,
) -> None:
    """Validate a CSV or XLSX export of a partner's Leads or Agreements tab, offline.

    Rows are read, checked and printed one at a time, so a file of any length is
    checked in the same memory. Exit status 0 when every row is valid, 1 when some
    row is invalid, 2 when a file cannot be read or has no recognisable header.
    """
    root = ctx.find_root().obj
    config_path = config_path or getattr(root, "config_path", None)
    if partner is not None:
        partner = partner.strip().lower()
    settings = partner_settings(partner, config_path)
    locale = locale or settings.locale
    headers = settings.headers(kind)
    reading = file
    try:
        with contextlib.ExitStack() as stack:
            tables = stack.enter_context(open_tables(file))
            table, match = _checked_tab(file, tables, kind, headers, locale)
            leads = None
            if record_kind(kind).party_columns:  # the parties are leads: read them
                reading = leads_file or file
                lead_headers = settings.headers("lead")
                leads = _party_leads(
                    stack, tables, table, leads_file, locale, partner, lead_headers
                )
                reading = file
            tally = Tally()
            results = tally.count(
                iter_validated(
                    table,
                    match,
                    kind,
                    locale=locale,
                    partner=partner,
                    leads=leads,
                    partners=settings.partners,
                )
            )
            shown = (r for r in results if not r.valid) if errors_only else results
            if as_json:
                print_json(shown)
            else:
                title = file.name if table.name == file.name else f"{file.name}: {table.name}"
                print_table(shown, kind, locale, title)
                click.echo(tally.summary(locale))
    except ImportFileError as exc:
        _fail(f"{reading}: {exc}")
    if tally.invalid:
        ctx.exit(1)


def _party_leads(
    stack: contextlib.ExitStack,
    tables: list[Table],
    agreements: Table,
    leads_file: Path | None,
    locale: str,
    partner: str | None,
    headers: TabHeaders,
) -> InMemoryLeads | None:
    """The leads agreement parties are looked up in: ``--leads FILE``, else the
    workbook's own Leads tab; None (parties not checked) when there is neither."""
    if leads_file is not None:
        found = leads_of(stack.enter_context(open_tables(leads_file)), locale, partner, headers)
        if found is None:
            _fail(f"{leads_file}: no Leads tab with CRM ID and company columns")
        source = repr(leads_file.name)
    else:
        # the workbook's own Leads tab, never the agreements being checked
        found = leads_of(tables, locale, partner, headers, skip=agreements)
        source = repr(found[0].name) if found else ""
    if found is None:
        click.echo(frame("parties_offline", locale), err=True)
        return None
    click.echo(frame("parties_looked_up", locale, source=source, count=len(found[1])), err=True)
    return found[1]


def _checked_tab(
    file: Path, tables: list[Table], kind: str, headers: TabHeaders, locale: str
) -> tuple[Table, HeaderMatch]:
    """The tab to check and its header, said to the reader (where, unmapped
    columns); no recognisable header at all stops the command."""
    table, match = _best_table(tables, kind, headers)
    if not [name for name in match.columns if name not in SERVICE_FIELDS]:
        examples = ", ".join(
            first_word(vocabulary()["headers"][kind][name], locale) or name
            for name in list(vocabulary()["headers"][kind])[1:4]
        )
        searched = headers.header_row is None
        reason = frame(
            "no_header_searched" if searched else "no_header_at",
            locale,
            kind=frame(f"kind.{kind}", locale),
            row=table.header_row,
            rows=HEADER_SEARCH_ROWS,
            examples=examples,
        )
        _fail(f"{file}: {reason}")
    if table.header_row != 1:
        click.echo(frame("header_row", locale, row=table.header_row), err=True)
    if match.unmapped:
        names = ", ".join(_unmapped_text(kind, header) for _, header in match.unmapped)
        click.echo(frame("unmapped", locale, names=names), err=True)
    return table, match
