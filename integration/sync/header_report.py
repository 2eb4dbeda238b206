"""What a tab's header row told the sync, in a form staff and the IT person can read.

Every sync run records it (the sync-runs API, the sync health page and
``crm-sync sync --dry-run`` show it): where the header row is, which header fills
which field, which headers are not recognised (their columns are kept, never
written), and which fields the service expects but found no column for. An
unrecognised header that looks like a known field carries the field it probably
means, so the health page can suggest the ``[partners.columns]`` line that maps it.

Pure: built from the tab's :class:`~.sheet_rows.Layout`; stored as plain JSON.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from gspread.utils import rowcol_to_a1

from integration.vocabulary import fold, vocabulary
from schemas import load_schema

from . import sheet_rows

#: How close a folded header must be to a folded alias to be suggested (difflib ratio).
_SUGGEST_CUTOFF = 0.75

#: Fields a tab is expected to have besides the schema's required ones: a lead
#: without a registration-code or e-mail column cannot be told from its duplicates.
_EXPECTED_EXTRA = {"lead": ("registration_code", "email"), "agreement": ()}


@dataclass(frozen=True)
class MappedColumn:
    column: str  # sheet column letter, "C"
    header: str  # the header as typed
    field: str  # the record field it fills
    source: str = "alias"  # "alias" | "configured" (a [partners.columns] line)


@dataclass(frozen=True)
class UnrecognisedColumn:
    column: str
    header: str
    #: the field this header probably means (a [partners.columns] line would map it)
    suggestion: str | None = None


@dataclass(frozen=True)
class HeaderReport:
    row: int  # 1-based sheet row of the header
    mapped: list[MappedColumn] = field(default_factory=list)
    unrecognised: list[UnrecognisedColumn] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> HeaderReport:
        return HeaderReport(
            row=int(data.get("row", 1)),
            mapped=[MappedColumn(**m) for m in data.get("mapped", [])],
            unrecognised=[UnrecognisedColumn(**u) for u in data.get("unrecognised", [])],
            missing=list(data.get("missing", [])),
        )


def column_letter(col: int) -> str:
    """0-based column -> its letter (``0`` -> ``A``)."""
    return rowcol_to_a1(1, col + 1).rstrip("0123456789")


def expected_fields(kind: str) -> tuple[str, ...]:
    """Fields a tab of ``kind`` should have a column for, in schema order."""
    required = set(load_schema(kind).get("required", ())) | set(_EXPECTED_EXTRA[kind])
    return tuple(f for f in sheet_rows.sync_fields(kind) if f in required)


@cache
def _folded_aliases(kind: str) -> dict[str, str]:
    """Folded alias -> record field, for suggestions."""
    out: dict[str, str] = {}
    for name, per_locale in vocabulary()["headers"][kind].items():
        target = sheet_rows.column_field(kind, name)
        if target not in sheet_rows.sync_fields(kind):
            continue
        for words in per_locale.values():
            for word in words:
                out.setdefault(fold(word), target)
    return out


def suggest_field(kind: str, header: str) -> str | None:
    """The field an unrecognised header most probably means, or None."""
    folded = fold(header)
    if not folded:
        return None
    aliases = _folded_aliases(kind)
    close = difflib.get_close_matches(folded, list(aliases), n=1, cutoff=_SUGGEST_CUTOFF)
    return aliases[close[0]] if close else None


def header_report(layout: sheet_rows.Layout, header_row: int = 1) -> HeaderReport:
    """The report of one tab's layout, its header found on sheet row ``header_row``."""
    kind = layout.kind
    mapped = [
        MappedColumn(column_letter(col), layout.headers.get(name, name), name)
        for name, col in sorted(layout.fields.items(), key=lambda item: item[1])
    ]
    unrecognised = [
        UnrecognisedColumn(column_letter(col), text, suggest_field(kind, text))
        for col, text in layout.unmapped
    ]
    missing = [f for f in expected_fields(kind) if f not in layout.fields]
    return HeaderReport(row=header_row, mapped=mapped, unrecognised=unrecognised, missing=missing)
