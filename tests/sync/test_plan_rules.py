"""The sync plan's rules, one table each, calling :func:`plan_tab` directly: no
emulator, no database. A case is one line of data; the builders below turn firm
numbers into sheet rows, store records and bases.

Firm ``n`` is "Firm n", Latvian, ICT, ``fn@x.lv``, CRM ID ``L-00000n``; a keyword
changes one of its fields (``notes="x"``), ``id=None`` leaves its CRM ID cell empty.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from integration.identity import firm_keys, key_hash
from integration.ownership import in_scope
from integration.sync.apply import bind_ids
from integration.sync.counts import Counts
from integration.sync.plan import (
    Deferred,
    NewId,
    Plan,
    Settings,
    Shadow,
    StoreRecord,
    StoreState,
    fingerprint,
    plan_tab,
)
from integration.sync.sheet_rows import row_hash

NOW = datetime(2026, 1, 1, tzinfo=UTC)
HEADER = [
    "Company",
    "Country",
    "Registration code",
    "Sector",
    "E-mail",
    "Notes",
    "CRM ID",
    "Sync status",
    "Last synced",
]
COL = {name: i for i, name in enumerate(HEADER)}
OLD_STAMP = "2025-12-31T00:00:00Z"
REG = "40003521600"  # a valid Latvian registration code


# -- builders --------------------------------------------------------------------
def lid(n: int) -> str:
    return f"L-{n:06d}"


def firm(n: int, **fields: Any) -> dict[str, Any]:
    """Firm ``n`` as a stored lead's data (schema values)."""
    data = {
        "partner": "lv",
        "company_name": f"Firm {n}",
        "country": "LV",
        "sector": "ict",
        "email": f"f{n}@x.lv",
        **fields,
    }
    return {k: v for k, v in data.items() if v is not None}


def row(n: int, *, id: str | None = "", stamp: str = OLD_STAMP, **fields: Any) -> list[Any]:
    """Firm ``n``'s sheet row, as a partner types it; ``id=""``: its own CRM ID."""
    data = firm(n, **fields)
    return [
        data.get("company_name", ""),
        data.get("country", ""),
        data.get("registration_code", ""),
        {"ict": "ICT"}.get(data.get("sector", ""), data.get("sector", "")),
        data.get("email", ""),
        data.get("notes", ""),
        lid(n) if id == "" else (id or ""),
        "OK",
        stamp,
    ]


def rec(n: int, *, owner: str = "lv", version: int = 1, **kw: Any) -> StoreRecord:
    """Firm ``n`` in the store; ``archived``/``erased``/``updated_at`` pass through,
    other keywords change its data."""
    flags = {k: kw.pop(k) for k in ("archived", "erased", "updated_at") if k in kw}
    data = firm(n, partner=owner, **kw)
    return StoreRecord(lid(n), data, version, owner, flags.pop("updated_at", NOW), **flags)


def base(n: int, **fields: Any) -> Shadow:
    """The base of firm ``n``'s row as the last sync left it."""
    data = firm(n, **fields)
    data.pop("partner")
    return Shadow(data, "an older row", 1)


def state(
    records: list[StoreRecord] = (),  # type: ignore[assignment]
    shadows: dict[str, Shadow] | None = None,
    *,
    synced: bool = True,
    **kw: Any,
) -> StoreState:
    """Store state with ``records``; ``synced``: each has its plain base (overridden
    by ``shadows``); other keywords set :class:`StoreState` fields."""
    st = StoreState(kind="lead", partner="lv", tab="leads", **kw)
    for r in records:
        st.records[r.id] = r
        if synced:
            st.shadows[r.id] = base(int(r.id[2:]))
        st.add_lead(r.id, r.owner, firm_keys(r.data))
    st.shadows.update(shadows or {})
    return st


def plan(rows: list[list[Any]], st: StoreState, **settings: Any) -> Plan:
    s = Settings("lv", "leads", now=NOW, **settings)
    return plan_tab(s.read([HEADER, *rows]), st, s)


