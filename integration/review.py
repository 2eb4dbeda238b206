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

from sqlalchemy import update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from integration.config import AppConfig
from integration.domain import IntakeOutcome, Trigger
from integration.intake import accept_lead, fill_blanks, record_errors, split_known
from integration.issues import issue, render
from integration.kinds import STORE_FIELDS, Kind, Tab, record_kind
from integration.messages import FALLBACK
from integration.ownership import (
    Actor,
    MergeAsk,
    check_conflict,
    check_merge,
    check_review,
    owner_of,
)
from integration.store import records
from integration.store.db import rows_affected
from integration.store.firm_locks import lock_person
from integration.store.models import Agreement, Conflict, Lead, QuarantineEntry, utcnow
from integration.store.queries import get_record
from integration.sync import sheet_rows

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
    #: a merge: fields filled (blank in the lead), replaced (staff chose the
    #: entry's value) and kept (both had a value; the lead's stays)
    filled: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    #: one sentence saying what the action did ("nothing to fill" included)
    message: str = ""


#: A merge's per-field choice where lead and entry both have a value.
CHOICES = ("lead", "entry")


@dataclass(frozen=True)
class MergePlan:
    """What merging an entry's values into a lead does, field by field."""

    fill: dict[str, Any]
    replace: dict[str, Any]
    #: field -> (the lead's value, the entry's value), both set and different
    differing: dict[str, tuple[Any, Any]]

    @property
    def changes(self) -> dict[str, Any]:
        return {**self.fill, **self.replace}


def plan_merge(
    lead: Mapping[str, Any], values: Mapping[str, Any], choose: Mapping[str, str] | None = None
) -> MergePlan:
    """Fill exactly the lead's blank fields from ``values``; where both have a
    different value the lead's stays unless ``choose`` says ``entry`` for that
    field. A choice for a field that does not differ is an error (pure)."""
    choose = dict(choose or {})
    fill = fill_blanks(lead, values)
    differing = {
        k: (lead[k], v)
        for k, v in values.items()
        if k not in fill
        and k not in {*STORE_FIELDS, "partner"}
        and v not in (None, "")
        and lead.get(k) not in (None, "")
        and lead.get(k) != v
    }
    for name, side in choose.items():
        if name not in differing or side not in CHOICES:
            raise ReviewError(
                "invalid",
                f"'{name}': choose 'lead' or 'entry' only for a field both have a "
                "different value in.",
                [issue("choice", f"choose.{name}").as_data()],
            )
    replace = {k: differing[k][1] for k, side in choose.items() if side == "entry"}
    return MergePlan(fill, replace, differing)


def merge_message(target_id: str, plan: MergePlan) -> str:
    if not plan.changes:
        return f"Nothing to fill: {target_id} already has every value of this entry."
    parts = []
    if plan.fill:
        parts.append("filled " + ", ".join(sorted(plan.fill)))
    if plan.replace:
        parts.append("replaced " + ", ".join(sorted(plan.replace)))
    return f"Merged into {target_id}: " + "; ".join(parts) + "."


def _open(entry: QuarantineEntry) -> None:
    if entry.resolved_at is not None:
        raise ReviewError("resolved", f"Quarantine entry {entry.id} is already {entry.resolution}.")


def _take(entry: QuarantineEntry, *writes: Mapping[str, Any]) -> None:
    """Lock the entry's row for the action's transaction and read it afresh, then
    require it open: two actions on one entry at once (a double click, two staff
    members) run one after the other, and the second finds it already taken.
    Without it, on PostgreSQL both merges of one entry into two leads applied.

    First, in one pass, the person and firm locks of the entry's values and of
    ``writes`` (the lead values the action will store): an erasure takes those
    locks and then scrubs the person's quarantine entries, so an action holding
    the entry's row while waiting for them deadlocked with it (one of the two
    rolled back, answered 503 before ``run_guarded`` ran it again)."""
    session = object_session(entry)
    if session is not None:
        lock_person(session, dict(entry.raw or {}), *writes)
        session.refresh(entry, with_for_update=True)
    _open(entry)


def _is_sheet(entry: QuarantineEntry) -> bool:
    return (entry.source or "").startswith("sheet:")


def _tab(entry: QuarantineEntry) -> str:
    return record_kind(entry.kind).tab


def _update(
    session: Session, record: Lead | Agreement, changes: Mapping[str, Any], *, source: str
) -> dict[str, list[Any]]:
    """:func:`records.update_record`, its refusals as review errors (the lead
    would carry an erased person's identifier, or another partner's firm)."""
    try:
        return records.update_record(session, record, changes, source=source)
    except records.Refused as exc:
        if exc.reason == "erased":
            raise ReviewError(
                "erased", "These values identify a person who asked to be erased (GDPR)."
            ) from None
        raise ReviewError(
            "duplicate",
            "These values are another partner's firm; they cannot be merged into this lead.",
        ) from None


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
    _take(entry)
    partner = entry.partner
    if partner is None or partner not in config.partners:
        raise ReviewError("invalid", "The entry belongs to no configured partner.")
    if _is_sheet(entry):
        records.request_sync(
            session,
            partner,
            trigger=Trigger.API,
            reason=f"replay quarantine {entry.id}",
            tab=_tab(entry),
        )
        return ReviewResult("sync_requested")
    if not record_kind(entry.kind).payload_intake:
        raise ReviewError("invalid", "Only lead payloads can be replayed outside a sync.")
    return _replay_payload(session, config, entry, partner, _laid_over(entry.raw, data), source)


