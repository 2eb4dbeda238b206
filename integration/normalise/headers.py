"""Find columns by header name, not position, in any of the four languages."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from integration.normalise.text import clean_line
from integration.vocabulary import fold, header_table

_BRACKETED = re.compile(r"\([^)]*\)?")

#: Columns the service owns in every tab (besides ``id``, the CRM ID column).
SERVICE_FIELDS = ("sync_status", "last_synced")


@dataclass(frozen=True)
class HeaderMatch:
    """Which column holds which field.

    ``columns`` maps field name -> 0-based column index (``id`` for "CRM ID",
    ``sync_status``/``last_synced`` for the service columns, ``seller``/``buyer`` for
    agreement parties). ``unmapped`` lists ``(index, header)`` of columns the service
    does not know: partners' own columns, kept and never overwritten. A second column
    for a field already found is listed there too.
    """

    columns: dict[str, int] = field(default_factory=dict)
    unmapped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def fields(self) -> list[str]:
        """Recognised fields in column order."""
        return sorted(self.columns, key=self.columns.__getitem__)

    def row_to_raw(self, row: Sequence[Any]) -> dict[str, Any]:
        """One sheet row's cells keyed by field (missing trailing cells count as blank)."""
        width = len(row)
        return {
            name: (row[index] if index < width else None) for name, index in self.columns.items()
        }


def match_headers(header_row: Sequence[Any], kind: str) -> HeaderMatch:
    """Match a header row against the aliases of ``kind`` (``lead`` or ``agreement``).

    Matching ignores case, accents, spaces and punctuation. Blank header cells are
    skipped silently (they are usually just the sheet's empty right-hand columns).
    """
    table = header_table(kind)
    result = HeaderMatch()
    for index, cell in enumerate(header_row):
        text = clean_line(cell if isinstance(cell, str) or cell is None else str(cell))
        if not text:
            continue
        name = table.get(fold(text))
        if name is None and "(" in text:
            # "E-mail (work)", "Phone (mobile)": the part before the bracket names the field.
            name = table.get(fold(_BRACKETED.sub("", text)))
        if name is None or name in result.columns:
            result.unmapped.append((index, text))
        else:
            result.columns[name] = index
    return result
