"""How much of the store a tab's plan needs: a re-sync of an unchanged tab loads
only ids, versions and row fingerprints, no record data and no bases."""

from __future__ import annotations

from ..snapshot import SheetRow, TabSnapshot
from .model import Settings, Shadow, StoreRecord, StoreState, fingerprint
from .party_names import row_renames


def detail_needed(
    snapshot: TabSnapshot, state: StoreState, settings: Settings
) -> tuple[set[str], bool]:
    """Which records the plan will look into beyond their fingerprints, and whether
    any row needs normalising at all (new rows, edited rows).

    A re-sync of an unchanged tab then loads no record data and no base from the
    store: only ids, versions and row fingerprints (the snapshot's, the same the
    plan compares).
    """
    unshadowed = {
        rid for rid in state.records if rid not in state.shadows or state.shadows[rid].pending
    }
    if snapshot.layout.id_col is None:
        return set(state.records), True
    need: set[str] = set(unshadowed)
    seen: set[str] = set()
    work = False
    for r in snapshot.rows:
        rid = r.id
        if rid is None:
            work = True  # (blank rows are not in the snapshot's rows)
            continue
        look, normalise = _row_need(r, rid, state, settings, repeated=rid in seen)
        seen.add(rid)
        if look:
            need.add(rid)
        work = work or normalise
    if work:
        # a row without its id may be a record whose id was cleared (its data is
        # merged against its base)
        need.update(rid for rid in state.shadows if rid in state.records and rid not in seen)
    return need, work or bool(unshadowed)


def _row_need(
    row: SheetRow, rid: str, state: StoreState, settings: Settings, *, repeated: bool
) -> tuple[bool, bool]:
    """Whether the plan looks into the record of a row carrying id ``rid``, and
    whether the row is normalised: only a row as the last sync left it is neither,
    so an unchanged row costs no record data."""
    if repeated:
        # two rows carry one id: which is the record's is told by its data
        return True, True
    rec = state.records.get(rid)
    shadow = state.shadows.get(rid)
    if rec is None or shadow is None:
        return rec is not None, True
    if row_renames(state, rid, row.raw):
        return True, True  # a party's new name is written: the row is planned in full
    if _changed_since_sync(rec, shadow, row, state, settings):
        return True, True
    return False, False


def _changed_since_sync(
    rec: StoreRecord, shadow: Shadow, row: SheetRow, state: StoreState, settings: Settings
) -> bool:
    """Whether a row's record moved on since the last sync wrote it (archived,
    erased, changed in the store, edited in the sheet, or in open quarantine): the
    fingerprints alone no longer tell the plan what to do."""
    quarantined = bool(state.quarantine_open) and (
        fingerprint(settings.partner, settings.tab, "id", row.id) in state.quarantine_open
    )
    return (
        rec.archived
        or rec.erased
        or shadow.version != rec.version
        or shadow.row_hash != row.hash
        or quarantined
    )
