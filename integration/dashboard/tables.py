"""Searching, filtering, sorting and paging the dashboard's tables.

A table is described once (:class:`TableSpec`: its filters and sortable
columns); the query string is parsed into a :class:`TableState` with every value
checked against that description, so an unknown sort key or a page of ``-3``
falls back to a default instead of reaching the database. The same state drives
the HTML page and the CSV export, so "export" always gives what the table shows
(all pages of it). The SQL itself (search, filters, order, pages) is built by
:mod:`integration.store.queries`, the same builder the JSON API lists with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Select
from sqlalchemy.orm import Session

from integration.store import queries
from integration.store.queries import Page
from integration.store.queries import like_pattern as like_pattern

PAGE_SIZES = (25, 50, 100)
MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class FilterSpec:
    """One filter control: ``kind`` is ``select`` (one of ``options``), ``date``
    (ISO date) or ``flag`` (checkbox)."""

    name: str
    kind: str
    label: str
    options: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class TableSpec:
    """A table's filters, sortable columns (name -> SQL expression) and defaults."""

    name: str
    filters: Sequence[FilterSpec]
    sorts: Mapping[str, Any]
    default_sort: str
    default_desc: bool = False
    tie_breaker: Any = None


@dataclass
class TableState:
    """What the reader asked for, validated."""

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = ""
    desc: bool = False
    page: int = 1
    per_page: int = PAGE_SIZES[0]

    def params(self, **changes: Any) -> dict[str, str]:
        """Query parameters reproducing this state, with ``changes`` applied."""
        out: dict[str, str] = {}
        if self.q:
            out["q"] = self.q
        out.update({k: v for k, v in self.filters.items() if v})
        out["sort"] = self.sort
        out["dir"] = "desc" if self.desc else "asc"
        if self.per_page != PAGE_SIZES[0]:
            out["per_page"] = str(self.per_page)
        if self.page != 1:
            out["page"] = str(self.page)
        for key, value in changes.items():
            if value is None or value == "":
                out.pop(key, None)
            else:
                out[key] = str(value)
        if out.get("page") == "1":
            out.pop("page")
        return out

    def query_string(self, **changes: Any) -> str:
        return urlencode(self.params(**changes))

    def sort_link(self, column: str) -> str:
        """Query string that sorts by ``column`` (toggling direction if already)."""
        desc = (not self.desc) if self.sort == column else False
        return urlencode(self.params(sort=column, dir="desc" if desc else "asc", page=None))

    def aria_sort(self, column: str) -> str:
        if self.sort != column:
            return "none"
        return "descending" if self.desc else "ascending"


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _valid_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def parse_state(args: Mapping[str, str], spec: TableSpec) -> TableState:
    """Read a table's state from query parameters, dropping anything invalid."""
    state = TableState()
    # NUL cannot occur in stored text (PostgreSQL refuses it), so it is dropped.
    text = (args.get("q") or "").replace("\x00", " ")
    state.q = " ".join(text.split())[:MAX_SEARCH_LENGTH]
    for f in spec.filters:
        raw = (args.get(f.name) or "").strip()
        if not raw:
            continue
        valid_select = f.kind == "select" and raw in {value for value, _ in f.options}
        if valid_select or (f.kind == "date" and _valid_date(raw)):
            state.filters[f.name] = raw
        elif f.kind == "flag" and raw in ("1", "on", "true"):
            state.filters[f.name] = "1"
    sort = args.get("sort") or ""
    state.sort = sort if sort in spec.sorts else spec.default_sort
    direction = args.get("dir")
    if direction in ("asc", "desc"):
        state.desc = direction == "desc"
    else:
        state.desc = spec.default_desc if state.sort == spec.default_sort else False
    per_page = _int(args.get("per_page"), PAGE_SIZES[0])
    state.per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
    state.page = max(1, min(_int(args.get("page"), 1), 100_000))
    return state


def apply_sort(query: Select[Any], spec: TableSpec, state: TableState) -> Select[Any]:
    """``query`` in the order the reader chose (see :func:`queries.sorted_by`)."""
    return queries.sorted_by(
        query, spec.sorts[state.sort], desc=state.desc, tie_breaker=spec.tie_breaker
    )


def paginate(session: Session, query: Select[Any], state: TableState) -> Page:
    """The page of ``query`` the reader is on; a page past the end shows the last page."""
    return queries.numbered_page(session, query, state.page, state.per_page)
