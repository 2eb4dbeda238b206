"""Find columns by header name, not position, in any of the four languages, and
find the header row itself below a title.

Chamber spreadsheets are laid out by people: a title and a blank row above the
header ("LEF Network Azerbaijan — kontakti 2025"), bilingual headers ("Uzņēmums /
Company", "Y-tunnus (Business ID)"), and the odd header of their own that a
partner maps in the partners file (``[partners.columns.leads]``). The rules here
are pure, and the sync and ``crm-sync validate`` both use them, so a tab reads
the same way in both.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from integration.kinds import STORE_FIELDS, record_kind
from integration.normalise.text import clean_line, is_blank_row
from integration.vocabulary import fold, header_table
from schemas import load_schema

#: A bilingual or annotated header splits into parts at these: "Uzņēmums / Company",
#: "Tālrunis | Phone", "E-pasts\nE-mail", "Y-tunnus (Business ID)", and a unit after
#: a comma or in brackets: "Vērtība, EUR", "Summa [EUR]".
_PART_SEPARATORS = re.compile(r"[/|()\[\],\r\n]+")

#: Columns the service owns in every tab (besides ``id``, the CRM ID column).
SERVICE_FIELDS = ("sync_status", "last_synced")

#: The header is looked for among this many rows at the top of a tab.
HEADER_SEARCH_ROWS = 10

#: Record fields no sheet column fills: the service and the partners file set them.
_NOT_IN_SHEETS = frozenset({*STORE_FIELDS, "partner"})

#: How a column's field was found: by a vocabulary alias, or by the partners file.
ALIAS, CONFIGURED = "alias", "configured"


@dataclass(frozen=True)
class HeaderMatch:
    """Which column holds which field.

    ``columns`` maps field name -> 0-based column index (``id`` for "CRM ID",
    ``sync_status``/``last_synced`` for the service columns, ``seller``/``buyer`` for
    agreement parties). ``unmapped`` lists ``(index, header)`` of columns the service
    does not know: partners' own columns, kept and never overwritten. A second column
    for a field already found is listed there too. ``configured`` names the fields
    found through the partner's own ``[partners.columns]`` mapping.
    """

    columns: dict[str, int] = field(default_factory=dict)
    unmapped: list[tuple[int, str]] = field(default_factory=list)
    configured: set[str] = field(default_factory=set)

    @property
    def fields(self) -> list[str]:
        """Recognised fields in column order."""
        return sorted(self.columns, key=self.columns.__getitem__)

    @property
    def data_fields(self) -> list[str]:
        """Recognised fields other than the service's own columns (CRM ID excepted)."""
        return [name for name in self.fields if name not in SERVICE_FIELDS]

    def row_to_raw(self, row: Sequence[Any]) -> dict[str, Any]:
        """One row's filled cells keyed by every field found (:func:`row_values`)."""
        return row_values(self.columns, row)


def row_values(columns: Mapping[str, int], row: Sequence[Any]) -> dict[str, Any]:
    """One row's filled cells keyed by field (``columns``: field -> 0-based column),
    as :func:`integration.normalise.normalise_record` reads them.

    The one place a row of cells becomes a raw record, for the sync
    (:func:`integration.sync.sheet_rows.row_raw`) and ``crm-sync validate`` alike.
    Blank cells (``None``, ``""``, a missing trailing cell) are left out: to the
    normaliser and to a row's fingerprint a blank cell is no value at all.
    """
    width = len(row)
    out: dict[str, Any] = {}
    for name, index in columns.items():
        if index < width:
            value = row[index]
            if value is not None and value != "":
                out[name] = value
    return out


@cache
def sheet_fields(kind: str) -> tuple[str, ...]:
    """Record fields a sheet column can hold, in schema order (what a partner's
    ``[partners.columns]`` line may name)."""
    props = load_schema(kind)["properties"]
    return tuple(name for name in props if name not in _NOT_IN_SHEETS)


def header_parts(text: str) -> list[str]:
    """The parts of a bilingual or annotated header, as typed.

    ``"Uzņēmums / Company"`` -> ``["Uzņēmums", "Company"]``;
    ``"Y-tunnus (Business ID)"`` -> ``["Y-tunnus", "Business ID"]``.
    """
    parts = (clean_line(part) for part in _PART_SEPARATORS.split(text))
    return [part for part in parts if part]


def column_name(kind: str, field_name: str) -> str:
    """A record field as a header-match name (an agreement's ``seller_id`` -> ``seller``)."""
    for column, target in record_kind(kind).party_columns:
        if target == field_name:
            return column
    return field_name


def column_field(kind: str, column: str) -> str:
    """A header-match name as the record field it fills (an agreement's ``seller`` ->
    ``seller_id``): the inverse of :func:`column_name`."""
    for name, target in record_kind(kind).party_columns:
        if name == column:
            return target
    return column


def configured_table(kind: str, columns: Mapping[str, str] | None) -> dict[str, str]:
    """A partner's ``header text -> record field`` mapping as folded header ->
    header-match name, so configured headers match with the same folding as aliases."""
    return {fold(header): column_name(kind, target) for header, target in (columns or {}).items()}


