"""Sheet aids end to end: a sync against the emulator over HTTP, then the tab read
back with the real gspread client (``spreadsheets.get`` with ``includeGridData``):
dropdowns in the partner's language, notes and highlights on invalid cells that
go when the cell is fixed, the service columns' warning-only protection, the
partner's opt-out, and the API calls a sync makes."""

from __future__ import annotations

import dataclasses
from typing import Any

from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.normalise.enums import enum_values, parse_enum

LV1, LV2 = "40003000002", "40003000017"
STAFF_NOTE = "Zvanīt maijā"
STAFF_COLOUR = {"red": 0.8, "green": 1, "blue": 0.8}


def _lv_rows() -> list[list[Any]]:
    return [
        LV_LEADS_HEADER,
        ["SIA Alfa", "Latvija", LV1, "IKT", "Anna", "anna@alfa.lv", "+37120000001", "", ""],
        ["SIA Beta", "Latvija", LV2, "Kosmoss", "Ben", "ben@beta.lv", "+37120000002", "", ""],
    ]


def _grid(
    env: SyncEnv, partner: str = "lv", tab: str = "Leads", cells: str = "A1:Z6"
) -> dict[str, Any]:
    """The tab as Google describes it: protected ranges and, per cell of ``cells``,
    the note, the validation rule and the background colour (a few rows: each
    cell's rule comes in full, the country list's 249 values too)."""
    sid = env.config.partners[partner].spreadsheet_id
    data = env.gc.http_client.fetch_sheet_metadata(
        sid,
        params={
            "includeGridData": True,
            "ranges": f"'{tab}'!{cells}",
            "fields": "sheets(properties(sheetId,gridProperties),protectedRanges,"
            "data(startRow,rowData(values(note,dataValidation,userEnteredFormat.backgroundColor))))",
        },
    )
    return data["sheets"][0]


def _cells(sheet: dict[str, Any]) -> dict[tuple[int, int], dict[str, Any]]:
    """(row 1-based, column 0-based) -> CellData, non-empty cells only."""
    out = {}
    first = sheet["data"][0].get("startRow", 0) + 1
    for r, row in enumerate(sheet["data"][0].get("rowData", []), start=first):
        for c, value in enumerate(row.get("values", [])):
            if value:
                out[(r, c)] = value
    return out


def _column(header: list[Any], name: str) -> int:
    return header.index(name)


def _ws(env: SyncEnv, partner: str = "lv", tab: str = "Leads") -> Any:
    return env.gc.open_by_key(env.config.partners[partner].spreadsheet_id).worksheet(tab)


def _ours(sheet: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in sheet.get("protectedRanges", []) if p.get("warningOnly")]


def test_list_columns_get_a_dropdown_of_the_partners_labels(env: SyncEnv) -> None:
    env.sheet("lv", _lv_rows())
    assert env.sync("lv", tab="leads").ok
    sheet = _grid(env)
    cells = _cells(sheet)
    header = env.values("lv")[0]
    rows = sheet["properties"]["gridProperties"]["rowCount"]
    sector, country = _column(header, "Nozare"), _column(header, "Valsts")

    rule = cells[(2, sector)]["dataValidation"]
    assert rule["condition"]["type"] == "ONE_OF_LIST"
    assert rule.get("showCustomUi") is True and not rule.get("strict")
    labels = [v["userEnteredValue"] for v in rule["condition"]["values"]]
    # Latvian words, one per sector, each read back as its own value
    assert "IKT" in labels and "Izglītība" in labels
    assert sorted(parse_enum("lead", "sector", label) for label in labels) == sorted(
        enum_values("lead", "sector")
    )
    # every data row down to the end of the grid, never the header row
    last = _cells(_grid(env, cells=f"A{rows}:Z{rows}"))
    assert last[(rows, sector)]["dataValidation"] == rule
    assert "dataValidation" not in cells.get((1, sector), {})
    # the country list holds what the sync writes: Latvian names, the project's
    # countries first, every country once; the cells partners typed are on it
    countries = [
        v["userEnteredValue"] for v in cells[(2, country)]["dataValidation"]["condition"]["values"]
    ]
    assert countries[:4] == ["Azerbaidžāna", "Latvija", "Igaunija", "Somija"]
    assert sorted(parse_enum("lead", "country", name) for name in countries) == sorted(
        enum_values("lead", "country")
    )
    assert {row[1] for row in _lv_rows()[1:]} <= set(countries)
    # a column that is no list gets none
    assert "dataValidation" not in cells.get((2, _column(header, "E-pasts")), {})


