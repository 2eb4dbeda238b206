"""A sync run's header report as the sync health page shows it.

The run stores the report as plain JSON (:class:`~integration.sync.header_report.HeaderReport`);
staff read it in their own language: each header with the field it fills, the
headers kept but not synced, the expected fields without a column, and, for a
header that looks like a known field, the partners-file lines that would map it.
Pure: the page's query hands in the stored report and the reader's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from integration.kinds import of_tab
from integration.partners_lines import column_mapping
from integration.sync.header_report import HeaderReport
from integration.vocabulary import field_label


@dataclass(frozen=True)
class MappedHeader:
    column: str
    header: str
    field: str
    field_label: str
    configured: bool  # mapped by a [partners.columns] line, not an alias


@dataclass(frozen=True)
class KeptHeader:
    column: str
    header: str
    suggestion: str | None  # the field it probably means
    suggestion_label: str | None
    mapping: str | None  # the partners-file lines that would map it


@dataclass(frozen=True)
class MissingField:
    field: str
    field_label: str


@dataclass(frozen=True)
class HeaderView:
    row: int
    mapped: list[MappedHeader]
    kept: list[KeptHeader]
    missing: list[MissingField]


def header_view(report: Mapping[str, Any], tab: str, locale: str) -> HeaderView:
    """The stored ``report`` of a run on ``tab`` (``leads``/``agreements``), in ``locale``."""
    kind = of_tab(tab).kind
    parsed = HeaderReport.from_dict(report)

    def name(field: str) -> str:
        return field_label(kind, field, locale)

    return HeaderView(
        row=parsed.row,
        mapped=[
            MappedHeader(m.column, m.header, m.field, name(m.field), m.source == "configured")
            for m in parsed.mapped
        ],
        kept=[
            KeptHeader(
                u.column,
                u.header,
                u.suggestion,
                name(u.suggestion) if u.suggestion else None,
                column_mapping(tab, u.header, u.suggestion) if u.suggestion else None,
            )
            for u in parsed.unrecognised
        ],
        missing=[MissingField(f, name(f)) for f in parsed.missing],
    )
