"""Agreements name their parties the way staff type them; store records missing
from the sheet are appended; a web-form lead typed in by hand too is adopted."""

from __future__ import annotations

from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.store import records
from integration.store.models import Agreement, Lead, QuarantineEntry

LV1, LV2 = "40003000002", "40003000017"
AGREEMENTS_HEADER = [
    "Pārdevējs",
    "Pircējs",
    "Statuss",
    "Parakstīšanas datums",
    "Vērtība",
    "Piezīmes",
]


def test_parties_by_id_code_or_name_with_clear_errors(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            ["SIA Alfa", "LV", LV1, "IKT", "", "a@alfa.lv", "", "", ""],
            ["Beta MMC", "AZ", "", "IKT", "", "info@beta.az", "", "", ""],
            ["SIA Gamma", "LV", LV2, "IKT", "", "", "", "", ""],
            ["Gamma MMC", "AZ", "", "IKT", "", "g@gamma.az", "", "", ""],
        ],
        [
            AGREEMENTS_HEADER,
            ["SIA Alfa", "beta", "Parakstīts", "12.03.2025", "1 000,50 €", "by name"],
            [LV1, "Nobody Ltd", "Parakstīts", "12.03.2025", 100, "no match"],
            ["Gamma", "Beta MMC", "Sarunas", "", "", "ambiguous"],
        ],
    )
    assert env.sync("lv", tab="leads").ok
    with env.store.session() as s:
        ids = {lead.data["company_name"]: lead.id for lead in s.scalars(select(Lead))}
    # the first row names the seller by CRM ID too
    env.write("lv", "Agreements", "A2", [[ids["SIA Alfa"]]])
    report = env.sync("lv", tab="agreements")
    assert report.ok, report.tabs[0].error
    tab = report.tabs[0]
    assert tab.counts["created"] == 1 and tab.counts["invalid"] == 2
    with env.store.session() as s:
        agreement = s.scalars(select(Agreement)).one()
        entries = s.scalars(select(QuarantineEntry).order_by(QuarantineEntry.row_number)).all()
    assert agreement.seller_id == ids["SIA Alfa"] and agreement.buyer_id == ids["Beta MMC"]
    assert agreement.status == "signed" and agreement.value == 1000.5
    assert agreement.reporting_partner == "lv" and agreement.currency == "EUR"
    rows = env.values("lv", "Agreements")
    status = rows[0].index("Sinhronizācijas statuss")
    assert rows[1][status] == "OK"
    assert "Nobody Ltd" in rows[2][status] and "CRM ID" in rows[2][status]
    assert "Gamma" in rows[3][status] and "vairākiem" in rows[3][status]  # ambiguous, in Latvian
    assert [e.row_number for e in entries] == [3, 4]
    assert env.sync("lv", tab="agreements").tabs[0].cells_written == 0
    # the CRM moves the buyer: the Buyer cell gets the new party's CRM ID
    with env.store.session() as s:
        records.update_record(
            s, s.get(Agreement, agreement.id), {"buyer_id": ids["Gamma MMC"]}, source="api"
        )
    env.sync("lv", tab="agreements")
    assert env.values("lv", "Agreements")[1][1] == ids["Gamma MMC"]


def test_store_records_are_appended_and_hand_typed_copies_adopted(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", LV1, "IKT", "", "", "", "", ""]])
    web = env.store_lead(
        "webhook:lv",
        partner="lv",
        company_name="Web SIA",
        country="LV",
        sector="education",
        email="web@web.lv",
        gdpr_consent=True,
    )
    typed = env.store_lead(
        "webhook:lv",
        partner="lv",
        company_name="Typed SIA",
        country="LV",
        sector="ict",
        registration_code=LV2,
    )
    other = env.store_lead(
        "webhook:ee", partner="ee", company_name="Not ours OÜ", country="EE", sector="ict"
    )
    # staff typed the second web-form firm into the sheet themselves meanwhile
    env.write("lv", "Leads", "A3", [["Typed SIA", "LV", LV2, "IKT", "Tina", "", "", "", ""]])
    report = env.sync("lv", tab="leads").tabs[0]
    assert report.outcome == "completed"
    assert report.counts["created"] == 1 and report.counts["appended"] == 1
    assert report.counts["duplicates"] == 0
    rows = env.records("lv")
    assert web.id in rows and typed.id in rows and other.id not in rows
    assert rows[web.id]["Nozare"] == "Izglītība"  # the partner's own word for the sector
    assert rows[typed.id]["Kontaktpersona"] == "Tina"
    with env.store.session() as s:
        assert s.get(Lead, typed.id).data["contact_name"] == "Tina"
    assert env.count(Lead) == 4
    again = env.sync("lv", tab="leads").tabs[0]
    assert again.cells_written == 0 and again.rows_appended == 0


def test_empty_tab_gets_a_header_and_the_store_records(env: SyncEnv) -> None:
    env.sheet("fi", [[]])
    lead = env.store_lead(
        "api",
        partner="fi",
        company_name="Alfa Oy",
        country="FI",
        sector="green_tech",
        role="seller",
    )
    report = env.sync("fi", tab="leads").tabs[0]
    assert report.outcome == "completed" and report.rows_appended == 1
    rows = env.values("fi")
    assert rows[0][0] == "Yritys" and "CRM ID" in rows[0]
    assert rows[1][0] == "Alfa Oy" and lead.id in rows[1]
    assert env.sync("fi", tab="leads").tabs[0].cells_written == 0


def test_header_drift_is_reported_not_shifted(env: SyncEnv) -> None:
    env.sheet(
        "lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", LV1, "IKT", "Anna", "a@alfa.lv", "", "", ""]]
    )
    env.sync("lv", tab="leads")
    env.write("lv", "Leads", "E1", [["Kas zvanīja"]])  # the contact column renamed
    report = env.sync("lv", tab="leads").tabs[0]
    assert report.outcome == "completed"
    assert any("Kontaktpersona" in d for d in report.drift)
    with env.store.session() as s:
        lead = s.scalars(select(Lead)).one()
    assert lead.data["contact_name"] == "Anna"  # not cleared, not shifted
    assert env.values("lv")[1][4] == "Anna"