def cell(p: Plan, r: int, column: str) -> Any:
    """What the plan writes into sheet row ``r`` (2 = first data row)."""
    return p.cells.get((r, COL[column]), "(no write)")


def fp_key(*key: str) -> str:
    return fingerprint("lv", "leads", "key", *key)


# -- conflict policies -------------------------------------------------------------
@pytest.mark.parametrize(
    ("policy", "sheet_edit", "sheet", "store", "to_store", "to_sheet", "winner"),
    [
        ("sheet_wins", 0, "s", "c", "s", "(no write)", "sheet"),
        ("store_wins", 0, "s", "c", None, "c", "store"),
        ("newest_wins", +1, "s", "c", "s", "(no write)", "sheet"),
        ("newest_wins", -1, "s", "c", None, "c", "store"),
        ("store_wins", 0, "s", "b", "s", "(no write)", None),  # only the sheet changed
        ("sheet_wins", 0, "b", "c", None, "c", None),  # only the store changed
        ("sheet_wins", 0, "same", "same", None, "(no write)", None),  # same edit both sides
    ],
)
def test_conflict_policy(  # type: ignore[no-untyped-def]
    policy, sheet_edit, sheet, store, to_store, to_sheet, winner
) -> None:
    """Notes were "b" at the last sync; the sheet and the store changed them."""
    st = state([rec(1, notes=store, version=2)], {lid(1): base(1, notes="b")})
    edited_at = NOW + timedelta(hours=sheet_edit)
    p = plan([row(1, notes=sheet)], st, policy=policy, sheet_changed_at=edited_at)
    changes = p.updates[0].changes if p.updates else {}
    assert changes.get("notes") == to_store
    assert cell(p, 2, "Notes") == to_sheet
    assert [c.winner for _, c in p.conflicts] == ([winner] if winner else [])
    if winner:
        kept = "sheet" if winner == "sheet" else "CRM"
        assert cell(p, 2, "Sync status") == (
            f"Conflict: Notes changed here and in the CRM; kept the {kept} value"
        )
    agreed = to_store or (store if to_sheet == store else sheet)
    assert p.shadows[lid(1)].base["notes"] == agreed


def test_unchanged_row_and_record_are_skipped() -> None:
    st = state([rec(1)], {lid(1): Shadow(base(1).base, None, 1)})
    first = plan([row(1)], st)
    st.shadows[lid(1)] = first.shadows[lid(1)]
    again = plan([row(1)], st)
    assert again.counts["unchanged"] == 1 and not again.has_store_changes and not again.cells


# -- GDPR tombstones and erased records --------------------------------------------
EMAIL5 = ("email", "f5@x.lv")
REG5 = ("reg", "LV", REG)


@pytest.mark.parametrize(
    ("tombstones", "reg", "erased"),
    [
        ([(None, EMAIL5)], None, True),  # network-wide, by e-mail
        ([("lv", EMAIL5)], None, True),  # this partner's own
        ([("lv", REG5)], REG, True),  # by registration code
        ([("lv", EMAIL5)], REG, True),  # the e-mail counts beside the code
        ([("ee", EMAIL5)], None, False),  # another partner's erasure reaches only it
        ([("ee", REG5), ("fi", EMAIL5)], REG, False),
        ([(None, ("email", "other@x.lv"))], None, False),  # someone else
        ([], None, False),
    ],
)
def test_gdpr_tombstone_blocks_a_new_row(tombstones, reg, erased) -> None:  # type: ignore[no-untyped-def]
    # The store loads the tombstones in this partner's scope (records.tombstones_blocking).
    blocking = frozenset(key_hash(k) for scope, k in tombstones if in_scope(scope, "lv"))
    p = plan(
        [row(5, id=None, registration_code=reg, notes="met at fair")], state(tombstones=blocking)
    )
    assert bool(p.counts["erased"]) is erased and bool(p.creates) is not erased
    if erased:
        assert cell(p, 2, "E-mail") is None and cell(p, 2, "Notes") is None
        assert cell(p, 2, "Company") == "(no write)"  # not personal: kept
        assert cell(p, 2, "Sync status") == ("Personal data erased on request (GDPR); not imported")
        assert not p.quarantine and not p.updates


