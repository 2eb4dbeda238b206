"""Turning answer values of any JSON shape into what a sheet cell would hold."""

from __future__ import annotations

from typing import Any


def flatten_answer(value: Any) -> Any:
    """Lists (checkboxes, grids) become one comma-separated line; scalars stay
    as they are (the service's normalisers read booleans, numbers and text);
    empty answers become ``None``."""
    if isinstance(value, list):
        parts = [flatten_answer(v) for v in value]
        text = ", ".join(str(p) for p in parts if p not in (None, ""))
        return text or None
    if isinstance(value, str):
        return value if value.strip() else None
    return value
