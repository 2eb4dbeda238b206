"""Putting the generated partner sheets into the emulator, through gspread as any
client would, and finding them again after a restart."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from integration.demo.data import PartnerSheet


def create_spreadsheets(client: Any, sheets: list[PartnerSheet]) -> dict[str, str]:
    """Create one spreadsheet per partner with its two tabs; returns code -> id.

    Cells are written RAW: they hold exactly what a person typed (``12.03.2025``,
    ``1 234,50 €``), which the sync then has to understand.
    """
    ids: dict[str, str] = {}
    for sheet in sheets:
        p = sheet.partner
        spreadsheet = client.create(f"LEF Azerbaijan leads ({p.code.upper()}) - {p.name}")
        first = True
        for title, rows in sheet.tabs.items():
            width = max(len(r) for r in rows) + 3  # room for the service's own columns
            if first:
                ws = spreadsheet.sheet1
                ws.update_title(title)
                ws.resize(rows=max(len(rows) + 50, 200), cols=max(width, 26))
                first = False
            else:
                ws = spreadsheet.add_worksheet(title, rows=max(len(rows) + 50, 200), cols=width)
            ws.update(rows, "A1", value_input_option="RAW")
        ids[p.code] = spreadsheet.id
    return ids


def known_spreadsheet_ids(partners_file: Path, client: Any) -> dict[str, str] | None:
    """The ids in an earlier demo's partners file, when all of them still exist."""
    if not partners_file.exists():
        return None
    try:
        doc = tomllib.loads(partners_file.read_text("utf-8"))
        ids = {p["code"]: p["spreadsheet_id"] for p in doc.get("partners", [])}
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return None
    existing = {f["id"] for f in client.list_spreadsheet_files()}
    if not ids or not set(ids.values()) <= existing:
        return None
    return ids