@pytest.mark.parametrize(
    ("sheet", "to_store", "cleared"),
    [
        ({"notes": "typed again"}, {}, ["Notes"]),  # personal: kept out, cleared
        ({"email": "new@x.lv"}, {}, ["E-mail"]),
        ({"company_name": "Firm 1 SIA"}, {"company_name": "Firm 1 SIA"}, []),  # not personal
        # a note the CRM added since the erasure is not cleared by the blank it reads as
        ({"notes": "typed again", "crm_notes": "CRM note"}, {}, ["Notes"]),
    ],
)
def test_erased_record_takes_no_personal_data_from_its_row(sheet, to_store, cleared) -> None:  # type: ignore[no-untyped-def]
    crm_notes = sheet.pop("crm_notes", None)
    erased = rec(1, email=None, notes=crm_notes, erased=True)
    st = state([erased], {lid(1): base(1, email=None, notes=crm_notes)})
    p = plan([row(1, **sheet)], st)
    assert (p.updates[0].changes if p.updates else {}) == to_store
    for column in cleared:
        assert cell(p, 2, column) is None


# -- quarantine and its resolution -------------------------------------------------
def test_invalid_new_row_is_quarantined_and_its_open_entry_updated() -> None:
    fp = fp_key(*EMAIL5)
    for open_entries, existing_id in [({}, None), ({fp: (7, 2)}, 7)]:
        p = plan([row(5, id=None, sector="Bogus")], state(quarantine_open=open_entries))
        [item] = p.quarantine
        assert (item.fingerprint, item.existing_id, item.row) == (fp, existing_id, 2)
        assert item.errors[0]["field"] == "sector" and item.raw["Sector"] == "Bogus"
        assert not p.creates and p.counts["invalid"] == 1 and not p.resolve
        assert str(cell(p, 2, "Sync status")).startswith("Sector:")


@pytest.mark.parametrize(
    ("rows", "open_entry", "resolution"),
    [
        ([row(5, id=None)], (7, 2), "applied"),  # the row was fixed
        ([row(5, id=None, sector="Bogus")], (7, 2), None),  # still invalid: stays open
        ([], (7, 2), "removed"),  # the row was deleted
        ([row(6, id=None)], (7, 2), "applied"),  # its row number went through
        ([row(6, id=None)], (7, 3), "removed"),
    ],
)
def test_open_quarantine_entry_is_resolved(rows, open_entry, resolution) -> None:  # type: ignore[no-untyped-def]
    p = plan(rows, state(quarantine_open={fp_key(*EMAIL5): open_entry}))
    assert p.resolve == ([(7, resolution)] if resolution else [])


@pytest.mark.parametrize(
    ("closed", "status"),
    [(("dismissed", None), "Dismissed"), (("merged", "L-000009"), "Merged into L-000009")],
)
def test_row_a_person_resolved_stays_out(closed, status) -> None:  # type: ignore[no-untyped-def]
    """A duplicate or an invalid row a person merged or dismissed is not quarantined
    or created again."""
    st = state(
        [rec(1, owner="ee")], synced=False, quarantine_closed={fp_key("email", "f1@x.lv"): closed}
    )
    p = plan([row(1, id=None)], st)
    assert cell(p, 2, "Sync status") == status
    assert not p.creates and not p.quarantine and p.counts["duplicates"] == 1
    st = state(quarantine_closed={fp_key("email", "f1@x.lv"): closed})
    p = plan([row(1, id=None, sector="Bogus")], st)
    assert cell(p, 2, "Sync status") == status
    assert not p.creates and not p.quarantine


def test_edit_making_a_lead_another_leads_duplicate_is_quarantined() -> None:
    p = plan([row(1), row(2, email="f1@x.lv")], state([rec(1), rec(2)]))
    [item] = p.quarantine
    assert item.row == 3 and item.errors[0]["code"] == "duplicate" and not p.updates
    assert cell(p, 3, "Sync status") == "Duplicate of L-000001 (LV)."


