"""Yes/no cells in four languages (``jā/nē``, ``jah/ei``, ``kyllä/ei``, ``x``) to booleans."""

from __future__ import annotations

from typing import Any

from integration.normalise.text import clean_line
from integration.vocabulary import boolean_table, fold


def parse_bool(value: Any) -> Any:
    """``True``/``False`` for a recognised word, ``None`` for blank, else ``value`` unchanged."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else value
    text = clean_line(value)
    if not isinstance(text, str):
        return text
    table = boolean_table()
    found = table.get(fold(text))
    if found is None:
        found = table.get(text)
    return text if found is None else found
