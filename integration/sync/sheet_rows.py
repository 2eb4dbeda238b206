"""Sheet rows <-> records (pure): which column holds which field, cells to candidate
records, and record values back to cells.

Columns are found by header name in any of the four languages
(:func:`integration.normalise.match_headers`), so partners may reorder columns and
add their own; those are never written. Values written back are the forms partners
type themselves (``IKT``, ``jā``, ``2025-03-12``) and are checked to normalise back
to the same schema value, so a round trip never rewrites a cell.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from integration.kinds import record_kind
from integration.normalise import match_headers, normalise_record
from integration.normalise.enums import localized_labels
from integration.normalise.headers import column_field, column_name, row_values
from integration.normalise.headers import sheet_fields as sync_fields
from integration.normalise.identifiers import looks_like_lead_id, normalise_id
from integration.normalise.text import clean_line
from integration.validation.cross_rules import lead_keys, party_keys
from integration.vocabulary import country_name, field_label, vocabulary

_CANONICAL_ID = re.compile(r"^[LA]-[0-9]{6}$")
SERVICE_COLUMNS = ("id", "sync_status", "last_synced")
#: Enum fields written as the partner's word; codes (country, currency, partner) stay codes.
_LABELLED = frozenset({"sector", "role", "stage", "source", "status"})


@dataclass(frozen=True)
class Layout:
    """Where each field of one tab lives, found from its header row."""

    kind: str
    width: int
    fields: dict[str, int]  # record field -> 0-based column
    raw_keys: dict[str, int]  # normalise_record key (seller/buyer kept) -> column
    id_col: int | None
    status_col: int | None
    synced_col: int | None
    headers: dict[str, str]  # record field -> header text as typed
    unmapped: list[tuple[int, str]] = field(default_factory=list)
    #: record fields found through the partner's [partners.columns] mapping
    configured: frozenset[str] = frozenset()

    @property
    def missing_service(self) -> list[str]:
        cols = {"id": self.id_col, "sync_status": self.status_col, "last_synced": self.synced_col}
        return [name for name in SERVICE_COLUMNS if cols[name] is None]


def layout_for(
    header_row: Sequence[Any], kind: str, columns: Mapping[str, str] | None = None
) -> Layout:
    """Map a header row (``columns``: the partner's header text -> field mapping);
    columns the service does not know stay unmapped (kept)."""
    match = match_headers(header_row, kind, columns)
    fields: dict[str, int] = {}
    raw_keys: dict[str, int] = {}
    headers: dict[str, str] = {}
    for name, col in match.columns.items():
        if name in ("id", "sync_status", "last_synced"):
            continue
        target = column_field(kind, name)
        if target not in sync_fields(kind):
            continue
        fields[target] = col
        raw_keys[name] = col
        headers[target] = str(clean_line(header_row[col]) or "")
    return Layout(
        kind=kind,
        width=len(header_row),
        fields=fields,
        raw_keys=raw_keys,
        id_col=match.columns.get("id"),
        status_col=match.columns.get("sync_status"),
        synced_col=match.columns.get("last_synced"),
        headers=headers,
        unmapped=list(match.unmapped),
        configured=frozenset(column_field(kind, name) for name in match.configured),
    )


def with_service_columns(layout: Layout, start: int = 0) -> tuple[Layout, dict[int, str]]:
    """The layout after adding the missing service columns at the right end (right
    of every used cell, ``start``, so no unlabelled data is overwritten), and
    ``{column: service name}`` of the header cells to write."""
    added: dict[int, str] = {}
    col = max(layout.width, start)
    cols = {"id": layout.id_col, "sync_status": layout.status_col, "last_synced": layout.synced_col}
    for name in layout.missing_service:
        cols[name] = col
        added[col] = name
        col += 1
    new = dataclasses.replace(
        layout,
        width=col,
        id_col=cols["id"],
        status_col=cols["sync_status"],
        synced_col=cols["last_synced"],
    )
    return new, added


def header_text(kind: str, name: str, locale: str) -> str:
    """The header a partner in ``locale`` would write for a field or service column."""
    if name == "id":
        return "CRM ID"
    column = raw_key(kind, name)
    return field_label(kind, column, locale)


def default_header(kind: str, locale: str) -> list[str]:
    """A full header for an empty tab: every field, then the service columns."""
    return [header_text(kind, f, locale) for f in sync_fields(kind)] + [
        header_text(kind, s, locale) for s in SERVICE_COLUMNS
    ]


def drift(previous: Mapping[str, str] | None, layout: Layout) -> list[str]:
    """Fields mapped at the last sync whose column is now gone or renamed."""
    if not previous:
        return []
    out = []
    for name, header in previous.items():
        if name not in layout.fields:
            out.append(f"column '{header}' ({name}) is no longer found; the field is not synced")
    return out


def cell(row: Sequence[Any], col: int | None) -> Any:
    if col is None or col >= len(row):
        return None
    value = row[col]
    return None if value == "" else value


def row_raw(layout: Layout, row: Sequence[Any]) -> dict[str, Any]:
    """The row's data cells keyed as :func:`normalise_record` expects (the service
    columns and the CRM ID left out: :func:`.headers.row_values`)."""
    return row_values(layout.raw_keys, row)


def row_hash(raw: Mapping[str, Any]) -> str:
    """A stable fingerprint of a row's data cells (order of columns does not matter;
    ``5`` and ``"5"`` differ, as they do in the sheet)."""
    parts = [
        f"{k}\x1e{type(v).__name__}\x1e{v}"
        for k, v in sorted(raw.items())
        if v is not None and v != ""
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def row_id(kind: str, value: Any) -> tuple[str | None, str | None]:
    """``(id, None)`` for a well-formed CRM ID of ``kind``, ``(None, text)`` for junk,
    ``(None, None)`` for a blank cell."""
    letter = record_kind(kind).id_prefix
    if isinstance(value, str) and len(value) == 8 and _CANONICAL_ID.match(value):
        return (value, None) if value[0] == letter else (None, value)
    text = clean_line(value if isinstance(value, str) or value is None else str(value))
    if text is None:
        return None, None
    norm = normalise_id(text)
    if isinstance(norm, str) and norm.startswith(f"{letter}-") and len(norm) == 8:
        return norm, None
    return None, text


# -- record values -> cells ------------------------------------------------------
@cache
def _yes_no(locale: str) -> tuple[str, str]:
    words = vocabulary()["booleans"]
    yes = (words["true"].get(locale) or words["true"]["en"])[0]
    no = (words["false"].get(locale) or words["false"]["en"])[0]
    return yes, no


def raw_key(kind: str, field_name: str) -> str:
    """The key a schema field has in a row's raw cells (:func:`row_raw`): its own
    name, except an agreement's parties, read from the seller/buyer columns."""
    return column_name(kind, field_name)


