"""State files and seed folders.

``--state FILE`` saves every spreadsheet as one JSON document, written to a
temporary file in the same folder and renamed over the old one (an atomic
replace), so a crash never leaves a half-written state.  ``--seed DIR`` loads
one spreadsheet per sub-folder: one CSV per tab (file name = tab title,
order by name unless ``metadata.json`` lists ``tabs``), optional
``metadata.json`` with ``title``, ``id``, ``tabs``, ``timeZone``, ``locale``.
CSV cells are read as USER_ENTERED, as typed by a person.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .cells import Cell, decode, encode
from .model import Sheet, Spreadsheet, Store, new_spreadsheet_id
from .parsing import parse_user_entered

FORMAT_VERSION = 1


def _sheet_to_json(sheet: Sheet) -> dict[str, Any]:
    """A detached copy (no live dicts), so it can be serialised without the lock."""
    dc = copy.deepcopy
    # a rule set on a range is one object shared by its cells: saved once
    rules: dict[int, int] = {}
    table: list[Any] = []
    validations = []
    for (r, c), rule in sheet.validations.items():
        if id(rule) not in rules:
            rules[id(rule)] = len(table)
            table.append(dc(rule))
        validations.append([r, c, rules[id(rule)]])
    return {
        "props": dc(sheet.props),
        "rows": {str(r): [encode(v) for v in row] for r, row in sheet.rows.items()},
        "formats": [[r, c, dc(f)] for (r, c), f in sheet.formats.items()],
        "notes": [[r, c, n] for (r, c), n in sheet.notes.items()],
        "rules": table,
        "validations": validations,
        "merges": dc(sheet.merges),
        "row_meta": {str(k): dc(v) for k, v in sheet.row_meta.items()},
        "col_meta": {str(k): dc(v) for k, v in sheet.col_meta.items()},
        "extras": dc(sheet.extras),
    }


def _sheet_from_json(data: dict[str, Any]) -> Sheet:
    props = data["props"]
    sheet = Sheet(props["sheetId"], props["title"], props.get("index", 0))
    sheet.props = props
    sheet.rows = {int(r): [decode(v) for v in row] for r, row in data.get("rows", {}).items()}
    sheet.has_formulas = any(
        isinstance(v, Cell) and v.formula is not None for row in sheet.rows.values() for v in row
    )
    sheet.formats = {(r, c): f for r, c, f in data.get("formats", [])}
    sheet.notes = {(r, c): n for r, c, n in data.get("notes", [])}
    rules = data.get("rules", [])
    sheet.validations = {
        (r, c): rules[v] if isinstance(v, int) else v for r, c, v in data.get("validations", [])
    }
    sheet.merges = data.get("merges", [])
    sheet.row_meta = {int(k): v for k, v in data.get("row_meta", {}).items()}
    sheet.col_meta = {int(k): v for k, v in data.get("col_meta", {}).items()}
    sheet.extras = data.get("extras", {})
    return sheet


def dump_store(store: Store) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "spreadsheets": [
            {
                "id": ss.id,
                "properties": copy.deepcopy(ss.properties),
                "named_ranges": copy.deepcopy(ss.named_ranges),
                "created": ss.created_time,
                "modified": ss.modified_time,
                "sheets": [_sheet_to_json(sh) for sh in ss.sheets],
            }
            for ss in store.spreadsheets.values()
        ],
    }


def load_store(store: Store, data: dict[str, Any]) -> None:
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(f"unsupported state file version: {data.get('version')!r}")
    for item in data.get("spreadsheets", []):
        ss = Spreadsheet(item["id"], item["properties"]["title"], first_sheet=False)
        ss.properties = item["properties"]
        ss.named_ranges = item.get("named_ranges", [])
        ss.created_time = item.get("created", ss.created_time)
        ss.modified_time = item.get("modified", ss.modified_time)
        ss.sheets = [_sheet_from_json(s) for s in item.get("sheets", [])]
        store.add(ss)


def save_state(store: Store, path: str | os.PathLike[str]) -> None:
    """Write the state atomically: temp file in the same folder, fsync, rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with store.lock:  # a consistent snapshot; serialising happens outside the lock
        snapshot = dump_store(store)
    # ASCII escapes: any cell text round-trips, a lone surrogate included (which
    # no UTF-8 encoder writes; ensure_ascii=False would lose the whole state).
    payload = json.dumps(snapshot, ensure_ascii=True, separators=(",", ":"))
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_state(store: Store, path: str | os.PathLike[str]) -> bool:
    """Load a state file if it exists; False when there is none yet."""
    target = Path(path)
    if not target.exists():
        return False
    try:
        with target.open(encoding="utf-8") as fh:
            data = json.load(fh)
        with store.lock:
            load_store(store, data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{target} is not a readable emulator state file: {exc}") from None
    return True


def load_seed(store: Store, folder: str | os.PathLike[str]) -> list[str]:
    """Load every spreadsheet folder under ``folder``; returns their ids."""
    root = Path(folder)
    if not root.is_dir():
        raise ValueError(f"seed folder not found: {root}")
    ids = []
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        try:
            ss = _load_seed_folder(sub)
        except (ValueError, OSError, csv.Error) as exc:
            raise ValueError(f"seed folder {sub}: {exc}") from None
        with store.lock:
            store.add(ss)
        ids.append(ss.id)
    return ids


def _load_seed_folder(sub: Path) -> Spreadsheet:
    """One spreadsheet from one seed folder (CSV files, optional metadata.json)."""
    meta: dict[str, Any] = {}
    meta_file = sub / "metadata.json"
    if meta_file.exists():
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("metadata.json must hold a JSON object")
    csvs = {p.stem: p for p in sub.glob("*.csv")}
    order = meta.get("tabs") or sorted(csvs)
    ss = Spreadsheet(
        meta.get("id") or new_spreadsheet_id(), meta.get("title") or sub.name, first_sheet=False
    )
    for key in ("timeZone", "locale"):
        if key in meta:
            ss.properties[key] = meta[key]
    for i, title in enumerate(order):
        if title not in csvs:
            raise ValueError(f"{sub}: metadata.json lists tab {title!r} but {title}.csv is missing")
        with csvs[title].open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        sheet = Sheet(
            0 if i == 0 else ss.new_sheet_id(),
            title,
            i,
            max(1000, len(rows)),
            max(26, max((len(r) for r in rows), default=0)),
        )
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                sheet.set(r, c, parse_user_entered(v, ss.conv))
        ss.sheets.append(sheet)
    if not ss.sheets:
        ss.sheets.append(Sheet(0, "Sheet1", 0))
    return ss
