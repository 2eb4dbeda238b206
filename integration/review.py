"""Review actions on what the service could not decide alone: quarantined rows
and payloads, and field conflicts between a sheet and the store.

Used by the API and the dashboard, so a replay or a resolution does the same
thing wherever it is clicked. Every action is audited through the record
operations and records a sync request, so the partner's sheet reflects the
decision (status cell, merged values) within the debounce window. Each action
asks :mod:`integration.ownership` whether its actor may take it (raising
:class:`~integration.ownership.Denied`); callers own the transaction and
whether the actor may see the item at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from integration.config import AppConfig
from integration.intake import accept_lead, fill_blanks, record_errors, split_known
from integration.issues import render
from integration.messages import FALLBACK
from integration.ownership import Actor, check_conflict, check_merge, check_review, owner_of
from integration.store import records
from integration.store.models import Agreement, Conflict, Lead, QuarantineEntry, utcnow

SIDES = ("sheet", "store")


class ReviewError(Exception):
    """A review action that cannot be done; ``reason`` is machine-readable
    (``resolved``, ``invalid``, ``no_target``, ``gone``, ``erased``,
    ``duplicate``) and the
    message is one sentence for a person."""

    def __init__(self, reason: str, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.errors = errors or []


@dataclass
class ReviewResult:
    action: str  # replayed | sync_requested | dismissed | merged | resolved
    record_id: str | None = None
    changed: list[str] = field(default_factory=list)


def _open(entry: QuarantineEntry) -> None:
    if entry.resolved_at is not None:
        raise ReviewError("resolved", f"Quarantine entry {entry.id} is already {entry.resolution}.")


def _is_sheet(entry: QuarantineEntry) -> bool:
    return (entry.source or "").startswith("sheet:")


def _tab(entry: QuarantineEntry) -> str:
    return "agreements" if entry.kind == "agreement" else "leads"


def _resolve(entry: QuarantineEntry, resolution: str) -> None:
    entry.resolved_at = utcnow()
    entry.updated_at = entry.resolved_at
    entry.resolution = resolution


def replay_quarantine(
    session: Session,
    config: AppConfig,
    entry: QuarantineEntry,
    *,
    actor: Actor,
    data: Mapping[str, Any] | None = None,
    source: str = "api",
) -> ReviewResult:
    """Try a quarantined item again, after a fix.

    A sheet row is fixed in the sheet: replay asks for a sync, which re-reads
    the row and marks the entry applied. A webhook or API payload is replayed
    here, with ``data`` (field -> corrected value, ``None`` clears) laid over
    the stored raw values; still invalid raises ``ReviewError("invalid")`` with
    the field errors and keeps them on the entry. A payload that turns out to
    be another partner's firm stays open, linked to that lead
    (``ReviewError("duplicate")``): the replay never writes into it.
    """
    check_review(actor, entry.partner)
    _open(entry)
    partner = entry.partner
    if partner is None or partner not in config.partners:
        raise ReviewError("invalid", "The entry belongs to no configured partner.")
    if _is_sheet(entry):
        records.request_sync(
            session, partner, trigger="api", reason=f"replay quarantine {entry.id}", tab=_tab(entry)
        )
        return ReviewResult("sync_requested")
    if entry.kind != "lead":
        raise ReviewError("invalid", "Only lead payloads can be replayed outside a sync.")
    raw = dict(entry.raw or {})
    for name, value in (data or {}).items():
        if value is None:
            raw.pop(name, None)
        else:
            raw[name] = value
    result = accept_lead(
        session, config, partner, raw, source=source, trigger="api", quarantine_invalid=False
    )
    if result.outcome == "invalid":
        entry.raw = raw
        entry.errors = result.errors
        entry.updated_at = utcnow()
        raise ReviewError("invalid", "The payload is still not a valid lead.", result.errors)
    if result.outcome == "erased":
        _resolve(entry, "dismissed")
        entry.raw = {}
        raise ReviewError("erased", "This person was erased; the entry is dismissed.")
    if result.outcome == "duplicate":
        entry.raw = raw
        entry.errors = result.errors
        entry.duplicate_of = result.duplicate_of
        entry.updated_at = utcnow()
        raise ReviewError("duplicate", render(result.errors[0], FALLBACK, "lead"), result.errors)
    _resolve(entry, "applied")
    entry.raw = raw
    assert result.lead is not None
    return ReviewResult("replayed", record_id=result.lead.id, changed=result.filled)


def dismiss_quarantine(
    session: Session, entry: QuarantineEntry, *, actor: Actor, source: str = "api"
) -> ReviewResult:
    """Give up on an item; a sheet row's status cell then says so (and the row is
    not quarantined again while unchanged)."""
    check_review(actor, entry.partner)
    _open(entry)
    _resolve(entry, "dismissed")
    if _is_sheet(entry) and entry.partner:
        records.request_sync(
            session,
            entry.partner,
            trigger="api",
            reason=f"dismissed quarantine {entry.id}",
            tab=_tab(entry),
        )
    return ReviewResult("dismissed")


def merge_quarantine(
    session: Session,
    config: AppConfig,
    entry: QuarantineEntry,
    *,
    actor: Actor,
    into: str | None = None,
    source: str = "api",
) -> ReviewResult:
    """Merge a duplicate lead into an existing one: the valid values it has
    and the target lacks fill the target's blanks; nothing is overwritten.
    Into another partner's lead only by an admin (:func:`ownership.check_merge`)."""
    check_review(actor, entry.partner)
    _open(entry)
    if entry.kind != "lead":
        raise ReviewError("invalid", "Only leads can be merged.")
    target_id = into or entry.duplicate_of
    if not target_id:
        raise ReviewError("no_target", "Name the lead to merge into.")
    target = session.get(Lead, target_id)
    if target is None or target.erased_at is not None:
        raise ReviewError("no_target", f"There is no live lead {target_id} to merge into.")
    check_merge(actor, entry.partner, target.partner)
    partner = entry.partner or target.partner
    locale = config.partners[partner].locale if partner in config.partners else "en"
    fields, _ = split_known(entry.raw or {})
    record, errors = record_errors("lead", fields, locale, partner, config.partners)
    bad = {e["field"] for e in errors}
    fill = fill_blanks(target.data, {k: v for k, v in record.items() if k not in bad})
    if fill:
        records.update_record(session, target, fill, source=source)
    records.audit(session, target, "merge", source, {"filled": sorted(fill)})
    entry.duplicate_of = target.id
    _resolve(entry, "merged")
    for code in {partner, target.partner}:
        records.request_sync(
            session, code, trigger="api", reason=f"merged quarantine {entry.id}", tab="leads"
        )
    return ReviewResult("merged", record_id=target.id, changed=sorted(fill))