@lru_cache(maxsize=65536)
def _round_trips(kind: str, field_name: str, cell_value: Any, value: Any, locale: str) -> bool:
    record, _ = normalise_record(kind, {raw_key(kind, field_name): cell_value}, locale)
    return record.get(field_name) == value


def to_cell(kind: str, field_name: str, value: Any, locale: str) -> Any:
    """The cell a partner in ``locale`` would type for a schema value.

    Enum values become the partner's label (``ict`` -> ``IKT``), country codes the
    country's name in the partner's language (``LV`` -> ``Latvija``), booleans
    ``jā``/``nē``; anything whose label would not read back as the same value is
    written as the plain schema value.
    """
    if value is None:
        return None
    candidate: Any = value
    if isinstance(value, bool):
        candidate = _yes_no(locale)[0 if value else 1]
    elif isinstance(value, str) and field_name in _LABELLED:
        labels = localized_labels(field_name, locale)
        if value in labels:
            candidate = labels[value]
    elif isinstance(value, str) and field_name == "country":
        candidate = country_name(value, locale)
    if candidate is not value and not _round_trips(kind, field_name, candidate, value, locale):
        return value
    return candidate


# -- agreement parties -----------------------------------------------------------
class PartyIndex:
    """Resolves how staff name a party to a lead id, telling "no match" from
    "ambiguous" (two firms share the name or code)."""

    def __init__(self, leads: Iterable[Mapping[str, Any]]) -> None:
        self._by_key: dict[tuple[str, ...], set[str]] = {}
        self.ambiguous: set[str] = set()
        for lead in leads:
            for key in lead_keys(lead):
                self._by_key.setdefault(key, set()).add(lead["id"])

    def resolve(self, text: str) -> str | None:
        if looks_like_lead_id(text):
            return normalise_id(text)
        for key in party_keys(text):
            ids = self._by_key.get(key)
            if ids:
                if len(ids) == 1:
                    return next(iter(ids))
                self.ambiguous.add(text)
                return None
        return None
