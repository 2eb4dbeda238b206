"""Three-way, per-field merge of one record (pure, deterministic).

The base is what sheet and store agreed on at the last successful sync. A field
changed on one side only takes that side; changed on both sides to the same value
is fine; changed on both sides differently is a conflict, settled by the partner's
policy and reported with all three values. Without a base (a row seen for the
first time for a record that already exists) a value missing on one side is filled
from the other, and two different values are a conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from integration.domain import ConflictPolicy

#: Every conflict policy a partner may choose (:class:`~integration.domain.ConflictPolicy`).
POLICIES: tuple[ConflictPolicy, ...] = tuple(ConflictPolicy)


@dataclass(frozen=True)
class FieldConflict:
    field: str
    base: Any
    sheet: Any
    store: Any
    resolved: Any
    winner: str  # "sheet" | "store"


@dataclass
class MergeResult:
    merged: dict[str, Any] = field(default_factory=dict)
    to_store: dict[str, Any] = field(default_factory=dict)  # field -> new store value
    to_sheet: dict[str, Any] = field(default_factory=dict)  # field -> new sheet value
    conflicts: list[FieldConflict] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.to_store or self.to_sheet)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (a == b and type(a) is type(b))
    return a == b


def winner_for(policy: str, *, sheet_newer: bool) -> str:
    if policy == ConflictPolicy.STORE_WINS:
        return "store"
    if policy == ConflictPolicy.NEWEST_WINS:
        return "sheet" if sheet_newer else "store"
    return "sheet"


def merge_record(
    base: Mapping[str, Any] | None,
    sheet: Mapping[str, Any],
    store: Mapping[str, Any],
    fields: Iterable[str],
    policy: str,
    *,
    sheet_newer: bool | Callable[[], bool] = True,
) -> MergeResult:
    """Merge ``fields`` of one record; absent keys mean a blank value.

    ``sheet_newer`` (for newest_wins) may be a function: it is asked only when a
    field conflicts, so what it costs (a Drive call) is paid only then."""
    if policy not in POLICIES:
        raise ValueError(f"unknown conflict policy {policy!r} (use one of {', '.join(POLICIES)})")
    result = MergeResult()
    for name in fields:
        s, t = sheet.get(name), store.get(name)
        if _same(s, t):
            value = s
        elif base is None:
            if s is None:
                value = t
            elif t is None:
                value = s
            else:
                value = _conflict(result, name, None, s, t, policy, sheet_newer)
        else:
            b = base.get(name)
            if _same(s, b):
                value = t
            elif _same(t, b):
                value = s
            else:
                value = _conflict(result, name, b, s, t, policy, sheet_newer)
        result.merged[name] = value
        if not _same(value, t):
            result.to_store[name] = value
        if not _same(value, s):
            result.to_sheet[name] = value
    return result


def _conflict(
    result: MergeResult,
    name: str,
    b: Any,
    s: Any,
    t: Any,
    policy: str,
    sheet_newer: bool | Callable[[], bool],
) -> Any:
    if callable(sheet_newer):
        sheet_newer = policy == ConflictPolicy.NEWEST_WINS and sheet_newer()
    winner = winner_for(policy, sheet_newer=sheet_newer)
    value = s if winner == "sheet" else t
    result.conflicts.append(FieldConflict(name, b, s, t, value, winner))
    return value
