"""The connector's quoted tab titles (built with gspread's helpers) name the tab
the emulator, like Google, reads them as."""

from __future__ import annotations

import pytest

from connectors.google_sheets.tab_io import quote_title
from sheets_emulator.a1 import split_sheet


@pytest.mark.parametrize("title", ["Leads", "it's", "''", "a!b", "Līgumi"])
def test_quoted_title_is_read_back_as_the_title(title: str) -> None:
    assert split_sheet(quote_title(title) + "!A1")[0] == title
