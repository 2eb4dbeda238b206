"""A1 notation: parsing, clamping to the grid and echoing back (pure functions)."""

from __future__ import annotations

import pytest

from sheets_emulator.a1 import (
    Box,
    clamp,
    col_to_letters,
    format_range,
    letters_to_col,
    parse_cells,
    quote_title,
    split_sheet,
)
from sheets_emulator.errors import ApiError


@pytest.mark.parametrize(
    ("col", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters_round_trip(col: int, letters: str) -> None:
    assert col_to_letters(col) == letters
    assert letters_to_col(letters) == col


@pytest.mark.parametrize(
    ("text", "title", "cells"),
    [
        ("Sheet1!A1:B2", "Sheet1", "A1:B2"),
        ("'My sheet'!C3", "My sheet", "C3"),
        ("'It''s here'!A:A", "It's here", "A:A"),
        ("'🌵 cactus'", "🌵 cactus", None),
        ("A1:B2", None, "A1:B2"),
        ("'a!b'!A1", "a!b", "A1"),
    ],
)
def test_split_sheet_handles_quotes_and_apostrophes(text: str, title: str, cells: str) -> None:
    assert split_sheet(text) == (title, cells)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ("A1", Box(0, 1, 0, 1)),
        ("B2:C5", Box(1, 5, 1, 3)),
        ("C5:B2", Box(1, 5, 1, 3)),  # reversed corners are normalised
        ("A:C", Box(0, 1000, 0, 3)),
        ("2:5", Box(1, 5, 0, 26)),
        ("A2:C", Box(1, 1000, 0, 3)),
        ("A1:1", Box(0, 1, 0, 26)),
        ("$A$1:$B$2", Box(0, 2, 0, 2)),
        ("A1:ZZ5000", Box(0, 1000, 0, 26)),  # clipped to the grid
    ],
)
def test_open_ranges_close_against_the_grid(cells: str, expected: Box) -> None:
    assert clamp(parse_cells("S", cells, cells), 1000, 26) == expected


@pytest.mark.parametrize("bad", ["", "A", "1A", "A0", "A1:B2:C3", "!!", "A1:"])
def test_unparsable_cells_are_invalid_argument(bad: str) -> None:
    with pytest.raises(ApiError) as err:
        parse_cells("S", bad, bad)
    assert err.value.code == 400
    assert err.value.status == "INVALID_ARGUMENT"


@pytest.mark.parametrize(
    ("title", "echoed"),
    [
        ("Sheet1", "Sheet1"),
        ("Leads_2025", "Leads_2025"),
        ("My sheet", "'My sheet'"),
        ("D3", "'D3'"),  # looks like a cell reference
        ("R1C1", "'R1C1'"),
        ("It's", "'It''s'"),
        ("2025", "'2025'"),
        ("Müük", "'Müük'"),
    ],
)
def test_titles_are_quoted_only_when_needed(title: str, echoed: str) -> None:
    assert quote_title(title) == echoed


def test_single_cell_is_echoed_without_a_colon() -> None:
    assert format_range("Sheet1", Box(3, 4, 3, 4)) == "Sheet1!D4"
    assert format_range("My sheet", Box(0, 2, 0, 3)) == "'My sheet'!A1:C2"