def test_invalid_cell_has_note_and_highlight_until_fixed_and_staff_marks_stay(
    env: SyncEnv,
) -> None:
    env.sheet("lv", _lv_rows())
    ws = _ws(env)
    ws.insert_note("E2", STAFF_NOTE)  # staff's own note and colour on other cells
    ws.format("F3", {"backgroundColor": STAFF_COLOUR})
    assert env.sync("lv", tab="leads").ok

    header = env.values("lv")[0]
    sector = _column(header, "Nozare")
    status = env.records("lv")["row3"]["Sinhronizācijas statuss"]
    cells = _cells(_grid(env))
    bad = cells[(3, sector)]
    note = bad["note"]
    message = note.split(": ", 1)[1]
    assert "Kosmoss" in message and message in status  # the status cell's words, in Latvian
    colour = bad["userEnteredFormat"]["backgroundColor"]
    assert colour.get("red", 0) > 0.95 and colour.get("green", 0) < 0.95
    # the valid row's sector cell carries nothing
    assert "note" not in cells.get((2, sector), {})
    assert "userEnteredFormat" not in cells.get((2, sector), {})

    env.write("lv", "Leads", f"{chr(65 + sector)}3", [["IKT"]])
    assert env.sync("lv", tab="leads").ok
    cells = _cells(_grid(env))
    fixed = cells.get((3, sector), {})
    assert "note" not in fixed and "backgroundColor" not in fixed.get("userEnteredFormat", {})
    assert cells[(2, 4)]["note"] == STAFF_NOTE
    assert cells[(3, 5)]["userEnteredFormat"]["backgroundColor"] == STAFF_COLOUR
    beta = next(r for r in env.records("lv").values() if r["Uzņēmums"] == "SIA Beta")
    assert beta["Sinhronizācijas statuss"] == "OK"


def test_a_staff_note_on_an_invalid_cell_is_kept(env: SyncEnv) -> None:
    env.sheet("lv", _lv_rows())
    _ws(env).insert_note("D3", STAFF_NOTE)
    assert env.sync("lv", tab="leads").ok
    bad = _cells(_grid(env))[(3, 3)]
    assert bad["note"] == STAFF_NOTE  # never replaced
    assert "backgroundColor" in bad["userEnteredFormat"]  # still highlighted


def test_service_columns_are_protected_once_and_the_range_follows_them(env: SyncEnv) -> None:
    env.sheet("lv", _lv_rows())
    assert env.sync("lv", tab="leads").ok
    header = env.values("lv")[0]
    first = _column(header, "CRM ID")
    ranges = _ours(_grid(env))
    assert len(ranges) == 1
    rng = ranges[0]["range"]
    assert (rng["startColumnIndex"], rng["endColumnIndex"]) == (first, first + 3)
    assert ranges[0]["description"]

    env.write("lv", "Leads", "E2", [["Anna Bērziņa"]])  # a change: the next sync writes
    again = env.sync("lv", tab="leads").tabs[0]
    assert again.cells_written > 0
    assert _ours(_grid(env)) == ranges

    _ws(env).insert_cols([["Piezīme"]], col=1)  # staff insert a column on the left
    env.write("lv", "Leads", "F2", [["Anna B."]])
    assert env.sync("lv", tab="leads").ok
    moved = _ours(_grid(env))
    assert len(moved) == 1 and moved[0]["protectedRangeId"] == ranges[0]["protectedRangeId"]
    assert moved[0]["range"]["startColumnIndex"] == first + 1
    assert env.values("lv")[0][first + 1] == "CRM ID"


def test_opt_out_writes_no_aids(env: SyncEnv) -> None:
    env.sheet("lv", _lv_rows())
    pc = dataclasses.replace(env.config.partners["lv"], sheet_aids=False)
    env.config = dataclasses.replace(env.config, partners={**env.config.partners, "lv": pc})
    report = env.sync("lv", tab="leads")
    assert report.ok and report.tabs[0].counts["invalid"] == 1
    sheet = _grid(env)
    assert not sheet.get("protectedRanges")
    for value in _cells(sheet).values():
        assert not {"note", "dataValidation", "userEnteredFormat"} & set(value)


def test_calls_per_tab_and_a_no_change_sync_makes_one_call(env: SyncEnv) -> None:
    env.sheet("lv", _lv_rows())
    env.emulator.reset_stats()
    first = env.sync("lv", tab="leads").tabs[0]
    assert first.ok and first.api_calls <= 4
    assert env.emulator.stats()["total"] == first.api_calls
    before = _grid(env)

    env.emulator.reset_stats()
    again = env.sync("lv", tab="leads").tabs[0]
    assert again.ok and again.cells_written == 0
    assert again.api_calls == 1 == env.emulator.stats()["total"]
    assert _grid(env) == before

    env.write("lv", "Leads", "D3", [["IKT"]])
    env.emulator.reset_stats()
    fixed = env.sync("lv", tab="leads").tabs[0]
    assert fixed.ok and fixed.api_calls <= 4


