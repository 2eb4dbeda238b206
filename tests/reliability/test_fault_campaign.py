"""The CI-sized fault campaign: 50 seeded scenarios (see fault_scenarios.py).

Each scenario: partners edit every kind of field of leads and agreements (text,
e-mail, phone, URL, enums as local labels, dates in local form, amounts as
numbers or in local format), insert, sort and delete rows through gspread while
signed webhooks and API calls (leads and agreements) arrive; syncs run under
injected 429 storms, 500/503s, responses slower than the client timeout and
dropped connections, before the request or after a write was applied; each
partner's conflict policy is sheet_wins, store_wins or newest_wins; one sync in
about half the scenarios runs in its own process and is SIGKILLed between its
sheet write and its store commit, on PostgreSQL or (every fourth seed) SQLite;
in about a fifth, a sync with a lead to append is held past its lease while a
second sync plans the same append.
After one clean sync every record exists once in the store and once in its
sheet with every accepted edit, every conflict both sides caused is logged with
both values and no other, no deleted row is back, and a second sync writes nothing.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from emulator_fixtures import EmulatorHandle, run_emulator
from fault_scenarios import (
    TABS,
    Campaign,
    Outcome,
    Scenario,
    read_cell,
    run_campaign,
    temporary_sqlite_database,
)
from sqlalchemy import select

from integration.store import leases
from integration.store.models import Conflict, Lead

SCENARIOS = 50
CHUNK = 10


@pytest.fixture(scope="module")
def campaign_emulator() -> Iterator[EmulatorHandle]:
    """An emulator of this module's own (scenarios reset it freely)."""
    with run_emulator(quiet=True) as handle:
        yield handle


@pytest.fixture(scope="module")
def campaign_sqlite() -> Iterator[str]:
    """A SQLite store of this module's own, for every fourth seed."""
    with temporary_sqlite_database() as url:
        yield url


@pytest.fixture(scope="module")
def totals() -> Iterator[Outcome]:
    total = Outcome()
    yield total
    print(
        f"\nfault campaign: {total.scenarios} scenarios, {total.faults} faults fired "
        f"({total.faults_after} after the write was applied), "
        f"{total.kills} SIGKILLs ({total.kills_mid_write} after the sheet write, "
        f"{total.kills_mid_write_sqlite} of them on SQLite), {total.overlaps} overlapping "
        f"syncs, {total.mass_clears} lists cleared by mistake, "
        f"{total.header_deletions} header rows deleted, "
        f"{total.records_checked} records, {total.edits_checked} edits and "
        f"{total.conflicts_checked} conflicts checked; lost {total.lost}, "
        f"duplicated {total.duplicated}, edits missing {total.edits_missing}, "
        f"conflicts missing {total.conflicts_missing}, spurious {total.conflicts_spurious}, "
        f"deleted rows back {total.resurrected}"
    )


@pytest.mark.parametrize("first", range(0, SCENARIOS, CHUNK))
def test_nothing_lost_or_duplicated_under_faults(
    first: int,
    campaign_emulator: EmulatorHandle,
    pg_migrated_url: str,
    campaign_sqlite: str,
    totals: Outcome,
) -> None:
    outcome = run_campaign(
        campaign_emulator,
        pg_migrated_url,
        range(first, first + CHUNK),
        steps=3,
        kill_share=0.4,
        sqlite_url=campaign_sqlite,
    )
    totals.add(outcome)
    assert outcome.scenarios == CHUNK
    assert outcome.problems == [], "\n".join(outcome.problems)
    assert outcome.ok
    # the campaign really exercised what it claims
    assert outcome.faults >= CHUNK and outcome.records_checked >= 3 * CHUNK
    assert outcome.edits_checked > outcome.records_checked


def test_campaign_killed_syncs_mid_write(totals: Outcome) -> None:
    """Across the run, SIGKILLs landed after the sheet write and before the commit."""
    if totals.scenarios < SCENARIOS:
        pytest.skip("runs after the whole campaign")
    assert totals.kills_mid_write >= 5, totals
    assert totals.kills_mid_write_sqlite >= 1, totals
    assert totals.failed_syncs >= 10, totals
    assert totals.faults_after >= 10, totals  # writes that landed with their answer lost
    assert totals.conflicts_checked >= 1, totals
    assert totals.outlived >= 3, totals  # syncs held past their lease with a lead to append


@contextlib.contextmanager
def lv_scenario(
    emulator: EmulatorHandle, database_url: str, seed: int, *, policy: str | None = None
) -> Iterator[tuple[Campaign, Scenario]]:
    """A scenario of LV alone, set up and then driven step by step by the test
    (no random steps, no kills but the test's own); the campaign closes afterwards."""
    campaign = Campaign(emulator, database_url)
    try:
        sc = Scenario(campaign, seed, steps=0, kill_share=0)
        sc.partners = ["lv"]
        if policy is not None:
            sc.policy = {"lv": policy}
        sc.setup()
        yield campaign, sc
    finally:
        campaign.close()


