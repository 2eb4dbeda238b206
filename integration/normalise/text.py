"""Cell text made safe and tidy: what people paste is full of odd spaces, and
what a sheet hands over may hold code points that are not text at all."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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
#: U+0000, lone surrogates and the Unicode non-characters (U+FDD0..U+FDEF and the
#: last two code points of every plane): none of them is text a person writes.
NOT_TEXT = re.compile(
    "[\x00\ud800-\udfff\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
    )
    + "]"
)
#: What stands in for a code point that is not text (the Unicode replacement character).
REPLACEMENT = "\ufffd"
_RUNS = re.compile(r"\s+")
_LINE_END = re.compile(r"[ \t]*\r?\n")


def clean_line(value: Any) -> Any:
    """One-line text: odd spaces made plain, runs of whitespace collapsed, ends
    trimmed, code points that are not text made :func:`storable`.

    Empty text becomes ``None`` (a blank cell); anything that is not a string is
    returned unchanged so the validator can report it.
    """
    if not isinstance(value, str):
        return value
    if value.isprintable() and "  " not in value:
        # Fast path for the usual cell: isprintable() is False for tabs, line breaks,
        # non-breaking and zero-width spaces, so only trimming is left to do.
        return value.strip(" ") or None
    text = _RUNS.sub(" ", storable(value).translate(_ODD_SPACES)).strip()
    return text or None


def clean_text(value: Any) -> Any:
    """Multi-line text (notes, subjects): like :func:`clean_line` but line breaks are kept."""
    if not isinstance(value, str):
        return value
    text = _LINE_END.sub("\n", storable(value).translate(_ODD_SPACES)).strip()
    return text or None


def is_blank(value: Any) -> bool:
    """True for ``None`` and for strings that are only whitespace (of any kind)."""
    return value is None or (isinstance(value, str) and clean_line(value) is None)


def is_blank_row(cells: Iterable[Any]) -> bool:
    """True when every cell of a row (a list of cells or a record's values) is blank."""
    return all(is_blank(cell) for cell in cells)


def storable(value: Any) -> Any:
    """``value`` with every code point that is not text made harmless: U+0000
    dropped, lone surrogates and non-characters replaced by U+FFFD.

    A sheet cell can hold a lone surrogate (the Sheets API passes JSON escapes
    through), which no encoder can write: it would stop the tab's sync at the
    row fingerprint, and every page, export and state file that shows it. Text
    enters from a sheet in one place, and is made storable there; request
    bodies never get this far (the JSON reader refuses them with a 400).
    """
    if not isinstance(value, str) or (value.isascii() and "\x00" not in value):
        return value
    if NOT_TEXT.search(value) is None:
        return value
    return NOT_TEXT.sub(lambda m: "" if m.group() == "\x00" else REPLACEMENT, value)


def storable_rows(rows: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Every cell of a tab through :func:`storable` (rows that need nothing are
    kept as they are, so a clean tab costs one scan)."""
    out: list[list[Any]] = []
    for row in rows:
        if any(storable(v) is not v for v in row):
            out.append([storable(v) for v in row])
        else:
            out.append(row if isinstance(row, list) else list(row))
    return out