def test_agreements_tab_in_finnish_list_columns_and_a_party_that_matches_nothing(
    env: SyncEnv,
) -> None:
    env.sheet(
        "fi",
        [["Company", "Country", "Sector"], ["Sisustus Oy", "FI", "ICT"]],
        [
            ["Seller", "Buyer", "Status", "Currency", "Value"],
            ["Sisustus Oy", "Nobody Ltd", "Allekirjoitettu", "EUR", 100],
        ],
    )
    assert env.sync("fi").ok
    sheet = _grid(env, "fi", "Agreements")
    cells = _cells(sheet)
    header = env.values("fi", "Agreements")[0]

    def listed(col: int) -> list[str]:
        rule = cells[(2, col)]["dataValidation"]
        return [v["userEnteredValue"] for v in rule["condition"]["values"]]

    status = listed(_column(header, "Status"))
    assert "Allekirjoitettu" in status and "Luonnos" in status  # Finnish
    assert "EUR" in listed(_column(header, "Currency"))
    buyer = cells[(2, _column(header, "Buyer"))]
    assert "Nobody Ltd" in buyer["note"]
    assert "backgroundColor" in buyer["userEnteredFormat"]
    assert "note" not in cells.get((2, _column(header, "Seller")), {})
    assert len(_ours(sheet)) == 1


def test_a_title_above_the_header_gets_no_aids(env: SyncEnv) -> None:
    rows = _lv_rows()
    env.sheet("lv", [["LEF Network — kontakti 2025"], [], *rows])
    assert env.sync("lv", tab="leads").ok
    cells = _cells(_grid(env))
    sector = _column(rows[0], "Nozare")
    assert "dataValidation" in cells[(4, sector)]  # the first data row, below the header
    for row in (1, 2, 3):  # the title, the blank row, the header
        assert not cells.get((row, sector), {}).get("dataValidation")
    assert "Kosmoss" in cells[(5, sector)]["note"]  # the invalid row, two rows lower
    header = env.values("lv")[2]
    first = _column(header, "CRM ID")
    (protected,) = _ours(_grid(env))
    assert protected["range"]["startColumnIndex"] == first


def _grid_reads(env: SyncEnv) -> list[dict[str, Any]]:
    """Every ``spreadsheets.get`` with grid data the sync's client makes from now on,
    as the emulator answered it over HTTP (a response hook on the real session)."""
    answers: list[dict[str, Any]] = []

    def keep(response: Any, *_args: Any, **_kwargs: Any) -> None:
        if response.request.method == "GET" and "includeGridData=True" in response.url:
            answers.append(response.json())

    env.gc.http_client.session.hooks["response"].append(keep)
    return answers


def test_fixing_a_row_far_down_reads_only_that_row_and_leaves_other_marks(env: SyncEnv) -> None:
    header, alfa, beta = _lv_rows()
    fillers = [
        [f"SIA Rinda {i}", "Latvija", "", "IKT", "Ilze", f"ilze{i}@rinda.lv", "", "", ""]
        for i in range(60)
    ]
    # row 3 and row 60 are invalid (an unknown sector); 58 valid rows around them
    env.sheet(
        "lv",
        [header, alfa, beta, *fillers[:56], [*beta[:3], "Zvaigznes", *beta[4:]], *fillers[56:]],
    )
    first = env.synced_tab("lv")
    assert first.counts["invalid"] == 2
    sector = _column(header, "Nozare")
    cells = _cells(_grid(env, cells="A1:Z70"))
    assert "Kosmoss" in cells[(3, sector)]["note"] and "Zvaigznes" in cells[(60, sector)]["note"]

    env.write("lv", "Leads", f"{chr(65 + sector)}60", [["IKT"]])
    reads = _grid_reads(env)
    assert env.synced_tab("lv").counts["invalid"] == 1
    sync_reads = list(reads)  # before the test's own reads below
    cells = _cells(_grid(env, cells="A1:Z70"))
    fixed = cells.get((60, sector), {})
    assert "note" not in fixed and "backgroundColor" not in fixed.get("userEnteredFormat", {})
    kept = cells[(3, sector)]
    assert "Kosmoss" in kept["note"] and "backgroundColor" in kept["userEnteredFormat"]

    # the write read row 60 alone (and the header row, whose "Last synced" cell
    # carries the zone's note): a GridData block from row 60, of one row
    (answer,) = sync_reads
    (sheet,) = answer["sheets"]
    assert sheet["properties"]["gridProperties"]["rowCount"] >= 63  # the tab's own size
    head, block = sheet["data"]
    assert head.get("startRow", 0) == 0 and len(head["rowData"]) == 1
    assert block["startRow"] == 59 and block.get("startColumn", 0) == 0
    assert len(block["rowData"]) == 1
    assert "Zvaigznes" in block["rowData"][0]["values"][sector]["note"]  # read before the fix


