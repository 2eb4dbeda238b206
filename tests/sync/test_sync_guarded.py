"""A sheet edit of an existing row is held to the store's guard like every other
write: an erased person's e-mail typed into another row of the partner's sheet
is not synced into the store, the row says why, and quarantine keeps nothing of
the person."""

from __future__ import annotations

from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.store import records
from integration.store.models import Lead, QuarantineEntry


def test_an_erased_email_typed_into_another_row_is_not_synced(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            ["SIA Alfa", "LV", "", "IKT", "Anna", "anna@alfa.lv", "", "", ""],
            ["SIA Beta", "LV", "", "IKT", "Kārlis", "karlis@beta.lv", "", "", ""],
        ],
    )
    env.synced_tab("lv")
    alfa, beta = (row[9] for row in env.values("lv")[1:3])
    with env.store.session() as s:
        records.erase_lead(s, s.get(Lead, alfa), source="api", scope="lv")
    env.synced_tab("lv")  # the erasure reaches the sheet
    env.write("lv", "Leads", "F3", [["Anna@Alfa.lv"]])
    env.synced_tab("lv")
    assert env.leads()[beta].data["email"] == "karlis@beta.lv"
    status = env.values("lv")[2][10]
    assert status.startswith("Personas dati dzēsti"), status
    with env.store.session() as s:
        for entry in s.scalars(select(QuarantineEntry)):
            assert "alfa.lv" not in str(entry.raw).lower(), entry.raw
