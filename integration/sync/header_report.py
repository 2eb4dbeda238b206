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
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from gspread.utils import rowcol_to_a1

from integration.normalise.headers import header_parts
from integration.partners_lines import columns_line
from integration.vocabulary import fold, vocabulary
from schemas import load_schema

from . import sheet_rows

#: How close a folded header must be to a folded alias to be suggested (difflib ratio).
_SUGGEST_CUTOFF = 0.75
#: Letters a word needs to count on its own, and the stem two words must share.
_STEM = 5
#: Alias words too generic to hint at a field on their own ("Address" is no e-mail).
_GENERIC = frozenset({"address", "aadress", "number", "numurs", "nosaukums", "date", "datums"})
_WORD_BREAK = re.compile(r"[\s/|()\-.,;:]+")

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


def _field_aliases(kind: str) -> Iterator[tuple[str, str]]:
    """``(alias as written, record field)`` for every alias of a field a sheet
    column can hold: the one walk over the vocabulary both kinds of suggestion use."""
    for name, per_locale in vocabulary()["headers"][kind].items():
        target = sheet_rows.column_field(kind, name)
        if target in sheet_rows.sync_fields(kind):
            for words in per_locale.values():
                for alias in words:
                    yield alias, target


@cache
def _folded_aliases(kind: str) -> dict[str, str]:
    """Folded alias -> record field, for suggestions."""
    out: dict[str, str] = {}
    for alias, target in _field_aliases(kind):
        out.setdefault(fold(alias), target)
    return out


@cache
def _alias_words(kind: str) -> dict[str, frozenset[str]]:
    """Folded word of an alias (at least :data:`_STEM` letters) -> the fields whose
    aliases use it ("Äriregistri kood" gives ``ariregistri``)."""
    out: dict[str, set[str]] = {}
    for alias, target in _field_aliases(kind):
        for word in _words(alias):
            out.setdefault(word, set()).add(target)
    return {word: frozenset(fields) for word, fields in out.items()}


def _words(text: str) -> list[str]:
    """The folded words of ``text`` long enough to mean something on their own."""
    return [w for w in (fold(w) for w in _WORD_BREAK.split(text)) if len(w) >= _STEM]


def _candidates(header: str) -> list[str]:
    """What of a header may name a field: all of it, each part of a bilingual
    header, each longer word; folded, in that order, without repeats."""
    out = [fold(header), *(fold(p) for p in header_parts(header)), *_words(header)]
    return [c for i, c in enumerate(out) if c and c not in out[:i]]


def _common_prefix(a: str, b: str) -> int:
    """How many leading letters ``a`` and ``b`` share."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _by_stem(kind: str, header: str) -> str | None:
    """The one field whose alias words share a long stem with the header's words
    ("äriregister" ~ "Äriregistri kood"); None when none or several do."""
    votes: dict[str, int] = {}
    for word in _words(header):
        for alias_word, fields in _alias_words(kind).items():
            if alias_word in _GENERIC:
                continue
            stem = _common_prefix(word, alias_word)
            if stem >= _STEM and stem >= 0.7 * min(len(word), len(alias_word)):
                for target in fields:
                    votes[target] = votes.get(target, 0) + 1
    if not votes:
        return None
    top = max(votes.values())
    winners = [target for target, count in votes.items() if count == top]
    return winners[0] if len(winners) == 1 else None


def suggest_field(kind: str, header: str) -> str | None:
    """The field an unrecognised header most probably means, or None.

    A misspelt alias ("Emial"), a part or word of the header close to one
    ("Reg nr", "Company nme"), else a word sharing a long stem with an alias word
    ("Kood (äriregister)" -> ``registration_code``). Only a hint for staff: the
    health page turns it into the ``[partners.columns]`` line that would map it.
    """
    aliases = _folded_aliases(kind)
    best: tuple[float, str | None] = (0.0, None)
    for candidate in _candidates(header):
        close = difflib.get_close_matches(candidate, list(aliases), n=1, cutoff=_SUGGEST_CUTOFF)
        if close:
            ratio = difflib.SequenceMatcher(None, candidate, close[0]).ratio()
            if ratio > best[0]:
                best = (ratio, aliases[close[0]])
    return best[1] or _by_stem(kind, header)


def header_report(layout: sheet_rows.Layout, header_row: int = 1) -> HeaderReport:
    """The report of one tab's layout, its header found on sheet row ``header_row``."""
    kind = layout.kind
    mapped = [
        MappedColumn(
            column_letter(col),
            layout.headers.get(name, name),
            name,
            "configured" if name in layout.configured else "alias",
        )
        for name, col in sorted(layout.fields.items(), key=lambda item: item[1])
    ]
    unrecognised = [
        UnrecognisedColumn(column_letter(col), text, suggest_field(kind, text))
        for col, text in layout.unmapped
    ]
    missing = [f for f in expected_fields(kind) if f not in layout.fields]
    return HeaderReport(row=header_row, mapped=mapped, unrecognised=unrecognised, missing=missing)


def report_lines(report: HeaderReport, tab: str) -> list[str]:
    """The report as plain lines for a terminal (``crm-sync sync --dry-run``)."""
    lines = [f"header in row {report.row}"]
    for m in report.mapped:
        how = " (partners file)" if m.source == "configured" else ""
        lines.append(f"  {m.column} {m.header!r} -> {m.field}{how}")
    if report.unrecognised:
        lines.append("  not recognised (kept, not synced):")
    for u in report.unrecognised:
        lines.append(f"    {u.column} {u.header!r}")
        if u.suggestion:
            lines.append(
                f"      probably {u.suggestion}; to map it, add under "
                f"[partners.columns.{tab}]: {columns_line(u.header, u.suggestion)}"
            )
    if report.missing:
        lines.append(f"  no column for: {', '.join(report.missing)}")
    return lines
