"""An agreements tab names its parties within what that partner may reference
(its own leads, and the parties its agreements already name), as the API does;
a party's new company name reaches the Agreements tab."""

from __future__ import annotations

from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.store import records
from integration.store.models import Agreement, Lead, QuarantineEntry

LV1, EE1, EE2 = "40003000002", "10000356", "10137319"
HEADER = ["Pārdevējs", "Pircējs", "Statuss", "Parakstīšanas datums"]


def _ee_leads(env: SyncEnv) -> dict[str, str]:
    """Two firms of the Estonian chamber: an Estonian seller and its Azerbaijani buyer."""
    meri = env.store_lead(
        "webhook:ee",
        partner="ee",
        company_name="Meri OÜ",
        country="EE",
        registration_code=EE1,
        sector="ict",
    )
    baku = env.store_lead(
        "webhook:ee", partner="ee", company_name="Xazar MMC", country="AZ", sector="ict"
    )
    return {"meri": meri.id, "baku": baku.id}


def test_a_partner_s_agreements_tab_cannot_name_another_partner_s_firms(env: SyncEnv) -> None:
    ee = _ee_leads(env)
    env.sheet(
        "lv",
        [LV_LEADS_HEADER, ["SIA Alfa", "LV", LV1, "IKT"], ["Beta MMC", "AZ", "", "IKT"]],
        [
            HEADER,
            [EE1, "Xazar MMC", "Parakstīts", "12.03.2025"],  # EE's firms by code and name
            [ee["meri"], ee["baku"], "Parakstīts", "12.03.2025"],  # and by CRM ID
            ["SIA Alfa", "Beta MMC", "Parakstīts", "12.03.2025"],  # its own: fine
        ],
    )
    assert env.sync("lv").ok
    with env.store.session() as s:
        agreements = s.scalars(select(Agreement)).all()
        own = {lead.data["company_name"]: lead.id for lead in s.scalars(select(Lead))}
        held = s.scalars(select(QuarantineEntry).where(QuarantineEntry.kind == "agreement")).all()
    assert [(a.seller_id, a.buyer_id) for a in agreements] == [(own["SIA Alfa"], own["Beta MMC"])]
    assert sorted(e.row_number for e in held) == [2, 3]
    status = env.values("lv", "Agreements")
    col = status[0].index("Sinhronizācijas statuss")
    assert status[1][col] != "OK" and status[2][col] != "OK" and status[3][col] == "OK"
    # nothing of EE's leaked into the LV sheet: the row keeps what staff typed
    assert status[1][:2] == [int(EE1), "Xazar MMC"] or status[1][:2] == [EE1, "Xazar MMC"]


def test_an_agreement_keeps_a_party_of_another_partner_it_names_already(env: SyncEnv) -> None:
    ee = _ee_leads(env)
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", LV1, "IKT"]], [HEADER])
    assert env.sync("lv").ok
    alfa = next(iter(records_of(env, "lv")))
    with env.store.session() as s:  # recorded by staff: LV's seller, EE's buyer
        agreement = records.create_agreement(
            s,
            {
                "reporting_partner": "lv",
                "seller_id": alfa,
                "buyer_id": ee["baku"],
                "status": "negotiating",
            },
            source="api",
        )
    assert env.sync("lv").ok
    row = env.records("lv", "Agreements")[agreement.id]
    assert row["Sinhronizācijas statuss"] == "OK"
    env.write("lv", "Agreements", "C2", [["Parakstīts", "12.03.2025"]])
    assert env.sync("lv").ok
    with env.store.session() as s:
        signed = s.get(Agreement, agreement.id)
        assert (signed.status, signed.buyer_id) == ("signed", ee["baku"])


def records_of(env: SyncEnv, partner: str) -> list[str]:
    with env.store.session() as s:
        return list(s.scalars(select(Lead.id).where(Lead.partner == partner).order_by(Lead.id)))


def test_a_renamed_party_shows_its_new_name_in_the_agreements_tab(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [LV_LEADS_HEADER, ["SIA Alfa", "LV", LV1, "IKT"], ["Beta MMC", "AZ", "", "IKT"]],
        [HEADER, ["SIA Alfa", "Beta MMC", "Parakstīts", "12.03.2025"]],
    )
    assert env.sync("lv").ok
    ids = {name: rid for rid, (name, _) in _names(env).items()}
    env.write("lv", "Leads", "A2", [["SIA Alfa Group"]])  # staff rename the seller
    report = env.sync("lv")
    assert report.ok, [t.error for t in report.tabs]
    rows = env.values("lv", "Agreements")
    assert rows[1][:2] == ["SIA Alfa Group", "Beta MMC"]
    assert rows[1][rows[0].index("Sinhronizācijas statuss")] == "OK"
    with env.store.session() as s:
        agreement = s.scalars(select(Agreement)).one()
        assert (agreement.seller_id, agreement.buyer_id) == (ids["SIA Alfa"], ids["Beta MMC"])
        assert not s.scalars(select(QuarantineEntry)).all()
    assert env.sync("lv").cells_written == 0


def _names(env: SyncEnv) -> dict[str, tuple[str, str]]:
    with env.store.session() as s:
        return {
            lead.id: (lead.data["company_name"], lead.partner) for lead in s.scalars(select(Lead))
        }