def test_store_edit_after_interrupted_append_is_kept(
    campaign_emulator: EmulatorHandle, pg_migrated_url: str
) -> None:
    """An API lead is appended to the sheet by a sync SIGKILLed before its commit;
    the API then edits the lead; the next sync must keep that edit."""
    with lv_scenario(campaign_emulator, pg_migrated_url, 1000) as (campaign, sc):
        sc.act_api_create("lv")
        sc.rng.random = lambda: 1.0  # no concurrent calls during the killed sync
        sc.act_killed_sync("lv")
        assert sc.out.kills_mid_write == 1
        name = next(r.name for r in sc.recs.values() if r.name.startswith("Api"))
        assert any(row[0] == name for row in sc.sheet_rows("lv"))  # appended, not committed
        with campaign.store.session() as s:
            lead_id = s.scalars(select(Lead.id).where(Lead.company_name == name)).one()
        resp = campaign.http.patch(
            f"/api/v1/leads/{lead_id}",
            json={"notes": "changed through the API"},
            headers={"Authorization": f"Bearer {sc.token}"},
        )
        assert resp.status_code == 200
        assert sc.sync("lv", final=True) == "completed"
        with campaign.store.session() as s:
            assert s.get(Lead, lead_id).data.get("notes") == "changed through the API"


def test_store_edit_after_interrupted_update_is_kept(
    campaign_emulator: EmulatorHandle, pg_migrated_url: str
) -> None:
    """An API edit is written into the sheet by a sync SIGKILLed before its commit;
    the API then edits the same field again; the next sync must keep the newer edit."""
    with lv_scenario(campaign_emulator, pg_migrated_url, 1001) as (campaign, sc):
        name = next(iter(sc.recs))
        with campaign.store.session() as s:
            lead_id = s.scalars(select(Lead.id).where(Lead.company_name == name)).one()
        auth = {"Authorization": f"Bearer {sc.token}"}

        def patch(value: str) -> None:
            resp = campaign.http.patch(
                f"/api/v1/leads/{lead_id}", json={"contact_name": value}, headers=auth
            )
            assert resp.status_code == 200

        patch("first API edit")
        sc.rng.random = lambda: 1.0  # no concurrent calls during the killed sync
        sc.act_killed_sync("lv")
        assert sc.out.kills_mid_write == 1
        assert any(row[3] == "first API edit" for row in sc.sheet_rows("lv"))  # written
        patch("second API edit")
        assert sc.sync("lv", final=True) == "completed"
        with campaign.store.session() as s:
            assert s.get(Lead, lead_id).data.get("contact_name") == "second API edit"


def test_conflict_delivered_by_uncommitted_write_then_newer_store_edit(
    campaign_emulator: EmulatorHandle, pg_migrated_url: str
) -> None:
    """Both sides change one field (store_wins); a sync writes the store's value
    over the partner's, its answer lost, no commit; the API edits the field again
    and a sync fails before its write. The conflict the write decided is logged
    with the values it saw (before the write), the newer API edit wins the next
    sync as a one-sided edit, and the campaign's oracle expects exactly that."""
    with lv_scenario(campaign_emulator, pg_migrated_url, 1002, policy="store_wins") as (
        campaign,
        sc,
    ):
        name, fname = next(r.name for r in sc.recs.values() if r.kind == "lead"), "email"
        assert sc.act_api_edit("lv", "lead", name, fname) == (name, fname)
        first = sc.store_edits["lv"][(name, fname)]
        sc.type_edit("lv", name, fname, *sc.rows_by_name("lv", "lead")[name], first)
        typed = sc.sheet_edits["lv"][(name, fname)]
        sc.write_fails("lv", after=True)  # the store's value lands over the partner's
        cell = sc.rows_by_name("lv", "lead")[name][1][TABS["lead"].col[fname]]
        assert read_cell("lv", fname, cell) == first  # the partner now sees the store's
        assert sc.act_api_edit("lv", "lead", name, fname) == (name, fname)
        second = sc.store_edits["lv"][(name, fname)]
        sc.write_fails("lv", after=False)
        assert sc.sync("lv", final=True) == "completed"
        with campaign.store.session() as s:
            logged = {
                (c.field, c.sheet_value, c.store_value, c.winner)
                for c in s.scalars(select(Conflict))
            }
            lead = s.scalars(select(Lead).where(Lead.company_name == name)).one()
            assert lead.data.get(fname) == second
        assert logged == {(fname, typed, first, "store")}
        sc.check()
        assert sc.out.problems == []
        assert sc.out.conflicts_checked == 1


@pytest.mark.parametrize("renewal", ["real", "always succeeds"])
def test_sync_that_outlived_its_lease_writes_nothing(
    renewal: str,
    campaign_emulator: EmulatorHandle,
    pg_migrated_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A sync held past its lease, with only a new lead to append, while a second
    sync appends it and completes: the real engine's held sync writes nothing and
    the oracle is content; with a lease renewal that always succeeds it appends
    the lead a second time, and the oracle sees the duplicate."""
    if renewal != "real":
        monkeypatch.setattr(leases, "renew", lambda *a, **k: True)
    with lv_scenario(campaign_emulator, pg_migrated_url, 1010) as (_campaign, sc):
        sc.act_outlived_lease("lv")
        assert sc.out.outlived == 1
        held = "failed" if renewal == "real" else "completed"
        assert sc.trace[-1] == f"outlived:lv={held}"
        sc.sync("lv", final=True)
        sc.check()
        if renewal == "real":
            assert sc.out.problems == []
        else:
            assert sc.out.duplicated >= 1, sc.out.problems
