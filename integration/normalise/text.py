"""Whitespace clean-up for cell text: what people paste is full of odd spaces."""

from __future__ import annotations

import re
from typing import Any

# Non-breaking, narrow and figure spaces come from copy-pasting and from number
# formats; zero-width characters and stray BOMs from web forms and exports.
_ODD_SPACES = str.maketrans(
    {
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u3000": " ",
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
        "\x00": None,  # NUL: meaningless in a cell, and PostgreSQL text cannot hold it
    }
)
_RUNS = re.compile(r"\s+")
_LINE_END = re.compile(r"[ \t]*\r?\n")


def clean_line(value: Any) -> Any:
    """One-line text: odd spaces made plain, runs of whitespace collapsed, ends trimmed.

    Empty text becomes ``None`` (a blank cell); anything that is not a string is
    returned unchanged so the validator can report it.
    """
    if not isinstance(value, str):
        return value
    if value.isprintable() and "  " not in value:
        # Fast path for the usual cell: isprintable() is False for tabs, line breaks,
        # non-breaking and zero-width spaces, so only trimming is left to do.
        return value.strip(" ") or None
    text = _RUNS.sub(" ", value.translate(_ODD_SPACES)).strip()
    return text or None


def clean_text(value: Any) -> Any:
    """Multi-line text (notes, subjects): like :func:`clean_line` but line breaks are kept."""
    if not isinstance(value, str):
        return value
    text = _LINE_END.sub("\n", value.translate(_ODD_SPACES)).strip()
    return text or None


def is_blank(value: Any) -> bool:
    """True for ``None`` and for strings that are only whitespace (of any kind)."""
    return value is None or (isinstance(value, str) and clean_line(value) is None)
