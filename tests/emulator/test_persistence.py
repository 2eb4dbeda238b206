"""--state persistence, --seed folders and the command line."""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from emulator_fixtures import run_emulator
from processes import free_port, start_emulator, stop

from connectors.google_sheets.auth import make_gspread_client

ROOT = Path(__file__).resolve().parents[2]


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state" / "sheets.json"
    with run_emulator(state_file=str(state)) as emu:
        gc = emu.client()
        sh = gc.create("Kept")
        ws = sh.add_worksheet("Leads", rows=20, cols=4)
        ws.update([["id", "when"], ["L-1", "2025-03-12"]], "A1", raw=False)
        ws.update([["=1+1"]], "C2", raw=False)
        ws.define_named_range("A1:B2", "Block")
        sid = sh.id
    assert state.exists()
    assert [p.name for p in state.parent.iterdir()] == ["sheets.json"]  # no temp files left
    with run_emulator(state_file=str(state)) as emu:
        sh = emu.client().open_by_key(sid)
        assert [w.title for w in sh.worksheets()] == ["Sheet1", "Leads"]
        ws = sh.worksheet("Leads")
        assert ws.get_all_values() == [["id", "when", ""], ["L-1", "2025-03-12", "2"]]
        assert ws.acell("C2", value_render_option="FORMULA").value == "=1+1"
        assert sh.values_get("Block")["values"] == [["id", "when"], ["L-1", "2025-03-12"]]
        assert ws.row_count == 20


def test_a_rule_on_a_range_is_saved_once_and_restored_on_every_cell(tmp_path: Path) -> None:
    state = tmp_path / "sheets.json"
    rule = {
        "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": "LV"}]},
        "showCustomUi": True,
    }
    with run_emulator(state_file=str(state)) as emu:
        sh = emu.client().create("Rules")
        rng = {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 500, "startColumnIndex": 2}
        rng["endColumnIndex"] = 3
        sh.batch_update({"requests": [{"setDataValidation": {"range": rng, "rule": rule}}]})
        sh.sheet1.insert_note("A1", "kept")
        sid = sh.id
    saved = json.loads(state.read_text(encoding="utf-8"))
    assert json.dumps(saved).count('"ONE_OF_LIST"') == 1
    with run_emulator(state_file=str(state)) as emu:
        sh = emu.client().open_by_key(sid)
        data = sh.client.fetch_sheet_metadata(
            sid,
            params={
                "includeGridData": True,
                "ranges": "Sheet1!A1:C500",
                "fields": "sheets.data.rowData.values(note,dataValidation)",
            },
        )
        rows = data["sheets"][0]["data"][0]["rowData"]
        assert rows[0]["values"][0] == {"note": "kept"}
        assert all(row["values"][2]["dataValidation"] == rule for row in rows[1:])
        assert len(rows) == 500


def test_seed_folder_loads_one_spreadsheet_per_folder(tmp_path: Path) -> None:
    lv = tmp_path / "lv"
    lv.mkdir()
    (lv / "Leads.csv").write_text("Company,Country\nSIA Koks,LV\n", encoding="utf-8")
    (lv / "Agreements.csv").write_text("Seller,Buyer\n", encoding="utf-8")
    (lv / "metadata.json").write_text(
        json.dumps(
            {"title": "LV partner sheet", "id": "seed-lv-0001", "tabs": ["Leads", "Agreements"]}
        ),
        encoding="utf-8",
    )
    ee = tmp_path / "ee"
    ee.mkdir()
    (ee / "Leads.csv").write_text("Ettevõte\nOÜ Näide\n", encoding="utf-8")
    with run_emulator(seed_dir=str(tmp_path)) as emu:
        gc = emu.client()
        sh = gc.open_by_key("seed-lv-0001")
        assert sh.title == "LV partner sheet"
        assert [w.title for w in sh.worksheets()] == ["Leads", "Agreements"]
        assert sh.worksheet("Leads").get_all_values() == [
            ["Company", "Country"],
            ["SIA Koks", "LV"],
        ]
        assert gc.open("ee").sheet1.get_all_values() == [["Ettevõte"], ["OÜ Näide"]]