def test_invalid_edit_of_an_existing_row_is_quarantined_by_its_id() -> None:
    p = plan([row(1, country="Atlantis")], state([rec(1)]))
    [item] = p.quarantine
    assert item.fingerprint == fingerprint("lv", "leads", "id", lid(1))
    assert not p.updates and p.counts["invalid"] == 1 and lid(1) not in p.shadows


# -- pending and landed bases ----------------------------------------------------------
PENDING_STAMP = "2026-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("rows", "appended", "archived", "landed"),
    [
        ([row(1)], [lid(2)], [], []),  # the append never landed: appended again
        ([row(1, stamp=PENDING_STAMP)], [], [lid(2)], [lid(2)]),  # landed, deleted since
        ([row(1), row(2, stamp=PENDING_STAMP)], [], [], [lid(2)]),  # landed and there
    ],
)
def test_pending_append_is_resolved_by_its_stamp(rows, appended, archived, landed) -> None:  # type: ignore[no-untyped-def]
    st = state([rec(1), rec(2)], {lid(2): Shadow(base(2).base, "pending:" + PENDING_STAMP, 1)})
    p = plan(rows, st)
    assert [rid for rid, _ in p.appends] == appended
    assert p.archives == archived and p.landed_appends == landed
    assert p.stamp != PENDING_STAMP


@pytest.mark.parametrize(
    ("row_stamp", "landed", "conflict", "notes_cell"),
    [
        (PENDING_STAMP, True, False, "second"),  # the write landed: its base holds
        (OLD_STAMP, False, False, "second"),  # it did not: the old base holds
    ],
)
def test_pending_base_is_taken_only_if_its_write_landed(
    row_stamp, landed, conflict, notes_cell
) -> None:  # type: ignore[no-untyped-def]
    """A sync wrote notes "first" into the row and died before its commit."""
    stored = Shadow(base(1).base, "an older row", 1, base(1, notes="first").base, PENDING_STAMP)
    st = state([rec(1, notes="second", version=3)], {lid(1): stored})
    notes = "first" if landed else None
    p = plan([row(1, notes=notes, stamp=row_stamp)], st)
    assert (lid(1) in p.landed_bases) is landed
    assert bool(p.conflicts) is conflict and cell(p, 2, "Notes") == notes_cell
    assert p.shadows[lid(1)].pending_base is None


def test_store_value_written_into_a_row_leaves_a_pending_base() -> None:
    st = state([rec(1, notes="CRM note", version=2)])
    p = plan([row(1, company_name="Firm 1 SIA")], st)
    assert cell(p, 2, "Notes") == "CRM note"
    assert p.updates[0].changes == {"company_name": "Firm 1 SIA"}
    # the sheet's edit is not agreed until the commit; the value written is
    assert p.pending_bases[lid(1)] == base(1, notes="CRM note").base


# -- the deletion valve ------------------------------------------------------------
@pytest.mark.parametrize(
    ("live", "kept", "share", "minimum", "aborted"),
    [
        (20, 16, 0.2, 5, False),
        (20, 15, 0.2, 5, True),
        (10, 6, 0.2, 5, False),  # 40% vanished but fewer than the minimum
        (10, 5, 0.2, 5, True),
        (10, 5, 0.5, 5, False),  # exactly the share is allowed
        (10, 8, 0.1, 2, True),
        (3, 0, 0.2, 5, False),  # a small tab may be emptied
    ],
)
def test_deletion_valve(live, kept, share, minimum, aborted) -> None:  # type: ignore[no-untyped-def]
    st = state([rec(n) for n in range(1, live + 1)])
    rows = [row(n) for n in range(1, kept + 1)]
    p = plan(rows, st, mass_delete_share=share, mass_delete_min_rows=minimum)
    assert (p.aborted is not None) is aborted
    if aborted:
        assert p.aborted.startswith(f"{live - kept} of {live} rows with a CRM ID vanished")
        assert not p.cells and not p.has_store_changes
    else:
        assert p.archives == [lid(n) for n in range(kept + 1, live + 1)]


