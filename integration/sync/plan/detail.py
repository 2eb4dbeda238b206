"""How much of the store a tab's plan needs: a re-sync of an unchanged tab loads
only ids, versions and row fingerprints, no record data and no bases."""

from __future__ import annotations

from ..snapshot import TabSnapshot
from .model import Settings, StoreState, fingerprint
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
        if rid is not None and rid in seen:
            # two rows carry one id: which is the record's is told by its data
            need.add(rid)
            work = True
            continue
        if rid is None:
            work = True  # (blank rows are not in the snapshot's rows)
            continue
        seen.add(rid)
        rec = state.records.get(rid)
        shadow = state.shadows.get(rid)
        if rec is None or shadow is None:
            work = True
            if rec is not None:
                need.add(rid)
            continue
        if row_renames(state, rid, r.raw):
            need.add(rid)  # a party's new name is written: the row is planned in full
            work = True
            continue
        fp = (
            fingerprint(settings.partner, settings.tab, "id", rid)
            if state.quarantine_open
            else None
        )
        if (
            rec.archived
            or rec.erased
            or shadow.version != rec.version
            or shadow.row_hash != r.hash
            or fp in state.quarantine_open
        ):
            need.add(rid)
            work = True
    if work:
        # a row without its id may be a record whose id was cleared (its data is
        # merged against its base)
        need.update(rid for rid in state.shadows if rid in state.records and rid not in seen)
    return need, work or bool(unshadowed)
