"""Where a partner's tab lives in its spreadsheet (the tab's ``sheetId``/gid),
so a quarantined row can link straight to ``.../edit#gid=<gid>&range=A<row>``.

The sync engine reads the tab's metadata on every run and records the sheetId
in the run's ``counts`` (``sheet_id``); the newest run of each partner and tab
that has one is the answer. Without a run yet, the link opens the spreadsheet.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from integration.config import AppConfig
from integration.store.models import SyncRun

#: Keys under which a run's counts may carry the tab's sheetId.
GID_KEYS = ("sheet_id", "gid", "sheetId")


def gid_of(counts: dict | None) -> int | None:
    for key in GID_KEYS:
        value = (counts or {}).get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
    return None


def sheet_gids(
    session: Session, config: AppConfig, *, scan: int = 200
) -> dict[tuple[str, str], int]:
    """``{(partner, tab): gid}`` from the newest runs that recorded one."""
    found: dict[tuple[str, str], int] = {}
    wanted = {(code, tab) for code in config.partners for tab in ("leads", "agreements")}
    runs = session.execute(
        select(SyncRun.partner, SyncRun.tab, SyncRun.counts)
        .order_by(SyncRun.started_at.desc(), SyncRun.id.desc())
        .limit(scan)
    )
    for partner, tab, counts in runs:
        key = (partner, tab or "")
        if key in found or key not in wanted:
            continue
        gid = gid_of(counts)
        if gid is not None:
            found[key] = gid
            if len(found) == len(wanted):
                break
    return found
