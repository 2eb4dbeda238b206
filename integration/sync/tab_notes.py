"""The note the service keeps on a tab's header status cell (why the tab's sync
stopped), remembered in the store so it is written once and written again only
when its text changes: a stopped tab otherwise rewrote the same note on every
sync, a sheet write (and a Drive "modified" that wakes the poller) each time."""

from __future__ import annotations

from integration.store.db import Store
from integration.store.models import SyncTab


def written(store: Store, partner: str, tab: str) -> str | None:
    """The note last written on the tab's header, None when there is none."""
    with store.session() as session:
        snap = session.get(SyncTab, (partner, tab))
        return snap.stop_note if snap is not None else None


def remember(store: Store, partner: str, tab: str, text: str | None) -> None:
    """Record that the tab's header now carries ``text`` (None: no note)."""
    with store.session() as session:
        snap = session.get(SyncTab, (partner, tab))
        if snap is None:
            if text is None:
                return
            session.add(SyncTab(partner=partner, tab=tab, columns={}, stop_note=text))
        elif snap.stop_note != text:
            snap.stop_note = text