def test_valve_counts_only_this_partners_rows_the_sheet_showed() -> None:
    """Another partner's records (moved by an admin) and appends that never landed
    count neither as live rows nor as vanished ones: 5 of 5 rows vanished."""
    shown = [rec(n) for n in range(1, 6)]
    unlanded = [rec(n) for n in range(6, 16)]
    theirs = [rec(n, owner="ee") for n in range(16, 36)]
    pending = {
        r.id: Shadow(base(int(r.id[2:])).base, "pending:" + PENDING_STAMP, 1) for r in unlanded
    }
    p = plan([], state([*shown, *unlanded, *theirs], pending))
    assert p.aborted is not None and p.aborted.startswith("5 of 5 rows with a CRM ID vanished")


def test_unlanded_appends_do_not_vanish_and_moved_records_leave_the_tab() -> None:
    ours = [rec(n) for n in range(1, 5)]
    theirs = [rec(n, owner="ee") for n in range(5, 25)]
    pending = {lid(n): Shadow(base(n).base, "pending:" + PENDING_STAMP, 1) for n in range(1, 5)}
    p = plan([], state([*ours, *theirs], pending))
    assert p.aborted is None and not p.archives
    assert sorted(rid for rid, _ in p.appends) == [lid(n) for n in range(1, 5)]
    assert sorted(p.drop_shadows) == [lid(n) for n in range(5, 25)]


def test_a_sync_that_appends_stamps_an_existing_row_too() -> None:
    """The stamp that tells a landed append must survive the partner deleting the
    appended rows, so one existing row carries it as well."""
    p = plan([row(1)], state([rec(1), rec(2)], {lid(1): base(1)}, synced=False))
    assert [rid for rid, _ in p.appends] == [lid(2)]
    assert cell(p, 2, "Last synced") == p.stamp and p.appends[0][1][COL["Last synced"]] == p.stamp


# -- new rows and duplicates ---------------------------------------------------------
@pytest.mark.parametrize(
    ("store", "rows", "created", "duplicate_of", "status"),
    [
        ([], [row(5, id=None)], ["Firm 5"], [], "(no write)"),
        # the same firm twice in the tab: the second names the first's id once it has one
        (
            [],
            [row(5, id=None), row(5, id=None, company_name="Again", email="F5@x.lv ")],
            ["Firm 5"],
            ["ref:0"],
            Deferred("Duplicate of {id} (LV)", 0),
        ),
        # a lead this partner's sheet shows already
        (
            [rec(5)],
            [row(5), row(5, id=None, company_name="Copy")],
            [],
            [lid(5)],
            "Duplicate of L-000005 (LV)",
        ),
        # another partner's lead, by e-mail or by registration code
        ([rec(5, owner="ee")], [row(5, id=None)], [], [lid(5)], "Duplicate of L-000005 (EE)"),
        (
            [rec(7, owner="fi", registration_code=REG)],
            [row(5, id=None, registration_code=REG)],
            [],
            [lid(7)],
            "Duplicate of L-000007 (FI)",
        ),
    ],
)
def test_new_row_or_duplicate(store, rows, created, duplicate_of, status) -> None:  # type: ignore[no-untyped-def]
    p = plan(rows, state(store))
    assert [c.data["company_name"] for c in p.creates] == created
    assert [q.duplicate_of for q in p.quarantine] == duplicate_of
    assert p.counts["duplicates"] == len(duplicate_of)
    assert cell(p, len(rows) + 1, "Sync status") == status
    if created:
        assert cell(p, 2, "CRM ID") == NewId(0)


# The case: the same firm typed twice, in other case and with its legal
# form, no registration code, no e-mail; the keys are tried strongest first and a
# weaker key never joins two firms whose registration codes both exist and differ.
SISUSTUS = {"company_name": "Sisustus Oy", "country": "FI", "email": None}
OTHER_REG = "40001819093"  # another valid Latvian registration code


SIS2 = {**SISUSTUS, "company_name": "SISUSTUS OY"}
CODE, CODE2 = {"registration_code": REG}, {"registration_code": OTHER_REG}