#: How long a stopped emulator may take to save and exit: generous, because a busy
#: shared machine can stall a process for seconds; a hang still fails.
STOP_DEADLINE = 60


@contextlib.contextmanager
def _emulator_process(port: int, state: Path, stop_with: int = signal.SIGTERM) -> Iterator[Any]:
    """The emulator's command line with ``--state``, yielding a gspread client;
    then stopped with ``stop_with``, which must end it cleanly: exit 0, no
    traceback, no failed save."""
    proc = start_emulator(port, "--state", str(state))
    try:
        yield make_gspread_client(emulator_host=f"127.0.0.1:{port}")
    finally:
        out, _ = stop(proc, stop_with, timeout=STOP_DEADLINE)
    assert proc.returncode == 0, out
    assert b"Traceback" not in out and b"could not save" not in out, out


def test_command_line_server_stops_cleanly_on_sigterm_and_keeps_state(tmp_path: Path) -> None:
    port, state = free_port(), tmp_path / "state.json"
    with _emulator_process(port, state) as gc:
        gc.create("From the CLI").sheet1.update([["persisted"]], "A1")
    with _emulator_process(port, state, stop_with=signal.SIGINT) as gc:
        assert gc.open("From the CLI").sheet1.acell("A1").value == "persisted"


def test_any_cell_text_survives_a_stop_and_restart(tmp_path: Path) -> None:
    """A lone surrogate, NUL and non-characters in cells (the Sheets API takes
    them as JSON escapes): SIGTERM saves the state and a restart has every
    spreadsheet back, each cell exactly as it was."""
    odd = ["x\udfff", "\ud800x\udc00", "a\x00b", "\ufffe\U0010ffff", "Ā😀"]
    port, state = free_port(), tmp_path / "state.json"
    with _emulator_process(port, state) as gc:
        gc.create("Kept too").sheet1.update([["plain"]], "A1")
        gc.create("Odd text").sheet1.update([odd], "A1", value_input_option="RAW")
        requests.post(f"http://127.0.0.1:{port}/_emulator/save", timeout=5)
    with _emulator_process(port, state) as gc:
        assert gc.open("Kept too").sheet1.acell("A1").value == "plain"
        assert gc.open("Odd text").sheet1.get_values("A1:E1") == [odd]


def test_a_failed_save_keeps_the_state_to_save(tmp_path: Path) -> None:
    """A save that fails (here: the folder is a file) raises and leaves the
    state marked changed, so the next save writes it: nothing is lost silently."""
    blocker = tmp_path / "blocked"
    blocker.write_text("not a folder", encoding="utf-8")
    with run_emulator(state_file=str(blocker / "state.json")) as emu:
        emu.client().create("Pending")
        with pytest.raises(OSError):
            emu.emulator.save_if_dirty()
        blocker.unlink()
        emu.emulator.save_if_dirty()
        assert "Pending" in (blocker / "state.json").read_text(encoding="ascii")


def test_env_var_redirects_the_client(emulator) -> None:
    from integration.config import load_config
    from integration.google_connector import make_connector

    config = load_config(
        Path(__file__).resolve().parents[2] / "partners.example.toml",
        environ={"SHEETS_EMULATOR_HOST": emulator.host_port},
    )
    gc = make_gspread_client(emulator_host=config.emulator_host)
    sid = gc.create("via env").id
    assert emulator.stats()["by_endpoint"]["drive.files.create"] == 1
    assert "Sheet1" in make_connector(config).metadata(sid)


def test_a_corrupt_state_file_is_reported_not_overwritten(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not a readable emulator state file"):
        run_emulator(state_file=str(state)).__enter__()
    assert state.read_text(encoding="utf-8") == "{not json"


def test_a_seed_folder_naming_a_missing_tab_is_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "metadata.json").write_text(json.dumps({"tabs": ["Leads"]}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken: metadata.json lists tab 'Leads'"):
        run_emulator(seed_dir=str(tmp_path)).__enter__()
