"""A row keeps its identity while staff edit the sheet during a sync: the rows
are inserted, deleted, sorted or copied between the sync's read and its write
(the emulator holds the read's answer, so the sync plans on the sheet as it was,
while the partner's own client edits it), and no row receives another row's id
or values."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.sync.engine import SyncReport

ALFA = ["SIA Alfa", "Latvija", "40003000002", "IKT", "Anna", "anna@alfa.lv"]
BETA = ["SIA Beta", "Latvija", "40003000017", "IKT", "Boris", "boris@beta.lv"]
GAMMA = ["SIA Gamma", "Latvija", "40003000021", "IKT", "Gints", "gints@gamma.lv"]
DELTA = ["SIA Delta", "Latvija", "40003000036", "IKT", "Dace", "dace@delta.lv"]


def _worksheet(env: SyncEnv) -> Any:
    partner = env.emulator.client(timeout=5)
    return partner.open_by_key(env.config.partners["lv"].spreadsheet_id).worksheet("Leads")


def sync_while(env: SyncEnv, edit: Callable[[Any], None]) -> SyncReport:
    """Sync the Leads tab, with ``edit(worksheet)`` made by the partner's own client
    after the sync read the tab and before it writes (the read's answer is held)."""
    env.emulator.inject_fault(endpoint="values.batchGet", after=True, hold=True)
    result: list[SyncReport] = []
    sync = threading.Thread(target=lambda: result.append(env.sync("lv", tab="leads")))
    sync.start()
    try:
        env.emulator.wait_held()
        edit(_worksheet(env))
    finally:
        env.emulator.release()
        sync.join(timeout=60)
    return result[0]


def firms(env: SyncEnv) -> dict[str, str]:
    """Company name -> the CRM ID its row carries, every data row of the sheet."""
    rows = env.values("lv")
    header = rows[0]
    name, crm = header.index("Uzņēmums"), header.index("CRM ID")
    return {r[name]: (r[crm] if len(r) > crm else "") for r in rows[1:] if r and r[name]}


def stored(env: SyncEnv) -> dict[str, tuple[str, bool]]:
    """CRM ID -> (company name, archived) of every stored lead."""
    return {
        i: (lead.data["company_name"], lead.archived_at is not None)
        for i, lead in env.leads().items()
    }


def assert_each_firm_keeps_its_record(env: SyncEnv) -> None:
    """Every row's id names a live record of that very firm, and no two rows
    share one; every firm in the sheet has one."""
    rows, leads = firms(env), stored(env)
    assert all(rows.values()), rows
    assert len(set(rows.values())) == len(rows), rows
    for name, rid in rows.items():
        assert leads[rid] == (name, False), (name, rid, leads[rid])


def test_a_row_inserted_above_while_the_sync_writes_gets_no_other_row_s_id(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ALFA, BETA])
    env.synced_tab()
    before = firms(env)
    env.write("lv", "Leads", "A4", [GAMMA])  # a new firm: this sync gives it an id
    report = sync_while(env, lambda ws: ws.insert_row(DELTA, index=2, value_input_option="RAW"))
    assert report.ok, [t.error for t in report.tabs]
    rows = firms(env)
    assert rows["SIA Alfa"] == before["SIA Alfa"] and rows["SIA Beta"] == before["SIA Beta"]
    assert rows["SIA Gamma"] not in before.values() and rows["SIA Gamma"].startswith("L-")
    env.synced_tab()  # the next sync gives the row typed meanwhile its own id
    assert_each_firm_keeps_its_record(env)
    assert len(stored(env)) == 4
    assert env.synced_tab().cells_written == 0


def test_rows_deleted_above_and_sorted_while_the_sync_writes_keep_their_ids(
    env: SyncEnv,
) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ALFA, BETA, GAMMA])
    env.synced_tab()
    before = firms(env)
    env.write("lv", "Leads", "A5", [DELTA])
    report = sync_while(env, lambda ws: ws.delete_rows(2))
    assert report.ok, [t.error for t in report.tabs]
    rows = firms(env)
    assert rows["SIA Beta"] == before["SIA Beta"] and rows["SIA Gamma"] == before["SIA Gamma"]
    assert rows["SIA Delta"].startswith("L-") and rows["SIA Delta"] not in before.values()
    env.synced_tab()  # Alfa's row is gone: its record is archived, nobody else's
    assert stored(env)[before["SIA Alfa"]] == ("SIA Alfa", True)
    assert_each_firm_keeps_its_record(env)

    env.store_lead("webhook:lv", partner="lv", company_name="SIA Web", country="LV")
    # the partner sorts the tab by company name, descending, while the sync appends
    report = sync_while(env, lambda ws: ws.sort((1, "des"), range=f"A2:K{ws.row_count}"))
    assert report.ok, [t.error for t in report.tabs]
    assert_each_firm_keeps_its_record(env)
    assert env.synced_tab().cells_written == 0


def test_a_row_edited_while_the_sync_writes_is_read_and_planned_again(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ALFA])
    env.synced_tab()
    env.write("lv", "Leads", "A3", [GAMMA])
    env.emulator.reset_stats()
    # the new row is renamed before the write: the plan made from the old name
    # is not written (it would give the id to a firm it did not check); the tab
    # is read and planned again, and the row gets its id as the firm it now is
    report = sync_while(env, lambda ws: ws.update([["SIA Gamma Plus"]], "A3", raw=True))
    assert report.ok, [t.error for t in report.tabs]
    by_endpoint = env.emulator.stats()["by_endpoint"]
    assert by_endpoint["values.batchGet"] == 4  # read, re-read, and both again
    assert_each_firm_keeps_its_record(env)
    assert sorted(name for name, _ in stored(env).values()) == ["SIA Alfa", "SIA Gamma Plus"]