def test_event_column_offers_the_shared_events_in_the_partners_language(env: SyncEnv) -> None:
    header = [*LV_LEADS_HEADER, "Pasākums"]
    rows = [
        header,
        ["SIA Alfa", "Latvija", LV1, "IKT", "Anna", "anna@alfa.lv", "+37120000001", "", "", ""],
        ["SIA Beta", "Latvija", LV2, "IKT", "Ben", "ben@beta.lv", "+37120000002", "", "", ""],
    ]
    rows[1][-1] = "lef tiklosanas 2025"  # a listed event, typed loosely
    rows[2][-1] = "Rīgas biznesa brokastis"  # on no list: kept as typed
    env.sheet("lv", rows)
    assert env.sync("lv", tab="leads").ok
    header = env.values("lv")[0]
    event = _column(header, "Pasākums")
    rule = _cells(_grid(env))[(2, event)]["dataValidation"]
    names = [v["userEnteredValue"] for v in rule["condition"]["values"]]
    # the example partners file's three events, by their Latvian names, oldest first
    assert names == [
        "Baku B2B forums 2023",
        "Tirdzniecības misija uz Baku 2024",
        "LEF tīklošanās 2025",
    ]
    assert not rule.get("strict")
    stored = {lead.company_name: lead.data.get("event") for lead in env.leads().values()}
    assert stored == {"SIA Alfa": "lef tiklosanas 2025", "SIA Beta": "Rīgas biznesa brokastis"}


def test_the_sync_writes_country_names_and_still_reads_codes_and_other_spellings(
    env: SyncEnv,
) -> None:
    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            ["SIA Alfa", "LV", LV1, "IKT", "", "", "", "", ""],
            ["Nokia Oyj", "Finland", "0112038-9", "IKT", "", "", "", "", ""],
        ],
    )
    env.store_lead(
        "webhook:lv",
        partner="lv",
        company_name="Azersun",
        country="AZ",
        sector="other",
        email="info@azersun.az",
    )
    assert env.sync("lv", tab="leads").ok
    by_firm = {r["Uzņēmums"]: r for r in env.records("lv").values()}
    assert by_firm["Azersun"]["Valsts"] == "Azerbaidžāna"  # a new row: the name, in Latvian
    assert by_firm["SIA Alfa"]["Valsts"] == "LV"  # what partners typed is kept and read
    assert by_firm["Nokia Oyj"]["Valsts"] == "Finland"
    countries = {lead.data["company_name"]: lead.data["country"] for lead in env.leads().values()}
    assert countries == {"SIA Alfa": "LV", "Nokia Oyj": "FI", "Azersun": "AZ"}
    assert all(r["Sinhronizācijas statuss"] == "OK" for r in by_firm.values())


def test_last_synced_is_the_partners_local_time_named_once_in_the_header_note(
    env: SyncEnv,
) -> None:
    """LV staff read `Last synced` in Riga's time, not UTC ISO; the header's note
    says which zone, in Latvian, and so does the protection's warning. A later
    writing sync leaves the note as it is (it is not sent again)."""
    import re
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from integration.sync.sheet_aids import NOTE_PREFIX

    env.sheet("lv", _lv_rows())
    before = datetime.now(UTC).astimezone(ZoneInfo("Europe/Riga")).replace(tzinfo=None)
    assert env.sync("lv", tab="leads").ok
    values = env.values("lv")
    col = _column(values[0], "Pēdējā sinhronizācija")
    stamp = values[1][col]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", stamp), stamp
    written = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S")
    assert before - timedelta(seconds=1) <= written <= before + timedelta(minutes=2)

    sheet = _grid(env)
    note = _cells(sheet)[(1, col)]["note"]
    assert note == NOTE_PREFIX + "Pēdējā sinhronizācija: laika josla – Austrumeiropas laiks (Rīga)."
    assert "Sinhronizācijas statuss" in _ours(sheet)[0]["description"]

    env.write("lv", "Leads", "E2", [["Anna Bērziņa"]])
    env.emulator.reset_stats()
    assert env.sync("lv", tab="leads").tabs[0].cells_written > 0
    assert _cells(_grid(env))[(1, col)]["note"] == note
