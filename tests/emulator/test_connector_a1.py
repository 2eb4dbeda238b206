"""The connector's A1 ranges (built with gspread's helpers) name the cells the
emulator, like Google, reads them as."""

from __future__ import annotations

import pytest

from connectors.google_sheets.tab_io import a1_range, quote_title
from sheets_emulator.a1 import split_sheet


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("Leads", 2, 0, 2, 0), "'Leads'!A2"),
        (("Leads", 2, 1, 5, 3), "'Leads'!B2:D5"),
        (("it's", 1, 25, 1, 27), "'it''s'!Z1:AB1"),
        (("Kontakti 2026", 10, 701, 11, 702), "'Kontakti 2026'!ZZ10:AAA11"),
    ],
)
def test_a1_range(args: tuple[str, int, int, int, int], expected: str) -> None:
    assert a1_range(*args) == expected


@pytest.mark.parametrize("title", ["Leads", "it's", "''", "a!b", "Līgumi"])
def test_quoted_title_is_read_back_as_the_title(title: str) -> None:
    assert split_sheet(quote_title(title) + "!A1")[0] == title
