"""What a sync counted, in one type: a plan's counts (:meth:`.plan.Plan.summary`),
a tab's run (:attr:`.engine.TabResult.counts`, stored as ``sync_runs.counts``) and
a whole sync (:attr:`.engine.SyncReport.counts`, the tabs' counts added up).

It reads as the mapping the sync runs have always stored (``counts["created"]``),
so the CLI table, the dashboard and the API read it as before; the keys of
:data:`OCCASIONAL` appear only when they are not 0, as they always did.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: the plan's counts of rows, by what became of them (always stored)
ROW_KEYS = (
    "rows",
    "created",
    "updated",
    "unchanged",
    "invalid",
    "duplicates",
    "conflicts",
    "archived",
    "restored",
    "appended",
    "erased",
    "blank",
)
#: what the sheet write did (planned, in a dry run; always stored)
WRITE_KEYS = ("cells_written", "rows_appended")
#: what a run met besides its plan, stored only when not 0: the deletion stop's
#: vanished rows, records changed while the sync ran, new leads another writer
#: stored first, header columns no longer found
OCCASIONAL = ("deletion_stop", "skipped_concurrent", "duplicates_concurrent", "header_drift")


@dataclass(frozen=True)
class Counts(Mapping[str, int]):
    """The counts of one plan, one tab's run, or a whole sync."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    duplicates: int = 0
    conflicts: int = 0
    archived: int = 0
    restored: int = 0
    appended: int = 0
    erased: int = 0
    blank: int = 0
    cells_written: int = 0
    rows_appended: int = 0
    deletion_stop: int = 0
    skipped_concurrent: int = 0
    duplicates_concurrent: int = 0
    header_drift: int = 0
    #: False until a plan was made (a tab that could not be read): then only
    #: what was written is counted, not its rows
    planned: bool = dataclasses.field(default=True, compare=False)

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Counts:
        """Counts from a mapping of them (unknown keys are a bug: refused)."""
        values: dict[str, Any] = {k: int(v) for k, v in counts.items()}
        return cls(**values)

    def with_(self, **counts: Any) -> Counts:
        """These counts with some replaced."""
        return dataclasses.replace(self, **counts)

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            **{k: getattr(self, k) + getattr(other, k) for k in _ALL},
            planned=self.planned or other.planned,
        )

    def _keys(self) -> list[str]:
        rows = ROW_KEYS if self.planned else ()
        return [*rows, *WRITE_KEYS, *(k for k in OCCASIONAL if getattr(self, k))]

    def __getitem__(self, key: str) -> int:
        if key not in self._keys():
            raise KeyError(key)
        return int(getattr(self, key))

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def as_dict(self) -> dict[str, int]:
        """As stored in ``sync_runs.counts`` (JSON)."""
        return {k: int(getattr(self, k)) for k in self._keys()}


_ALL = frozenset((*ROW_KEYS, *WRITE_KEYS, *OCCASIONAL))
