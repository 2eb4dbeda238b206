"""Cells are stored compactly: a million cells fit well within 500 MB."""

from __future__ import annotations

import gc
import tracemalloc

from sheets_emulator.model import Spreadsheet
from sheets_emulator.parsing import parse_raw, parse_user_entered


def test_plain_cells_cost_little_more_than_their_values() -> None:
    ss = Spreadsheet("1" * 44, "memory")
    sheet = ss.sheets[0]
    sheet.set_size(2_000, 20)
    values = [[f"r{r}c{c}-{r * 7 % 1000}" for c in range(20)] for r in range(2_000)]
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            sheet.set(r, c, parse_raw(v))
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    per_cell = used / 40_000
    # the strings themselves are shared with the input; storage is the row lists
    assert per_cell < 24, f"{per_cell:.1f} bytes per cell"


def test_typed_values_are_stored_without_per_cell_objects() -> None:
    ss = Spreadsheet("1" * 44, "memory")
    sheet = ss.sheets[0]
    sheet.set_size(2_000, 20)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for r in range(2_000):
        for c in range(20):
            sheet.set(r, c, parse_user_entered(str(r * 20 + c)))  # numbers: plain ints
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    per_cell = used / 40_000
    assert per_cell < 64, f"{per_cell:.1f} bytes per cell"
