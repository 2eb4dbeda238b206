"""The issue's case end to end: the same firm typed twice in a Finnish tab, in
other case, same country, phone and contact, no readable registration code.
One lead; the second row names it; agreements naming the firm find that lead."""

from __future__ import annotations

from sqlalchemy import select
from sync_env import SyncEnv

from integration.store.models import Agreement, Lead, QuarantineEntry
from integration.sync import messages

FI_LEADS_HEADER = [
    "Yritys",
    "Maa",
    "Y-tunnus",
    "Toimiala",
    "Yhteyshenkilö",
    "Sähköposti",
    "Puhelin",
]
FI_AGREEMENTS_HEADER = ["Myyjä", "Ostaja", "Tila", "Allekirjoitettu", "Arvo"]


def test_one_firm_typed_twice_by_name_is_one_lead_and_agreements_find_it(env: SyncEnv) -> None:
    env.sheet(
        "fi",
        [
            FI_LEADS_HEADER,
            ["Sisustus Oy", "FI", "", "ICT", "Matti Mäkelä", "", "+358401234567"],
            ["SISUSTUS OY", "FI", "", "ICT", "Matti Mäkelä", "", "+358401234567"],
            ["SIA Baltic Soft", "LV", "40003521600", "ICT", "", "", ""],
            # one name, another registration code than the firm above: another firm
            ["Baltic Soft", "LV", "40001819093", "ICT", "", "", ""],
        ],
        [
            FI_AGREEMENTS_HEADER,
            ["Sisustus Oy", "40003521600", "Allekirjoitettu", "2025-03-12", 1000],
            ["sisustus", "40001819093", "Allekirjoitettu", "2025-03-12", 2000],
        ],
    )
    tab = env.synced_tab("fi")
    assert tab.counts["created"] == 3 and tab.counts["duplicates"] == 1
    with env.store.session() as s:
        sisustus = s.scalars(select(Lead).where(Lead.company_key == "sisustus")).one()
        baltic = s.scalars(select(Lead).where(Lead.company_key == "balticsoft")).all()
        entry = s.scalars(select(QuarantineEntry)).one()
    assert len(baltic) == 2
    assert entry.duplicate_of == sisustus.id and entry.row_number == 3
    rows = env.values("fi")
    id_col = rows[0].index("CRM ID")
    status_col = id_col + 1  # the service columns: CRM ID, status, last synced
    assert rows[1][id_col] == sisustus.id
    assert rows[2][id_col] == ""  # the duplicate gets no id of its own
    assert rows[2][status_col] == messages.text("duplicate", "fi", id=sisustus.id, partner="FI")

    agreements = env.sync("fi", tab="agreements")
    assert agreements.ok and agreements.tabs[0].counts["created"] == 2, agreements.tabs[0].error
    with env.store.session() as s:
        sellers = {a.seller_id for a in s.scalars(select(Agreement))}
    assert sellers == {sisustus.id}
    assert env.sync("fi").tabs[0].cells_written == 0