@pytest.mark.parametrize(
    ("first", "second", "created", "duplicate_of"),
    [
        # by company name within the country (case, legal form, quotes, punctuation)
        (SISUSTUS, SIS2, ["Sisustus Oy"], ["ref:0"]),
        (SISUSTUS, {**SISUSTUS, "company_name": '"Sisustus", oy.'}, ["Sisustus Oy"], ["ref:0"]),
        # by registration code within the country, in its compact form
        (CODE, {"registration_code": "LV 4000 3521 600"}, ["Firm 5"], ["ref:0"]),
        # by e-mail, whatever the names
        ({}, {"email": " F5@X.lv"}, ["Firm 5"], ["ref:0"]),
        # one name, different e-mail addresses: one firm still
        ({}, {"company_name": "FIRM 5 SIA"}, ["Firm 5"], ["ref:0"]),
        # one name with a code, the other without one: one firm
        (CODE, {"company_name": "Firm 5"}, ["Firm 5"], ["ref:0"]),
        # one name, two different registration codes: two firms
        (CODE, {"company_name": "Firm 5", **CODE2}, ["Firm 5", "Firm 5"], []),
        # one e-mail, two different registration codes: two firms
        (CODE, {"email": "f5@x.lv", **CODE2}, ["Firm 5", "Firm 6"], []),
        # one name in two countries: two firms
        (SISUSTUS, {**SISUSTUS, "country": "EE"}, ["Sisustus Oy", "Sisustus Oy"], []),
    ],
)
def test_duplicates_within_the_tab_by_every_key(first, second, created, duplicate_of) -> None:  # type: ignore[no-untyped-def]
    p = plan([row(5, id=None, **first), row(6, id=None, **second)], state())
    assert [c.data["company_name"] for c in p.creates] == created
    assert [q.duplicate_of for q in p.quarantine] == duplicate_of
    if duplicate_of:
        # no id of its own; its status names the first row's id once it has one
        assert cell(p, 3, "CRM ID") == "(no write)"
        assert cell(p, 3, "Sync status") == Deferred("Duplicate of {id} (LV)", 0)
    else:
        assert cell(p, 3, "CRM ID") == NewId(1)


@pytest.mark.parametrize(
    ("stored", "new", "duplicate_of"),
    [
        (rec(7, owner="ee", **SISUSTUS), SIS2, lid(7)),
        (rec(7, owner="ee", **CODE), {"company_name": "Firm 7 SIA"}, lid(7)),
        (rec(7, owner="ee", **CODE), {"company_name": "Firm 7", **CODE2}, None),
        (rec(7, owner="ee"), {"company_name": "Another name", "email": "F7@x.lv"}, lid(7)),
        # a row with a code is never another partner's firm by name alone: a name
        # EE typed without a code never claims the firm (squatting); an e-mail,
        # which EE would have to know, still does
        (rec(7, owner="ee"), {"company_name": "Firm 7", **CODE}, None),
        (rec(7, owner="ee"), {"company_name": "Other", "email": "f7@x.lv", **CODE}, lid(7)),
    ],
)
def test_another_partners_firm_is_a_linked_duplicate(stored, new, duplicate_of) -> None:  # type: ignore[no-untyped-def]
    p = plan([row(5, id=None, **new)], state([stored], synced=False))
    assert [q.duplicate_of for q in p.quarantine] == ([duplicate_of] if duplicate_of else [])
    if duplicate_of:
        assert not p.creates and not p.updates  # never written into the other partner's lead
        assert cell(p, 2, "Sync status") == "Duplicate of L-000007 (EE)"
    else:
        assert len(p.creates) == 1


def test_own_lead_found_by_name_is_adopted_by_its_row() -> None:
    """A web form's lead (no code, no e-mail) typed into the sheet by name."""
    web = rec(7, **SISUSTUS)
    p = plan([row(5, id=None, **SIS2)], state([web], synced=False))
    assert not p.creates and not p.quarantine
    assert cell(p, 2, "CRM ID") == lid(7)