def _laid_over(raw: Mapping[str, Any] | None, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The stored raw values with the fix ``data`` laid over (``None`` clears a field)."""
    out = dict(raw or {})
    for name, value in (data or {}).items():
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def _keep_open(session: Session, entry: QuarantineEntry, errors: list[dict[str, Any]]) -> None:
    """The entry stays open with the replay's ``errors``; a merge request asked
    about its old values, so it ends."""
    entry.errors = errors
    entry.updated_at = utcnow()
    records.end_merge_requests(session)


def _replay_payload(
    session: Session,
    config: AppConfig,
    entry: QuarantineEntry,
    partner: str,
    raw: dict[str, Any],
    source: str,
) -> ReviewResult:
    """Run the fixed payload ``raw`` through the intake again, and keep on the
    entry what it answered: resolved when stored (or its person erased), open
    with the new errors when still invalid or another partner's firm."""
    result = accept_lead(
        session, config, partner, raw, source=source, trigger=Trigger.API, quarantine_invalid=False
    )
    if result.outcome == IntakeOutcome.ERASED:
        _resolve(entry, "dismissed")
        entry.raw = {}
        raise ReviewError("erased", "This person was erased; the entry is dismissed.")
    entry.raw = raw
    if result.outcome == IntakeOutcome.INVALID:
        _keep_open(session, entry, result.errors)
        raise ReviewError("invalid", "The payload is still not a valid lead.", result.errors)
    if result.outcome == IntakeOutcome.DUPLICATE:
        _keep_open(session, entry, result.errors)
        entry.duplicate_of = result.duplicate_of
        raise ReviewError("duplicate", render(result.errors[0], FALLBACK, "lead"), result.errors)
    _resolve(entry, "applied")
    records.end_merge_requests(session)
    assert result.lead is not None
    return ReviewResult("replayed", record_id=result.lead.id, changed=result.filled)


def dismiss_quarantine(
    session: Session, entry: QuarantineEntry, *, actor: Actor, source: str = "api"
) -> ReviewResult:
    """Give up on an item; a sheet row's status cell then says so (and the row is
    not quarantined again while unchanged)."""
    check_review(actor, entry.partner)
    _take(entry)
    _resolve(entry, "dismissed")
    records.end_merge_requests(session)
    if _is_sheet(entry) and entry.partner:
        records.request_sync(
            session,
            entry.partner,
            trigger=Trigger.API,
            reason=f"dismissed quarantine {entry.id}",
            tab=_tab(entry),
        )
    return ReviewResult("dismissed")


def entry_values(config: AppConfig, entry: QuarantineEntry) -> dict[str, Any]:
    """The entry's valid values as lead fields. A sheet row is kept as the
    partner's header text -> cell, so it is read through the same header layout
    as the sync (its aliases and the partner's own columns), then normalised in
    the partner's language; a payload is keyed by field already."""
    partner = entry.partner or ""
    locale = config.partners[partner].locale if partner in config.partners else "en"
    raw = entry.raw or {}
    if _is_sheet(entry) and partner in config.partners:
        layout = sheet_rows.layout_for(
            list(raw), "lead", config.partners[partner].columns.get("leads", {})
        )
        fields = sheet_rows.row_raw(layout, list(raw.values()))
    else:
        fields, _ = split_known(raw)
    record, errors = record_errors("lead", fields, locale, partner, config.partners)
    bad = {e["field"] for e in errors}
    return {k: v for k, v in record.items() if k not in bad}


def merge_target(
    session: Session,
    config: AppConfig,
    entry: QuarantineEntry,
    *,
    actor: Actor,
    into: str | None = None,
    asked: MergeAsk | None = None,
) -> tuple[Lead, dict[str, Any]]:
    """The lead an entry merges into and the entry's values, once every rule
    allows the merge (the entry open, the actor's ownership, no erased person,
    not another partner's firm); reads only, so the dashboard can show it first.
    ``asked``: the open merge request the entry's partner filed, so the lead's
    owner may merge it (:func:`ownership.check_merge` checks it names this
    entry and this lead)."""
    if asked is None:
        check_review(actor, entry.partner)
    _open(entry)
    if not record_kind(entry.kind).is_firm:  # a duplicate is of a firm
        raise ReviewError("invalid", "Only leads can be merged.")
    target_id = into or entry.duplicate_of
    if not target_id:
        raise ReviewError("no_target", "Name the lead to merge into.")
    target = session.get(Lead, target_id)
    if target is None or target.erased_at is not None:
        raise ReviewError("no_target", f"There is no live lead {target_id} to merge into.")
    check_merge(
        actor, entry.partner, target.partner, asked=asked, entry_id=entry.id, target_id=target.id
    )
    partner = entry.partner or target.partner
    if records.erased_in_payload(session, entry.raw or {}, partner):
        raise ReviewError("erased", "This person was erased; the entry is dismissed.")
    valid = entry_values(config, entry)
    other = records.foreign_firm(session, valid, partner=target.partner, exclude_id=target.id)
    if other is not None:
        # the entry is another partner's firm: its keys never go into this lead
        raise ReviewError(
            "duplicate",
            "This entry is another partner's firm; it cannot be merged into this lead.",
        )
    return target, valid


def _merge_writes(
    session: Session,
    config: AppConfig,
    entry: QuarantineEntry,
    into: str | None,
) -> list[dict[str, Any]]:
    """What a merge will write, read before any lock, for :func:`_take` to lock
    first: the target lead as it is and as merged. Read again once locked; a
    merge whose values changed meanwhile still locks what it writes when it
    writes (late, so a deadlock is possible there and retried)."""
    target = session.get(Lead, into or entry.duplicate_of or "")
    if target is None or not record_kind(entry.kind).is_firm:
        return []
    values = entry_values(config, entry)
    # every value the merge may take (filled, or replaced by a choice)
    return [dict(target.data), {**target.data, **values}, {**values, **target.data}]


def merge_quarantine(
    session: Session,
    config: AppConfig,
    entry: QuarantineEntry,
    *,
    actor: Actor,
    into: str | None = None,
    choose: Mapping[str, str] | None = None,
    source: str = "api",
    asked: MergeAsk | None = None,
) -> ReviewResult:
    """Merge a duplicate lead into an existing one: the valid values it has
    and the target lacks fill the target's blanks; where both have a value the
    lead's stays unless ``choose`` (field -> ``lead``/``entry``) takes the
    entry's. Into another partner's lead only by an admin
    (:func:`ownership.check_merge`). The result and the audit entry list what
    was filled and replaced; a merge that fills nothing says so. ``asked``:
    the merge request the owner accepts (:mod:`integration.merge_requests`)."""
    if asked is None:
        check_review(actor, entry.partner)
    _take(entry, *_merge_writes(session, config, entry, into))
    try:
        target, valid = merge_target(session, config, entry, actor=actor, into=into, asked=asked)
    except ReviewError as exc:
        if exc.reason == "erased":
            # kept before the erasure reached it: its values go now, merged nowhere
            entry.raw = {}
            _resolve(entry, "erased")
        raise
    plan = plan_merge(target.data, valid, choose)
    if plan.changes:
        _update(session, target, plan.changes, source=source)
    kept = sorted(set(plan.differing) - set(plan.replace))
    records.audit(
        session,
        target,
        "merge",
        source,
        {"filled": sorted(plan.fill), "replaced": sorted(plan.replace), "kept": kept},
    )
    entry.duplicate_of = target.id
    _resolve(entry, "merged")
    for code in {entry.partner or target.partner, target.partner}:
        records.request_sync(
            session, code, trigger=Trigger.API, reason=f"merged quarantine {entry.id}", tab="leads"
        )
    return ReviewResult(
        "merged",
        record_id=target.id,
        changed=sorted(plan.changes),
        filled=sorted(plan.fill),
        replaced=sorted(plan.replace),
        kept=kept,
        message=merge_message(target.id, plan),
    )


def conflict_record(session: Session, conflict: Conflict) -> Lead | Agreement | None:
    kind = Kind.AGREEMENT if conflict.tab == Tab.AGREEMENTS else Kind.LEAD  # a lead's: no tab
    return get_record(session, kind, conflict.record_id)


def _claim_conflict(session: Session, conflict: Conflict, side: str, value: Any) -> None:
    """Mark ``conflict`` resolved only if it still is open, in one conditional
    UPDATE (on PostgreSQL it waits for a concurrent resolver's commit): a
    resolver that finds it closed meanwhile raises ``StaleDataError``, so
    :func:`~integration.store.guarded.run_guarded` takes the action again and
    answers that it is already resolved; two resolutions never both land."""
    now = utcnow()
    claimed = session.execute(
        update(Conflict)
        .where(Conflict.id == conflict.id, Conflict.resolved_at.is_(None))
        .values(resolved_at=now, resolved_value=value, resolution=f"chose_{side}")
        .execution_options(synchronize_session=False)
    )
    if rows_affected(claimed) != 1:
        raise StaleDataError(f"conflict {conflict.id} was resolved meanwhile")
    session.expire(conflict, ["resolved_at", "resolved_value", "resolution"])


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
    kind = records.kind_of(record)
    check_conflict(actor, conflict.partner, owner_of(kind, record))
    if isinstance(record, Lead) and record.erased_at is not None:
        raise ReviewError("erased", f"Record {conflict.record_id} was erased.")
    value = conflict.sheet_value if side == "sheet" else conflict.store_value
    _claim_conflict(session, conflict, side, value)
    changed = _update(session, record, {conflict.field: value}, source=source)
    records.request_sync(
        session,
        conflict.partner,
        trigger=Trigger.API,
        reason=f"resolved conflict {conflict.id}",
        tab=conflict.tab,
    )
    return ReviewResult("resolved", record_id=record.id, changed=sorted(changed))
