"""How much of the store a tab's plan needs: a re-sync of an unchanged tab loads
only ids, versions and row fingerprints, no record data and no bases."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import sheet_rows
from .model import Settings, StoreState, fingerprint
from .party_names import row_renames


def detail_needed(
    rows: Sequence[Sequence[Any]], state: StoreState, settings: Settings
) -> tuple[set[str], bool]:
    """Which records the plan will look into beyond their fingerprints, and whether
    any row needs normalising at all (new rows, edited rows).

    A re-sync of an unchanged tab then loads no record data and no base from the
    store: only ids, versions and row fingerprints. Row fingerprints computed here
    are kept in ``state.row_hashes`` for the plan.
    """
    tab = settings.tab_rows(rows, state.kind)
    layout = sheet_rows.layout_for(tab.header, state.kind, settings.columns)
    unshadowed = {
        rid for rid in state.records if rid not in state.shadows or state.shadows[rid].pending
    }
    if layout.id_col is None:
        return set(state.records), True
    need: set[str] = set(unshadowed)
    seen: set[str] = set()
    work = False
    for row, cells in tab.numbered():
        raw = sheet_rows.row_raw(layout, cells)
        rid, junk = sheet_rows.row_id(state.kind, sheet_rows.cell(cells, layout.id_col))
        if rid is not None and rid in seen:
            # two rows carry one id: which is the record's is told by its data
            need.add(rid)
            work = True
            continue
        if rid is None:
            if junk is not None or not sheet_rows.is_blank(raw):
                work = True
            continue
        seen.add(rid)
        rec = state.records.get(rid)
        shadow = state.shadows.get(rid)
        if rec is None or shadow is None:
            work = True
            if rec is not None:
                need.add(rid)
            continue
        if row_renames(state, rid, raw):
            need.add(rid)  # a party's new name is written: the row is planned in full
            work = True
            continue
        h = sheet_rows.row_hash(raw)
        state.row_hashes[row] = h
        fp = (
            fingerprint(settings.partner, settings.tab, "id", rid)
            if state.quarantine_open
            else None
        )
        if (
            rec.archived
            or rec.erased
            or shadow.version != rec.version
            or shadow.row_hash != h
            or fp in state.quarantine_open
        ):
            need.add(rid)
            work = True
    if work:
        # a row without its id may be a record whose id was cleared (its data is
        # merged against its base)
        need.update(rid for rid in state.shadows if rid in state.records and rid not in seen)
    return need, work or bool(unshadowed)