def test_row_whose_reserved_id_lost_its_firm_to_another_writer() -> None:
    """A sync reserved L-000009 for a row and wrote it to the sheet, but another
    writer stored the firm first, so the id never became a record: the next plan
    treats the row as any row of that firm (adopted when it is this partner's,
    a linked duplicate, under the row's own name, when it is another's)."""
    lost = [row(5, id=lid(9), **SISUSTUS)]
    mine = plan(lost, state([rec(7, **SISUSTUS)], synced=False, issued_max=9))
    assert not mine.creates and cell(mine, 2, "CRM ID") == lid(7)
    theirs = plan(lost, state([rec(7, owner="ee", **SISUSTUS)], synced=False, issued_max=9))
    assert not theirs.creates and [q.duplicate_of for q in theirs.quarantine] == [lid(7)]
    assert theirs.quarantine[0].fingerprint == fingerprint("lv", "leads", "id", lid(9))


def test_edit_making_a_lead_another_firms_namesake_is_quarantined() -> None:
    p = plan([row(1), row(2, company_name="FIRM 1")], state([rec(1), rec(2)]))
    assert [q.duplicate_of for q in p.quarantine] == [None] and not p.updates
    assert p.quarantine[0].errors[0]["field"] == "company_name"
    assert cell(p, 3, "Sync status") == "Duplicate of L-000001 (LV)."


def test_stored_lead_the_sheet_never_showed_is_adopted_by_its_row() -> None:
    """A web form's lead typed into the sheet too: the row becomes that record's."""
    p = plan([row(5, id=None, notes="from the sheet")], state([rec(5)], synced=False))
    assert not p.creates and not p.quarantine and not p.appends
    assert cell(p, 2, "CRM ID") == lid(5) and p.counts["updated"] == 1
    assert p.updates[0].changes == {"notes": "from the sheet"}


def test_archived_stored_lead_is_not_adopted() -> None:
    p = plan([row(5, id=None)], state([rec(5, archived=True)], synced=False))
    assert [q.duplicate_of for q in p.quarantine] == [lid(5)] and not p.restores


@pytest.mark.parametrize(
    ("cell_id", "issued_max", "created_with", "status"),
    [
        (lid(9), 9, lid(9), "(no write)"),  # issued by an interrupted sync: reused
        (lid(9), 8, None, "CRM ID 'L-000009' is not known to the CRM; clear the cell"),
        ("see row 4", 99, None, "CRM ID 'see row 4' is not known to the CRM; clear the cell"),
    ],
)
def test_row_with_an_id_the_store_lacks(cell_id, issued_max, created_with, status) -> None:  # type: ignore[no-untyped-def]
    p = plan([row(5, id=cell_id)], state(issued_max=issued_max))
    assert [c.fixed_id for c in p.creates] == ([created_with] if created_with else [])
    assert str(cell(p, 2, "Sync status")).startswith(status)
    assert len(p.quarantine) == (0 if created_with else 1)


def test_copied_row_with_an_id_above_becomes_a_new_row() -> None:
    p = plan([row(1), row(5, id=lid(1))], state([rec(1)]))
    assert cell(p, 3, "CRM ID") == NewId(0) and [c.data["company_name"] for c in p.creates] == [
        "Firm 5"
    ]


# -- rows naming another partner's record ----------------------------------------------
@pytest.mark.parametrize("owner", ["ee", "fi"])
def test_row_naming_another_partners_crm_id_changes_nothing(owner) -> None:  # type: ignore[no-untyped-def]
    theirs = rec(1, owner=owner)
    p = plan([row(1, notes="taken over")], state([theirs], synced=False))
    assert not p.updates and not p.creates and not p.archives and not p.appends
    [item] = p.quarantine
    assert item.errors[0]["code"] == "owner" and p.counts["invalid"] == 1
    assert cell(p, 2, "Sync status") == (
        f"{lid(1)} belongs to {owner.upper()}; changes made here are not applied"
    )