def test_a_writing_sync_makes_at_most_four_calls_and_a_quiet_one_makes_one(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ALFA])
    assert env.synced_tab().api_calls <= 4
    env.write("lv", "Leads", "A3", [GAMMA])
    assert env.synced_tab().api_calls == 4
    assert env.synced_tab().api_calls == 1


def _row_of(env: SyncEnv, name: str) -> list[Any]:
    return next(r for r in env.values("lv")[1:] if r and r[0] == name)


def test_a_copied_row_edited_into_another_firm_becomes_a_new_row_above_or_below(
    env: SyncEnv,
) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ALFA, BETA])
    env.synced_tab()
    before = firms(env)
    beta_row = _row_of(env, "SIA Beta")
    ws = _worksheet(env)
    # a copy pasted above the original, then edited into another firm (id kept)
    ws.insert_row([*DELTA, *beta_row[len(DELTA) :]], index=3, value_input_option="RAW")
    # and one pasted below Alfa's row, still the very same row
    alfa_row = _row_of(env, "SIA Alfa")
    ws.insert_row(alfa_row, index=3, value_input_option="RAW")
    env.synced_tab()
    rows = firms(env)
    leads = stored(env)
    assert rows["SIA Beta"] == before["SIA Beta"]
    assert leads[before["SIA Beta"]] == ("SIA Beta", False)
    assert leads[before["SIA Alfa"]] == ("SIA Alfa", False)
    assert rows["SIA Delta"] not in before.values() and leads[rows["SIA Delta"]][0] == "SIA Delta"
    # the untouched copy of Alfa still carries Alfa's id; edited, it becomes a firm of its own
    copies = [r for r in env.values("lv")[1:] if r and r[0] == "SIA Alfa"]
    assert len(copies) == 2 and {r[9] for r in copies} == {before["SIA Alfa"]}
    row = next(i for i, r in enumerate(env.values("lv"), start=1) if r[0] == "SIA Alfa")
    env.write("lv", "Leads", f"A{row}", [GAMMA])  # the upper one, whichever it was
    env.synced_tab()
    assert_each_firm_keeps_its_record(env)
    assert {name for name, archived in stored(env).values() if not archived} == {
        "SIA Alfa",
        "SIA Beta",
        "SIA Gamma",
        "SIA Delta",
    }
    assert env.synced_tab().cells_written == 0


def test_a_cleared_crm_id_comes_back_to_the_same_firm(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ALFA, BETA])
    env.synced_tab()
    before = firms(env)
    env.write("lv", "Leads", "J2", [[""]])  # staff clear Alfa's CRM ID cell
    env.write("lv", "Leads", "E2", [["Anna Ozola"]])  # and edit the row meanwhile
    tab = env.synced_tab()
    assert tab.counts["created"] == 0 and tab.counts["archived"] == 0
    assert firms(env) == before
    assert env.leads()[before["SIA Alfa"]].data["contact_name"] == "Anna Ozola"
    assert_each_firm_keeps_its_record(env)
    assert env.synced_tab().cells_written == 0


def test_a_cleared_agreement_id_makes_no_second_agreement(env: SyncEnv) -> None:
    """Staff clear the CRM ID cell of an agreement row: the next sync finds the row
    is that agreement (its cells are the ones it last synced, or its parties and
    subject), writes the id back, and creates nothing."""
    from sqlalchemy import select

    from integration.store.models import Agreement

    beta_az = ["Beta MMC", "AZ", "", "IKT", "", "info@beta.az"]
    env.sheet(
        "lv",
        [LV_LEADS_HEADER, ALFA, beta_az],
        [
            ["Pārdevējs", "Pircējs", "Statuss", "Parakstīšanas datums", "Vērtība"],
            ["SIA Alfa", "Beta MMC", "Parakstīts", "12.03.2025", 1000],
        ],
    )
    assert env.sync("lv").ok
    rows = env.values("lv", "Agreements")
    crm = rows[0].index("CRM ID")
    agreement_id = rows[1][crm]
    assert agreement_id.startswith("A-")
    column = chr(ord("A") + crm)
    env.write("lv", "Agreements", f"{column}2", [[""]])  # staff clear the id cell
    tab = env.synced_tab(tab="agreements")
    assert tab.counts["created"] == 0 and tab.counts["archived"] == 0, tab.counts
    assert env.values("lv", "Agreements")[1][crm] == agreement_id
    env.write("lv", "Agreements", f"{column}2", [[""]])  # cleared again, and the value edited
    env.write("lv", "Agreements", "E2", [[1500]])
    tab = env.synced_tab(tab="agreements")
    assert tab.counts["created"] == 0 and tab.counts["archived"] == 0, tab.counts
    assert env.values("lv", "Agreements")[1][crm] == agreement_id
    with env.store.session() as s:
        agreements = s.scalars(select(Agreement)).all()
    assert [(a.id, a.value, a.archived_at) for a in agreements] == [(agreement_id, 1500, None)]
    assert env.synced_tab(tab="agreements").cells_written == 0
