"""The cell model: how one cell is stored, compactly.

A plain cell is stored as the bare Python value (``str``, ``int``, ``float``,
``bool``); an empty cell is ``None``.  Only cells that carry more than a value
(a formula, or a number with a date/percent/currency format from
USER_ENTERED parsing) are a :class:`Cell`, a three-slot object.  This keeps a
million-cell spreadsheet small: a row is a plain list of such values.
"""

from __future__ import annotations

from typing import Any

Plain = str | int | float | bool


class Cell:
    """A cell with a formula and/or a number format.

    ``value`` is the stored value for a non-formula cell (a number when a
    format is set); for a formula it is unused and the value is computed when
    read.  ``fmt`` is ``(type, pattern)``, e.g. ``("DATE", "yyyy-mm-dd")``.
    """

    __slots__ = ("fmt", "formula", "value")

    def __init__(
        self, value: Any = None, formula: str | None = None, fmt: tuple[str, str] | None = None
    ) -> None:
        self.value = value
        self.formula = formula
        self.fmt = fmt

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.value is not None:
            out["v"] = self.value
        if self.formula is not None:
            out["f"] = self.formula
        if self.fmt is not None:
            out["t"] = list(self.fmt)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Cell:
        fmt = data.get("t")
        return cls(data.get("v"), data.get("f"), tuple(fmt) if fmt else None)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Cell)
            and self.value == other.value
            and self.formula == other.formula
            and self.fmt == other.fmt
        )

    def __hash__(self) -> int:
        return hash((self.value, self.formula, self.fmt))

    def __repr__(self) -> str:
        return f"Cell({self.value!r}, {self.formula!r}, {self.fmt!r})"


def encode(v: Any) -> Any:
    """JSON-friendly form of a stored cell (for state files)."""
    if isinstance(v, Cell):
        return v.to_json()
    return v


def decode(v: Any) -> Any:
    if isinstance(v, dict):
        return Cell.from_json(v)
    return v