def test_deleting_the_row_of_another_partners_record_never_archives_it() -> None:
    moved = rec(1, owner="ee")  # an admin moved it; its base is still this tab's
    p = plan([row(2)], state([moved, rec(2)]))
    assert not p.archives and p.drop_shadows == [lid(1)]


# -- archived records ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("synced", "restored", "status"),
    [
        (True, [], "Archived in the CRM"),  # archived while the sheet showed it: left alone
        (False, [lid(1)], "(no write)"),  # its row came back: restored
    ],
)
def test_archived_record_row(synced, restored, status) -> None:  # type: ignore[no-untyped-def]
    p = plan([row(1, notes="edited")], state([rec(1, archived=True)], synced=synced))
    assert p.restores == restored and cell(p, 2, "Sync status") == status
    assert bool(p.updates) is bool(restored)


# -- the plan's stages: made once, never changed after ------------------------------
def plan_asking(rows: list[list[Any]], st: StoreState, answer: datetime | None) -> tuple[Plan, int]:
    """The newest_wins plan of ``rows``, and how often it asked when the sheet
    changed (the answer being ``answer``)."""
    asked: list[int] = []

    def changed_at() -> datetime | None:
        asked.append(1)
        return answer

    s = Settings("lv", "leads", now=NOW, policy="newest_wins")
    return plan_tab(s.read([HEADER, *rows]), st, s, changed_at=changed_at), len(asked)


def test_newest_wins_asks_when_the_sheet_changed_once_and_only_at_a_conflict() -> None:
    both = state(
        [rec(1, notes="c1", version=2), rec(2, notes="c2", version=2)],
        {lid(1): base(1, notes="b"), lid(2): base(2, notes="b")},
    )
    rows = [row(1, notes="s1"), row(2, notes="s2")]
    p, asked = plan_asking(rows, both, NOW - timedelta(hours=1))
    assert asked == 1  # two conflicts, one question
    assert [c.winner for _, c in p.conflicts] == ["store", "store"]
    p, asked = plan_asking(rows, both, None)  # Drive could not tell: "now", the sheet
    assert asked == 1 and [c.winner for _, c in p.conflicts] == ["sheet", "sheet"]
    sheet_only = state([rec(1, notes="b")], {lid(1): base(1, notes="b")})
    p, asked = plan_asking([row(1, notes="s1")], sheet_only, NOW - timedelta(hours=1))
    assert asked == 0 and not p.conflicts and p.updates[0].changes == {"notes": "s1"}


def test_binding_ids_makes_a_new_plan_and_leaves_the_planned_one() -> None:
    p = plan([row(1, id=None)], state())
    bound = bind_ids(p, ["L-000042"])
    assert isinstance(cell(p, 2, "CRM ID"), NewId) and not p.new_ids
    assert cell(bound, 2, "CRM ID") == "L-000042" and bound.new_ids == {0: "L-000042"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.aborted = "changed after planning"  # type: ignore[misc]


def test_the_snapshot_reads_the_tab_once_for_every_stage() -> None:
    s = Settings("lv", "leads", now=NOW)
    snap = s.read([["A title"], HEADER, row(1), ["", "", ""], row(2, id="junk")])
    assert snap.header_row == 2 and snap.blank == 1
    assert [(r.number, r.id, r.junk) for r in snap.rows] == [(3, lid(1), None), (5, None, "junk")]
    assert snap.ids == {lid(1)} and snap.stamps == {OLD_STAMP}
    assert snap.rows[0].hash == row_hash(snap.rows[0].raw)


def test_counts_are_stored_as_before_and_add_up() -> None:
    one = Counts.of({"created": 2, "rows": 3})
    stored = one.as_dict()
    assert stored["created"] == 2 and stored["cells_written"] == 0
    assert "skipped_concurrent" not in stored  # what a run met is kept only when it did
    two = one.with_(skipped_concurrent=1, cells_written=5)
    assert (one + two).as_dict()["created"] == 4 and (one + two)["skipped_concurrent"] == 1
    assert Counts(planned=False).as_dict() == {"cells_written": 0, "rows_appended": 0}
