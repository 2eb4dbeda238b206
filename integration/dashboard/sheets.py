"""Where a partner's tab lives in its spreadsheet (the tab's ``sheetId``/gid),
so a quarantined row can link straight to ``.../edit#gid=<gid>&range=A<row>``.

The sync engine records each tab's sheetId in ``sync_tabs`` (with the header it
last mapped) on every successful run; that row is the answer. Without a
completed sync yet there is no gid, and the link opens the spreadsheet itself.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.store.models import SyncTab


def sheet_gids(session: Session) -> dict[tuple[str, str], int]:
    """``{(partner, tab): gid}`` for every tab a sync has seen."""
    rows = session.execute(select(SyncTab.partner, SyncTab.tab, SyncTab.sheet_id))
    return {(partner, tab): gid for partner, tab, gid in rows if gid is not None}