def _one(found: set[str]) -> str | None:
    """The field when the parts agree; None when they name none or two different ones."""
    return next(iter(found)) if len(found) == 1 else None


def header_field(
    text: str, aliases: Mapping[str, str], configured: Mapping[str, str]
) -> tuple[str | None, str]:
    """The field one header names, and how it was found (``alias``/``configured``).

    The whole text is tried first ("Seller/Buyer" is one alias of ``role``), then its
    parts ("Uzņēmums / Company"); at each step the partner's own mapping wins over the
    aliases. Parts naming two different fields name none: nothing is guessed.
    """
    whole = fold(text)
    if whole in configured:
        return configured[whole], CONFIGURED
    if whole in aliases:
        return aliases[whole], ALIAS
    parts = [folded for folded in (fold(p) for p in header_parts(text)) if folded]
    if len(parts) < 2 and parts == [whole]:
        return None, ""
    for table, source in ((configured, CONFIGURED), (aliases, ALIAS)):
        found = {table[p] for p in parts if p in table}
        if found:
            return _one(found), source
    return None, ""


def match_headers(
    header_row: Sequence[Any], kind: str, columns: Mapping[str, str] | None = None
) -> HeaderMatch:
    """Match a header row against the aliases of ``kind`` (``lead`` or ``agreement``)
    and the partner's own ``columns`` mapping (header text -> record field).

    Matching ignores case, accents, spaces and punctuation. Blank header cells are
    skipped silently (they are usually just the sheet's empty right-hand columns).
    A configured column takes its field before any alias column does.
    """
    aliases = header_table(kind)
    configured = configured_table(kind, columns)
    found: list[tuple[int, str, str | None, str]] = []
    for index, cell in enumerate(header_row):
        typed = cell if isinstance(cell, str) or cell is None else str(cell)
        text = clean_line(typed)
        if not text or typed is None:
            continue
        # Parts are split on the text as typed: a line break separates two languages.
        name, source = header_field(typed, aliases, configured)
        found.append((index, text, name, source))
    result = HeaderMatch()
    for index, _text, name, source in found:
        if name is not None and source == CONFIGURED and name not in result.columns:
            result.columns[name] = index
            result.configured.add(name)
    for index, text, name, source in found:
        if name is not None and result.columns.get(name) == index:
            continue
        if name is None or name in result.columns or source == CONFIGURED:
            result.unmapped.append((index, text))
        else:
            result.columns[name] = index
    result.unmapped.sort()
    return result


def first_filled_row(rows: Sequence[Sequence[Any]]) -> int:
    """0-based index of the first row with any cell filled (0 when none is)."""
    return next((i for i, cells in enumerate(rows) if not is_blank_row(cells)), 0)


@dataclass(frozen=True)
class TabRows:
    """A tab's rows split at its header (:func:`find_header`): where the header is
    (``index`` into the rows read, 0-based), what its cells match, its cells, and
    the rows read below it. Rows above the header (a title, blank rows) belong to
    neither and are never written.

    The one split of the sync (every row of a tab read), ``crm-sync validate`` and
    the import of an export (:class:`integration.csv_import.Table`: only its first
    rows, the rest read from the file again when asked)."""

    index: int
    match: HeaderMatch
    header: list[Any]
    data: Sequence[Sequence[Any]]

    @property
    def header_row(self) -> int:
        """The header's sheet row number (1-based), as partners see it."""
        return self.index + 1

    def numbered(self) -> Iterator[tuple[int, Sequence[Any]]]:
        """``(sheet row number, cells)`` of each data row."""
        return enumerate(self.data, start=self.header_row + 1)


def split_rows(
    rows: Sequence[Sequence[Any]], index: int, match: HeaderMatch | None = None
) -> TabRows:
    """``rows`` split at row ``index`` (0-based; past the end: an empty header),
    whose cells match ``match`` (nothing, when not given)."""
    header = list(rows[index]) if index < len(rows) else []
    found = match if match is not None else HeaderMatch()
    return TabRows(index, found, header, rows[index + 1 :])


def find_header(
    rows: Sequence[Sequence[Any]],
    kind: str,
    columns: Mapping[str, str] | None = None,
    header_row: int | None = None,
) -> TabRows:
    """The rows read (row 1 first) split at the tab's header: the partner's
    configured ``header_row`` (1-based), else the row among the first
    :data:`HEADER_SEARCH_ROWS` with the most recognised headers, the topmost on a
    tie.

    A title and blank rows above the header are thus skipped. When no row is
    recognised at all, the first filled row is taken (row 1 for a blank tab), so
    the caller reports that header as not recognised rather than guessing. The
    sync, ``crm-sync validate`` and the import of an export all find a tab's
    header here, so a tab reads the same in all of them.
    """
    if header_row is not None:
        index = header_row - 1
    else:
        best: tuple[int, HeaderMatch] | None = None
        for at, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
            match = match_headers(cells, kind, columns)
            if match.columns and (best is None or len(match.columns) > len(best[1].columns)):
                best = (at, match)
        if best is not None:
            return split_rows(rows, *best)
        index = first_filled_row(rows)
    header = rows[index] if index < len(rows) else []
    return split_rows(rows, index, match_headers(header, kind, columns))
