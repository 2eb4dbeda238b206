"""Interrupted syncs converge: faults injected in the emulator at every step of a
sync (read, metadata, the tab's one write) leave nothing lost and nothing
duplicated once a later sync runs. Two syncs of one spreadsheet never overlap."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from concurrently import run_concurrently
from fast_retry import fast_policy
from seeding import stored_lead
from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv
from waiting import wait_until

from integration.store import records
from integration.store.models import Lead, SyncRun

STEPS = ("values.batchGet", "spreadsheets.get", "spreadsheets.batchUpdate")
FAULTS = {
    "429 storm": {"status": 429, "message": "Quota exceeded for quota metric 'Read requests'"},
    "500s": {"status": 500},
    "timeout": {"delay": 0.6},
    "dropped connection": {"drop": True},
}

#: A write whose answer is lost: the emulator holds the request back for
#: ``LOST_ANSWER_DELAY`` seconds, then applies it, while the client gave up after
#: ``SLOW_CLIENT_TIMEOUT``. The timeout is long enough for the undelayed calls of a
#: loaded machine, the delay twice as long, so the answer is surely lost.
SLOW_CLIENT_TIMEOUT = 1.5
LOST_ANSWER_DELAY = 3.0


def _wait_for_cell(env: SyncEnv, column: int, expected: Any) -> None:
    """Wait for the held-back write to land in the first data row: the cell at
    ``column`` equals ``expected`` (or satisfies it, when it is a function)."""

    def landed() -> bool:
        row = env.values("lv")[1]
        value = row[column] if column < len(row) else ""
        return expected(value) if callable(expected) else value == expected

    wait_until(landed, 30, every=0.05, what="the delayed write landing")


def _lose_next_write_answer(env: SyncEnv) -> Any:
    """Hold back the next cell write (applied later, its answer lost); returns a
    client that gives up on it."""
    env.emulator.inject_fault(endpoint="spreadsheets.batchUpdate", delay=LOST_ANSWER_DELAY, times=1)
    return env.emulator.client(timeout=SLOW_CLIENT_TIMEOUT)


def _prepare(env: SyncEnv) -> str:
    """A sheet with a synced row edited since, two new rows, and a store-side lead
    waiting to be appended: every kind of write a sync does."""
    env.sheet(
        "lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", "", "IKT", "Anna", "a@alfa.lv", "", "", ""]]
    )
    assert env.sync("lv", tab="leads").ok
    alfa = env.values("lv")[1][9]
    env.write("lv", "Leads", "E2", [["Anna B."]])
    env.write(
        "lv",
        "Leads",
        "A3",
        [
            ["SIA Beta", "LV", "", "IKT", "", "b@beta.lv", "", "", ""],
            ["SIA Gamma", "LV", "", "IKT", "", "", "", "", ""],  # no natural key at all
        ],
    )
    with env.store.session() as s:
        stored_lead(
            s,
            {
                "partner": "lv",
                "company_name": "Web Form SIA",
                "country": "LV",
                "sector": "ict",
                "email": "web@form.lv",
            },
            source="webhook:lv",
        )
    # a grid exactly as big as the data: the appended row needs a structural call
    sid = env.config.partners["lv"].spreadsheet_id
    env.gc.open_by_key(sid).worksheet("Leads").resize(rows=4, cols=12)
    return alfa


def _assert_converged(env: SyncEnv, alfa: str) -> None:
    rows = env.records("lv")
    names = sorted(v["Uzņēmums"] for v in rows.values())
    assert names == ["SIA Alfa", "SIA Beta", "SIA Gamma", "Web Form SIA"], rows
    assert all(k.startswith("L-") for k in rows), rows
    with env.store.session() as s:
        leads = {lead.data["company_name"]: lead for lead in s.scalars(select(Lead))}
    assert sorted(leads) == names  # nothing duplicated, nothing lost
    assert {lead.id for lead in leads.values()} == set(rows)
    assert leads["SIA Alfa"].id == alfa and leads["SIA Alfa"].data["contact_name"] == "Anna B."
    again = env.sync("lv", tab="leads").tabs[0]
    assert again.outcome == "completed" and again.cells_written == 0, again.counts


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("step", STEPS)
def test_interrupted_sync_converges(sqlite_env: SyncEnv, step: str, fault: str) -> None:
    env = sqlite_env
    alfa = _prepare(env)
    gc = env.emulator.client(timeout=0.3)
    env.emulator.inject_fault(endpoint=step, times=10, **FAULTS[fault])
    policy = fast_policy(max_attempts=3)
    first = env.sync("lv", tab="leads", client=gc, retry=policy)
    env.emulator.clear_faults()
    tab = first.tabs[0]
    assert tab.outcome == "failed", tab
    assert tab.error and "\n" not in tab.error
    with env.store.session() as s:
        run = s.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()
    assert run.outcome == "failed" and run.error == tab.error
    env.synced_tab("lv")
    _assert_converged(env, alfa)


@pytest.mark.parametrize("fault", ["429 storm", "500s"])
def test_short_fault_bursts_are_retried_within_one_sync(env: SyncEnv, fault: str) -> None:
    alfa = _prepare(env)
    for step in ("values.batchGet", "spreadsheets.batchUpdate"):
        env.emulator.inject_fault(endpoint=step, times=2, **FAULTS[fault])
    assert env.synced_tab("lv").api_calls >= 6  # the retries are counted
    _assert_converged(env, alfa)


def test_two_syncs_of_one_spreadsheet_do_not_overlap(env: SyncEnv) -> None:
    body = [
        [f"SIA Firma {i}", "LV", "", "IKT", "", f"f{i}@firma.lv", "", "", ""] for i in range(30)
    ]
    env.sheet("lv", [LV_LEADS_HEADER, *body])
    # slow the read down so that both syncs are in flight at once
    env.emulator.inject_fault(endpoint="values.batchGet", delay=0.5, times=1)
    results: list[Any] = []
    barrier = threading.Barrier(2)

    def run(_: int) -> None:
        barrier.wait()
        results.append(env.sync("lv", tab="leads", client=env.emulator.client(timeout=5)))

    assert run_concurrently(run, range(2), timeout=30) == []
    outcomes = sorted(r.outcome for r in results)
    assert outcomes == ["busy", "completed"], outcomes
    busy = next(r for r in results if r.outcome == "busy")
    assert "another sync" in busy.tabs[0].error
    assert env.count(Lead) == 30
    # waiting for the lease instead: both complete, still no duplicates
    env.emulator.inject_fault(endpoint="values.batchGet", delay=0.3, times=1)
    results.clear()
    barrier.reset()

    def run_waiting(_: int) -> None:
        barrier.wait()
        results.append(
            env.sync("lv", tab="leads", client=env.emulator.client(timeout=5), wait_for_lease=20)
        )

    assert run_concurrently(run_waiting, range(2), timeout=60) == []
    assert [r.outcome for r in results] == ["completed", "completed"]
    assert env.count(Lead) == 30


def test_write_applied_but_answer_lost_reuses_the_written_ids(sqlite_env: SyncEnv) -> None:
    """The cell write reaches the sheet but the answer never arrives (timeout): the
    store was not committed, yet the sheet holds the new ids. The next sync creates
    the records under exactly those ids instead of issuing new ones."""
    env = sqlite_env
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Solo", "LV", "", "IKT", "", "", "", "", ""]])
    gc = _lose_next_write_answer(env)
    first = env.sync("lv", tab="leads", client=gc, retry=fast_policy(max_attempts=1))
    assert first.tabs[0].outcome == "failed"
    # the one held-back write is the only request left; once its ids show, it is done
    _wait_for_cell(env, 9, lambda value: value.startswith("L-"))
    written = env.values("lv")[1][9]
    assert written.startswith("L-") and env.count(Lead) == 0
    assert env.sync("lv", tab="leads").ok
    with env.store.session() as s:
        lead = s.scalars(select(Lead)).one()
    assert lead.id == written and lead.data["company_name"] == "SIA Solo"
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


def _intrude(env: SyncEnv, name: str, intruded: list[bool]) -> None:
    """Another holder waits for the sync to take lease ``name``, for it to run
    out, and takes it (``intruded`` says whether it could)."""
    from integration.store import leases

    def holder() -> str | None:
        return leases.current_holder(env.store, name)

    wait_until(holder, 30, every=0.05, what="the sync taking the lease")
    wait_until(lambda: holder() is None, 30, every=0.05, what="the lease expiring")
    intruded.append(leases.acquire(env.store, name, "intruder", 60))


def test_a_sync_that_lost_its_lease_writes_nothing(env: SyncEnv) -> None:
    """The sync's read hangs past its lease; another holder takes the expired
    lease meanwhile. The sync must notice before writing and write nothing."""
    import dataclasses

    from integration.store import leases

    env.config = dataclasses.replace(
        env.config, sync=dataclasses.replace(env.config.sync, lease_seconds=0.5)
    )
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", "", "IKT", "", "a@alfa.lv", "", "", ""]])
    before = env.values("lv")
    # the read hangs long enough for the intruder to see the lease expire and take it
    env.emulator.inject_fault(endpoint="values.batchGet", delay=5.0, times=1)
    name = leases.spreadsheet_lease_name(env.config.partners["lv"].spreadsheet_id)
    intruded: list[bool] = []

    thread = threading.Thread(target=_intrude, args=(env, name, intruded))
    thread.start()
    report = env.sync("lv", tab="leads", client=env.emulator.client(timeout=30))
    thread.join()
    assert intruded == [True]
    assert report.tabs[0].outcome == "failed" and "lease" in report.tabs[0].error
    assert env.values("lv") == before and env.count(Lead) == 0
    assert leases.current_holder(env.store, name) == "intruder"  # not released by the loser


def _crm_edit(env: SyncEnv, lead_id: str, **changes: Any) -> None:
    with env.store.session() as s:
        records.update_record(s, s.get(Lead, lead_id), changes, source="api")


@pytest.mark.parametrize("landed", [True, False], ids=["write landed", "write failed"])
def test_crm_edit_written_but_not_committed_then_edited_again(env: SyncEnv, landed: bool) -> None:
    """A sync writes a CRM edit into an existing row, but its store commit never
    happens (the write's answer is lost, or the write fails). A newer CRM edit of
    the same field made before the next sync is kept, without a conflict; a write
    that never landed does not count as one that did."""
    from integration.store.models import Conflict, SyncShadow

    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", "", "IKT", "Anna", "a@alfa.lv"]])
    assert env.sync("lv", tab="leads").ok
    lead_id = env.values("lv")[1][9]
    _crm_edit(env, lead_id, contact_name="first CRM edit")
    if landed:  # the write reaches the sheet, the answer never comes back
        gc = _lose_next_write_answer(env)
    else:
        env.emulator.inject_fault(endpoint="spreadsheets.batchUpdate", status=500, times=5)
        gc = env.emulator.client()
    first = env.sync("lv", tab="leads", client=gc, retry=fast_policy(max_attempts=1))
    assert first.tabs[0].outcome == "failed"
    if landed:  # the one held-back write was the sync's last request: wait for it
        _wait_for_cell(env, 4, "first CRM edit")
    env.emulator.clear_faults()
    assert (env.values("lv")[1][4] == "first CRM edit") is landed
    with env.store.session() as s:
        shadow = s.get(SyncShadow, ("lv", "leads", lead_id))
        assert shadow.pending_base["contact_name"] == "first CRM edit"
        assert shadow.base["contact_name"] == "Anna"  # the base did not move
        assert (env.values("lv")[1][11] == shadow.pending_base_stamp) is landed

    if landed:
        _crm_edit(env, lead_id, contact_name="second CRM edit")
    expected = "second CRM edit" if landed else "first CRM edit"
    second = env.sync("lv", tab="leads").tabs[0]
    assert second.ok and second.counts["conflicts"] == 0, second.counts
    assert env.values("lv")[1][4] == expected
    assert env.count(Conflict) == 0
    with env.store.session() as s:
        assert s.get(Lead, lead_id).data["contact_name"] == expected
        shadow = s.get(SyncShadow, ("lv", "leads", lead_id))
        assert shadow.base["contact_name"] == expected
        assert shadow.pending_base is None and shadow.pending_base_stamp is None
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


def test_landed_crm_write_survives_a_later_sync_that_fails_too(env: SyncEnv) -> None:
    """A sync's CRM edit lands in the row but its commit never happens; the next
    sync plans a newer CRM edit over it (a new pending base, a new stamp) and fails
    as well, its write never landing. The row still says the first write landed, so
    the third sync must keep the newer CRM edit without a conflict: the second sync
    made the landed pending base the base before replacing it."""
    from integration.store.models import Conflict, SyncShadow

    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", "", "IKT", "Anna", "a@alfa.lv"]])
    assert env.sync("lv", tab="leads").ok
    lead_id = env.values("lv")[1][9]
    _crm_edit(env, lead_id, contact_name="first CRM edit")
    gc = _lose_next_write_answer(env)
    first = env.sync("lv", tab="leads", client=gc, retry=fast_policy(max_attempts=1))
    assert first.tabs[0].outcome == "failed"
    _wait_for_cell(env, 4, "first CRM edit")
    env.emulator.clear_faults()
    landed_stamp = env.values("lv")[1][11]

    _crm_edit(env, lead_id, contact_name="second CRM edit")
    env.emulator.inject_fault(endpoint="spreadsheets.batchUpdate", status=500, times=5)
    second = env.sync("lv", tab="leads", client=gc, retry=fast_policy(max_attempts=1))
    assert second.tabs[0].outcome == "failed"
    env.emulator.clear_faults()
    assert env.values("lv")[1][4] == "first CRM edit"
    assert env.values("lv")[1][11] == landed_stamp  # the row still shows the first write
    with env.store.session() as s:
        shadow = s.get(SyncShadow, ("lv", "leads", lead_id))
        assert shadow.base["contact_name"] == "first CRM edit"
        assert shadow.pending_base["contact_name"] == "second CRM edit"
        assert shadow.pending_base_stamp != landed_stamp

    third = env.sync("lv", tab="leads").tabs[0]
    assert third.ok and third.counts["conflicts"] == 0, third.counts
    assert env.values("lv")[1][4] == "second CRM edit"
    assert env.count(Conflict) == 0
    with env.store.session() as s:
        assert s.get(Lead, lead_id).data["contact_name"] == "second CRM edit"
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


def _store_wins(env: SyncEnv) -> None:
    import dataclasses

    pc = dataclasses.replace(env.config.partners["lv"], conflict_policy="store_wins")
    env.config = dataclasses.replace(env.config, partners={**env.config.partners, "lv": pc})


@pytest.mark.parametrize("landed", [True, False], ids=["write landed", "write failed"])
def test_conflict_the_store_wins_is_logged_though_the_commit_never_happens(
    env: SyncEnv, landed: bool
) -> None:
    """The partner and the CRM change one field; the store wins, so the sync writes
    the CRM's value over the partner's cell. The write lands but its answer is lost
    (or it never lands), so the sync never commits. The partner's value must still
    be in the conflict log, with both values, exactly once."""
    from integration.store.models import Conflict

    _store_wins(env)
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", "", "IKT", "Anna", "a@alfa.lv"]])
    assert env.sync("lv", tab="leads").ok
    lead_id = env.values("lv")[1][9]
    env.write("lv", "Leads", "E2", [["partner's Anna"]])
    _crm_edit(env, lead_id, contact_name="CRM's Anna")
    if landed:  # applied, then every answer is a 503
        env.emulator.inject_fault(
            endpoint="spreadsheets.batchUpdate", status=503, after=True, times=9
        )
    else:
        env.emulator.inject_fault(endpoint="spreadsheets.batchUpdate", status=503, times=9)
    first = env.sync("lv", tab="leads", retry=fast_policy(max_attempts=2)).tabs[0]
    env.emulator.clear_faults()
    assert first.outcome == "failed"
    assert (env.values("lv")[1][4] == "CRM's Anna") is landed
    for _ in range(2):  # the next sync settles it; the one after changes nothing
        assert env.sync("lv", tab="leads").ok
    assert env.values("lv")[1][4] == "CRM's Anna"
    with env.store.session() as s:
        assert s.get(Lead, lead_id).data["contact_name"] == "CRM's Anna"
        logged = [
            (c.field, c.sheet_value, c.store_value, c.winner) for c in s.scalars(select(Conflict))
        ]
    assert logged == [("contact_name", "partner's Anna", "CRM's Anna", "store")]


def test_appended_row_deleted_before_the_commit_stays_deleted(env: SyncEnv) -> None:
    """A sync appends a CRM lead; the write lands but its answer is lost, so the
    sync never commits. The partner deletes the appended row. The next sync must
    archive the lead, not append it again: the deletion is the partner's word."""
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", "", "IKT", "Anna", "a@alfa.lv"]])
    assert env.sync("lv", tab="leads").ok
    with env.store.session() as s:
        web = stored_lead(
            s,
            {"partner": "lv", "company_name": "Web SIA", "country": "LV", "sector": "ict"},
            source="webhook:lv",
        ).id
    env.emulator.inject_fault(endpoint="spreadsheets.batchUpdate", status=500, after=True, times=9)
    # no retry: a retry would find the appended row landed and the sync would commit
    first = env.sync("lv", tab="leads", retry=fast_policy(max_attempts=1)).tabs[0]
    env.emulator.clear_faults()
    assert first.outcome == "failed"
    rows = env.values("lv")
    assert [r[0] for r in rows[1:]] == ["SIA Alfa", "Web SIA"]  # the append landed
    sid = env.config.partners["lv"].spreadsheet_id
    env.gc.open_by_key(sid).worksheet("Leads").delete_rows(3)
    second = env.sync("lv", tab="leads").tabs[0]
    assert second.ok and second.counts["archived"] == 1, second.counts
    assert [r[0] for r in env.values("lv")[1:]] == ["SIA Alfa"]
    with env.store.session() as s:
        assert s.get(Lead, web).archived_at is not None
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


def test_a_sync_whose_re_read_outlives_its_lease_writes_nothing(env: SyncEnv) -> None:
    """The re-read just before the write hangs past the lease and another holder
    takes it meanwhile: the sync renews its lease again before the write, and
    writes nothing over the holder's tab."""
    import dataclasses

    from integration.store import leases

    env.config = dataclasses.replace(
        env.config, sync=dataclasses.replace(env.config.sync, lease_seconds=0.5)
    )
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", "", "IKT", "", "a@alfa.lv", "", "", ""]])
    before = env.values("lv")
    name = leases.spreadsheet_lease_name(env.config.partners["lv"].spreadsheet_id)
    intruded: list[bool] = []

    def slow_re_read(tab: str, step: str) -> None:
        if step.startswith("writing"):
            # the plan is made; the next values.batchGet is the re-read before the write
            env.emulator.inject_fault(endpoint="values.batchGet", delay=5.0, times=1)

    thread = threading.Thread(target=_intrude, args=(env, name, intruded))
    thread.start()
    report = env.sync(
        "lv", tab="leads", client=env.emulator.client(timeout=30), progress=slow_re_read
    )
    thread.join()
    assert intruded == [True]
    assert report.tabs[0].outcome == "failed" and "lease" in report.tabs[0].error
    assert env.values("lv") == before and env.count(Lead) == 0
