"""An Event cell that names no event of the project's list, end to end: a sync
against the emulator over HTTP with the real gspread client reading the tab back.
The lead is kept as typed (never dropped, never quarantined) and its status cell
says, in the partner's language, that the event is not on the list, naming the
value; choosing a listed event turns the status back to OK."""

from __future__ import annotations

from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.sync import sheet_rows

LV1, LV2 = "40003000002", "40003000017"


def _status_by_company(env: SyncEnv, partner: str) -> dict[str, str]:
    rows = env.values(partner)
    header = rows[0]
    status = sheet_rows.layout_for(header, "lead", {}).status_col
    return {row[0]: row[status] for row in rows[1:]}


def test_an_unlisted_event_is_kept_and_named_in_the_status_cell(env: SyncEnv) -> None:
    header = [*LV_LEADS_HEADER, "Pasākums"]
    blank = [""] * (len(header) - 5)
    env.sheet(
        "lv",
        [
            header,
            ["SIA Alfa", "Latvija", LV1, "IKT", *blank, "lef tiklosanas 2025"],
            ["SIA Beta", "Latvija", LV2, "IKT", *blank, "Rīgas biznesa brokastis"],
        ],
    )
    result = env.synced_tab("lv")
    assert result.counts["created"] == 2 and result.counts["invalid"] == 0
    status = _status_by_company(env, "lv")
    assert status["SIA Alfa"] == "OK"
    assert status["SIA Beta"] == (
        "Pasākums: 'Rīgas biznesa brokastis' nav projekta pasākumu sarakstā; rinda saglabāta,"
        " kā ierakstīta. Izvēlieties pasākumu no saraksta vai lūdziet CRM darbiniekiem to"
        " pievienot sarakstam"
    )
    stored = {lead.company_name: lead.data.get("event") for lead in env.leads().values()}
    assert stored["SIA Beta"] == "Rīgas biznesa brokastis"

    # a second run leaves the note as it is and writes nothing
    again = env.synced_tab("lv")
    assert again.counts["unchanged"] == 2
    assert _status_by_company(env, "lv")["SIA Beta"].startswith("Pasākums: 'Rīgas")

    # staff pick the event from the dropdown: the note goes
    rows = env.values("lv")
    event_col = chr(ord("A") + rows[0].index("Pasākums"))
    env.write("lv", "Leads", f"{event_col}3", [["LEF tīklošanās 2025"]])
    env.synced_tab("lv")
    assert _status_by_company(env, "lv")["SIA Beta"] == "OK"


def test_the_note_is_in_each_partners_language(env: SyncEnv) -> None:
    env.sheet(
        "fi",
        [
            ["Yritys", "Maa", "Y-tunnus", "Toimiala", "Tapahtuma"],
            ["Nokia Oyj", "Suomi", "0112038-9", "ICT", "Helsingin aamiainen"],
        ],
    )
    env.synced_tab("fi")
    assert _status_by_company(env, "fi")["Nokia Oyj"] == (
        "Tapahtuma: 'Helsingin aamiainen' ei ole hankkeen tapahtumaluettelossa; rivi on"
        " säilytetty kirjoitetussa muodossa. Valitse tapahtuma pudotusvalikosta tai pyydä"
        " CRM-henkilöstöä lisäämään se luetteloon"
    )
    assert [lead.data.get("event") for lead in env.leads().values()] == ["Helsingin aamiainen"]