def conflict_record(session: Session, conflict: Conflict) -> Lead | Agreement | None:
    model = Agreement if conflict.tab == "agreements" else Lead
    return session.get(model, conflict.record_id)


def resolve_conflict(
    session: Session, conflict: Conflict, side: str, *, actor: Actor, source: str = "api"
) -> ReviewResult:
    """Settle a conflict by choosing the sheet's or the store's value.

    The policy already applied one side when the conflict was found; choosing
    the same side just closes it, choosing the other writes that value to the
    store (audited) and asks for a sync so the sheet gets it too.
    """
    if side not in SIDES:
        raise ReviewError("invalid", "Choose 'sheet' or 'store'.")
    if conflict.resolved_at is not None:
        raise ReviewError("resolved", f"Conflict {conflict.id} is already resolved.")
    record = conflict_record(session, conflict)
    if record is None:
        raise ReviewError("gone", f"Record {conflict.record_id} no longer exists.")
    kind = "lead" if isinstance(record, Lead) else "agreement"
    check_conflict(actor, conflict.partner, owner_of(kind, record))
    if isinstance(record, Lead) and record.erased_at is not None:
        raise ReviewError("erased", f"Record {conflict.record_id} was erased.")
    value = conflict.sheet_value if side == "sheet" else conflict.store_value
    changed = records.update_record(session, record, {conflict.field: value}, source=source)
    conflict.resolved_value = value
    conflict.resolved_at = utcnow()
    conflict.resolution = f"chose_{side}"
    records.request_sync(
        session,
        conflict.partner,
        trigger="api",
        reason=f"resolved conflict {conflict.id}",
        tab=conflict.tab,
    )
    return ReviewResult("resolved", record_id=record.id, changed=sorted(changed))
