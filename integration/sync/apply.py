"""The store side of carrying out a plan: ids, and one store transaction.

:mod:`.carry_out` runs the steps in order; this module is what they do to the
store. Order matters for convergence. New ids are reserved first (their own small
transaction) and bound into a new plan (:func:`bind_ids`), then the sheet is
written (:mod:`.sheet_write`: one ``spreadsheets.batchUpdate`` of new columns,
changed cells, appended rows inserted and filled, and the tab's aids), and only
after the sheet write succeeded does one store transaction create, update and
archive records, log conflicts, quarantine rows and move the base forward. If the
sheet write fails, the store is untouched and the next sync starts from the same
base; if the store transaction fails after the sheet was written, the next sync
finds the reserved ids in the sheet and creates those records then, so nothing is
lost and nothing is created twice.
New leads are created by the store's one create (:mod:`integration.store.lead_create`),
under their firms' locks and looked up again inside the store transaction: a
firm another writer created since the plan was made is not created a second
time; its row is kept in quarantine as a duplicate naming that lead
(:func:`settle_refused`, which returns a new plan), and the next sync's plan,
seeing the row's reserved id never became a record, treats it like any duplicate
row (or, for a person erased meanwhile, like any erased person's row).
A conflict whose store value is about to replace the partner's cell is logged
before the write (:func:`log_overwriting_conflicts`): after that write the two
sides agree, and only the log still holds what the partner had typed. Before
the sheet write, :mod:`.pending_bases` records what the written rows will say.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from integration import vanished
from integration.issues import duplicate_problem
from integration.kinds import record_kind
from integration.store import records as rec_ops
from integration.store.db import Store
from integration.store.firm_locks import lock_payload
from integration.store.lead_create import NewLead, create_leads
from integration.store.models import (
    Agreement,
    AuditEntry,
    Conflict,
    QuarantineEntry,
    SyncShadow,
    SyncTab,
    utcnow,
)
from integration.store.queries import MODELS
from integration.store.shadows import upsert_shadows

from .pending_bases import CHUNK, mark_pending_bases
from .plan import Deferred, NewId, Plan, QuarantineItem, fingerprint
from .state import sheet_source

__all__ = [
    "StoreApplied",
    "apply_store",
    "bind_ids",
    "log_overwriting_conflicts",
    "mark_pending_bases",
]


def bind_ids(plan: Plan, ids: list[str]) -> Plan:
    """The plan with each new record's id (:attr:`.plan.Plan.new_ids`: reused,
    else the next of ``ids``) filled into the cells and quarantine entries that
    name it (a new plan)."""
    by_ref: dict[int, str] = {}
    pool = iter(ids)
    for new in plan.creates:
        by_ref[new.ref] = new.fixed_id or next(pool)

    def bound(value: Any) -> Any:
        if isinstance(value, NewId):
            return by_ref[value.ref]
        if isinstance(value, Deferred):
            return value.template.replace("{id}", by_ref[value.ref])
        return value

    quarantine = []
    for item in plan.quarantine:
        if item.duplicate_of and item.duplicate_of.startswith("ref:"):
            item = _naming(item, by_ref[int(item.duplicate_of[4:])], "{id}")
        quarantine.append(item)
    return dataclasses.replace(
        plan,
        cells={pos: bound(value) for pos, value in plan.cells.items()},
        quarantine=quarantine,
        new_ids=by_ref,
    )


def _naming(item: QuarantineItem, other: str, named: str) -> QuarantineItem:
    """The quarantine entry as a duplicate of ``other``, its messages naming it
    where they named ``named``."""
    return dataclasses.replace(
        item,
        duplicate_of=other,
        errors=[_renamed(e, named, other) for e in item.errors],
    )


def _renamed(error: Mapping[str, Any], named: str, other: str) -> dict[str, Any]:
    """A problem naming ``other`` where its ``id`` parameter named ``named``: its
    sentence is rendered from the parameters, so it names ``other`` too."""
    params = error.get("params")
    if isinstance(params, Mapping) and params.get("id") == named:
        return {**error, "params": {**params, "id": other}}
    return dict(error)


def settle_refused(plan: Plan, refused: Mapping[str, rec_ops.Refused]) -> Plan:
    """The plan after the store's create refused some of its new leads (looked up
    again under the firms' locks, :mod:`integration.store.lead_create`): a firm
    another writer stored since the plan was made goes to :attr:`Plan.lost_races`
    and its row to quarantine as a duplicate naming that lead (its status
    follows on the next sync); a person erased meanwhile is stored nowhere, and
    the next sync, finding the row's reserved id never became a record, clears
    the row as it does for any erased person's row (a new plan)."""
    lost_races: dict[str, str] = {}
    added: list[QuarantineItem] = []
    for new in plan.creates:
        new_id = plan.new_ids[new.ref]
        refusal = refused.get(new_id)
        if refusal is None or refusal.reason != "duplicate" or refusal.other_id is None:
            continue
        found_id, owner = refusal.other_id, refusal.other_partner or ""
        lost_races[new_id] = found_id
        added.append(
            QuarantineItem(
                row=new.row,
                # the name the next sync gives the row, which carries the reserved id
                fingerprint=fingerprint(plan.partner, plan.tab, "id", new_id),
                raw={k: v for k, v in new.data.items() if k != "partner"},
                errors=[duplicate_problem(found_id, owner)],
                duplicate_of=found_id,
            )
        )
    if not lost_races:
        return plan
    quarantine = []
    for item in [*plan.quarantine, *added]:  # rows this plan made duplicates of a lost one
        winner = lost_races.get(item.duplicate_of or "")
        if winner is not None:
            item = _naming(item, winner, item.duplicate_of or "")
        quarantine.append(item)
    return dataclasses.replace(
        plan, quarantine=quarantine, lost_races={**plan.lost_races, **lost_races}
    )


def _create_new(session: Session, plan: Plan, source: str) -> tuple[Plan, set[str]]:
    """The plan's new records; returns the plan as the store's refusals leave it
    (:func:`settle_refused`) and the ids not created. Leads through the
    store's one create (locks, tombstones, firms, then one executemany); new
    agreements as two bulk INSERTs, so the first sync of a 10,000-row tab never
    pays for 20,000 ORM round trips."""
    if not plan.creates:
        return plan, set()
    by_ref = plan.new_ids
    if record_kind(plan.kind).is_firm:
        refused = create_leads(
            session,
            [NewLead(by_ref[new.ref], new.data) for new in plan.creates],
            source=source,
        )
        return settle_refused(plan, refused), set(refused)
    now = utcnow()
    rows, audits = [], []
    for new in plan.creates:
        obj = Agreement(id=by_ref[new.ref], data=rec_ops.clean_data(new.data), version=1)
        obj.reporting_partner = obj.data["reporting_partner"]
        rec_ops.apply_agreement_columns(obj)
        obj.created_at = obj.updated_at = now
        rows.append({c.key: getattr(obj, c.key, None) for c in Agreement.__mapper__.column_attrs})
        audits.append(
            {
                "at": now,
                "record_id": obj.id,
                "kind": plan.kind,
                "action": "create",
                "source": source,
                "partner": obj.reporting_partner,
                "changes": {k: [None, v] for k, v in obj.data.items()},
            }
        )
    for start in range(0, len(rows), CHUNK):
        session.execute(Agreement.__table__.insert(), rows[start : start + CHUNK])
        session.execute(AuditEntry.__table__.insert(), audits[start : start + CHUNK])
    return plan, set()


def _load(session: Session, model: Any, ids: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        # locked until the commit: a concurrent write of one of them waits for the
        # sync, so the version compared below is the one the update replaces
        query = select(model).where(model.id.in_(chunk)).order_by(model.id).with_for_update()
        for obj in session.scalars(query):
            out[obj.id] = obj
    return out


@dataclass(frozen=True)
class StoreApplied:
    """What the store transaction did besides the plan: records skipped because
    they changed while the sync ran (their base stays, the next sync merges them),
    and new leads another writer stored first (:attr:`.plan.Plan.lost_races`)."""

    skipped: int = 0
    lost_races: int = 0


def apply_store(
    store: Store,
    plan: Plan,
    *,
    policy: str,
    sync_run_id: int | None,
    sheet_id: int | None = None,
) -> StoreApplied:
    """The store half of a plan whose ids are bound (:func:`bind_ids`), in one
    transaction."""
    source = sheet_source(plan.partner)
    now = utcnow()
    with store.session() as session:
        # first, before any other write: the new leads' firm locks, their firms
        # and tombstones looked up again under them, then the creates
        plan, not_created = _create_new(session, plan, source)
        objects = _load(session, MODELS[plan.kind], _stored_ids(plan))
        changed_since = _changed_since(plan, objects)  # before this sync writes any
        skipped = _restore(session, plan, objects, source)
        skipped |= _update(session, plan, objects, skipped, source)
        for rid in plan.archives:
            if rid in objects:
                rec_ops.archive_record(session, objects[rid], source=source)
        conflicts = [(rid, c) for rid, c in plan.conflicts if rid not in skipped]
        _log_conflicts(session, plan, conflicts, policy=policy, sync_run_id=sync_run_id)
        _quarantine(session, plan, now)
        _bases(session, plan, objects, skipped | not_created | changed_since, now)
        _snapshot(session, plan, sheet_id, now)
        archived = {r: plan.vanished_rows[r] for r in plan.archives if r in plan.vanished_rows}
        restored = [rid for rid in plan.restores if rid not in skipped]
        vanished.record_archived(
            session, plan.partner, plan.tab, plan.kind, archived, restored, now
        )
    return StoreApplied(len(skipped), len(plan.lost_races))


def _stored_ids(plan: Plan) -> list[str]:
    """The stored records the plan writes or moves the base of (not its new ones)."""
    new = set(plan.new_ids.values())
    return sorted(
        {u.id for u in plan.updates}
        | set(plan.archives)
        | set(plan.restores)
        | {rid for rid in plan.shadows if rid not in new}
    )


def _changed_since(plan: Plan, objects: Mapping[str, Any]) -> set[str]:
    """The records written since the plan read them (a patch, an erasure): their
    base stays where it was, or the next sync would take the sheet for agreed."""
    return {
        rid
        for rid, shadow in plan.shadows.items()
        if shadow.version is not None and rid in objects and objects[rid].version != shadow.version
    }


def _restore(session: Session, plan: Plan, objects: Mapping[str, Any], source: str) -> set[str]:
    """Restore the plan's archived records whose rows came back; returns those the
    store refused: another partner stored the firm since the plan was made, so the
    record stays archived, without a base, and the next sync's plan says so."""
    refused: set[str] = set()
    for rid in plan.restores:
        if rid in objects:
            try:
                rec_ops.restore_record(session, objects[rid], source=source)
            except rec_ops.Refused:
                refused.add(rid)
    return refused


def _update(
    session: Session,
    plan: Plan,
    objects: Mapping[str, Any],
    skipped: set[str],
    source: str,
) -> set[str]:
    """Apply the plan's updates; returns the ones not applied: a record gone,
    refused a restore, changed since the plan read it, or whose new values the
    store refuses (an erased person's identifier or another partner's firm typed
    into an existing row: never stored, and the planner says so in the row)."""
    not_applied: set[str] = set()
    for upd in plan.updates:
        obj = objects.get(upd.id)
        if upd.id in skipped or obj is None or obj.version != upd.expected_version:
            not_applied.add(upd.id)
            continue
        try:
            rec_ops.update_record(session, obj, upd.changes, source=source)
        except rec_ops.Refused:
            not_applied.add(upd.id)
    return not_applied


def _bases(
    session: Session, plan: Plan, objects: Mapping[str, Any], unbased: set[str], now: Any
) -> None:
    """Move the bases of the records written (all but ``unbased``) forward, and
    record the rows where the other records now are."""
    by_ref = plan.new_ids
    placed = _placed_rows(plan, by_ref)
    written = _shadows(session, plan, by_ref, objects, unbased, now, placed)
    moved = {rid: n for rid, n in placed.items() if rid not in written}
    _row_numbers(session, plan, {**moved, **plan.rows_at})


def _placed_rows(plan: Plan, by_ref: Mapping[int, str]) -> dict[str, int]:
    """The sheet row of each record this plan creates from a row or appends, so
    staff can be told where a row was if it vanishes (:mod:`integration.vanished`)."""
    rows: dict[str, int] = {}
    for new in plan.creates:
        rid = by_ref.get(new.ref)
        if rid is not None and rid not in plan.lost_races:
            rows[rid] = new.row
    for offset, (rid, _cells) in enumerate(plan.appends):
        rows[rid] = plan.append_at + offset
    return rows


def _row_numbers(session: Session, plan: Plan, rows: Mapping[str, int]) -> None:
    """Record where rows whose base already existed are now (moved, re-appended)."""
    if not rows:
        return
    table = SyncShadow.__table__
    session.execute(
        table.update()
        .where(
            table.c.partner == bindparam("p"),
            table.c.tab == bindparam("t"),
            table.c.record_id == bindparam("r"),
        )
        .values(row_number=bindparam("n")),
        [{"p": plan.partner, "t": plan.tab, "r": rid, "n": n} for rid, n in rows.items()],
    )


def log_overwriting_conflicts(
    store: Store, plan: Plan, *, policy: str, sync_run_id: int | None
) -> None:
    """Before the sheet write, log each conflict the store's value wins: that write
    replaces the partner's value in the cell, and if the process dies before the
    store commit, the next sync sees both sides agree (and the pending base says
    so) -- the partner's value would be gone without a trace in the conflict log.
    The commit after the write does not log these again (see :func:`_log_conflicts`)."""
    conflicts = [(rid, c) for rid, c in plan.conflicts if c.winner == "store"]
    if not conflicts:
        return
    with store.session() as session:
        _log_conflicts(session, plan, conflicts, policy=policy, sync_run_id=sync_run_id)


def _log_conflicts(
    session: Session,
    plan: Plan,
    conflicts: list[tuple[str, Any]],
    *,
    policy: str,
    sync_run_id: int | None,
) -> None:
    """Log conflicts, each once: one already open with the same field and the same
    two values (logged before this sync's sheet write, or by a sync whose write
    never landed and that is now seen again) is not logged twice."""
    if not conflicts:
        return
    ids = sorted({rid for rid, _ in conflicts})
    open_same: set[tuple[str, str, str, str]] = set()
    for start in range(0, len(ids), CHUNK):
        for rid, fname, sheet, stored in session.execute(
            select(
                Conflict.record_id, Conflict.field, Conflict.sheet_value, Conflict.store_value
            ).where(
                Conflict.partner == plan.partner,
                Conflict.tab == plan.tab,
                Conflict.record_id.in_(ids[start : start + CHUNK]),
                Conflict.resolved_at.is_(None),
            )
        ):
            open_same.add((rid, fname, _json_key(sheet), _json_key(stored)))
    for rid, c in conflicts:
        key = (rid, c.field, _json_key(c.sheet), _json_key(c.store))
        if key in open_same:
            continue
        open_same.add(key)
        session.add(
            Conflict(
                partner=plan.partner,
                tab=plan.tab,
                record_id=rid,
                field=c.field,
                base_value=c.base,
                sheet_value=c.sheet,
                store_value=c.store,
                resolved_value=c.resolved,
                policy=policy,
                winner=c.winner,
                sync_run_id=sync_run_id,
            )
        )


def _json_key(value: Any) -> str:
    """A JSON value as comparable text (the conflict columns are JSON)."""
    return json.dumps(value, sort_keys=True, default=str)


def _quarantine(session: Session, plan: Plan, now: Any) -> None:
    existing_ids = [q.existing_id for q in plan.quarantine if q.existing_id is not None]
    existing = (
        {
            e.id: e
            for e in session.scalars(
                select(QuarantineEntry).where(QuarantineEntry.id.in_(existing_ids))
            )
        }
        if existing_ids
        else {}
    )
    changed = bool(plan.resolve)  # a row a merge request may name was closed or changed
    for item in plan.quarantine:
        entry = existing.get(item.existing_id) if item.existing_id is not None else None
        if entry is not None:
            # the store's rule for what quarantine keeps (no erased person's values),
            # under the person's locks as for a new entry (``records.quarantine``)
            lock_payload(session, item.raw)
            raw, errors = rec_ops.kept_payload(session, item.raw, item.errors, plan.partner)
            if (
                entry.raw != raw
                or entry.errors != errors
                or entry.row_number != item.row
                or entry.duplicate_of != item.duplicate_of
            ):
                changed = changed or entry.raw != raw or entry.duplicate_of != item.duplicate_of
                entry.raw, entry.errors = raw, errors
                entry.row_number, entry.duplicate_of = item.row, item.duplicate_of
                entry.updated_at = now
            continue
        rec_ops.quarantine(
            session,
            kind=plan.kind,
            source=sheet_source(plan.partner),
            raw=item.raw,
            errors=item.errors,
            partner=plan.partner,
            tab=plan.tab,
            row_number=item.row,
            fingerprint=item.fingerprint,
            duplicate_of=item.duplicate_of,
        )
    if plan.resolve:
        for entry_id, resolution in plan.resolve:
            session.execute(
                update(QuarantineEntry)
                .where(QuarantineEntry.id == entry_id, QuarantineEntry.resolved_at.is_(None))
                .values(resolved_at=now, resolution=resolution, updated_at=now)
            )
    if changed:
        # both sides see at once that a request about such a row is over
        rec_ops.end_merge_requests(session)


def _shadows(
    session: Session,
    plan: Plan,
    by_ref: Mapping[int, str],
    objects: Mapping[str, Any],
    skipped: set[str],
    now: Any,
    placed: Mapping[str, int],
) -> set[str]:
    """Move the bases (one upsert); returns the records whose base was written,
    those of them in ``placed`` with their row number in the same statement."""
    partner, tab = plan.partner, plan.tab
    if plan.drop_shadows:
        for start in range(0, len(plan.drop_shadows), CHUNK):
            chunk = plan.drop_shadows[start : start + CHUNK]
            session.query(SyncShadow).filter(
                SyncShadow.partner == partner,
                SyncShadow.tab == tab,
                SyncShadow.record_id.in_(chunk),
            ).delete(synchronize_session=False)
    wanted: dict[str, dict[str, Any]] = {}
    for new in plan.creates:
        if by_ref[new.ref] not in skipped:
            wanted[by_ref[new.ref]] = {
                "base": new.base,
                "row_hash": new.row_hash,
                "record_version": 1,
            }
    # moving the base settles any pending one (the sheet write behind it is done)
    settled = {"pending_base": None, "pending_base_stamp": None}
    for rid, shadow in plan.shadows.items():
        if rid in skipped:
            continue
        obj = objects.get(rid)
        version = obj.version if obj is not None else shadow.version
        wanted[rid] = {
            "base": dict(shadow.base),
            "row_hash": shadow.row_hash,
            "record_version": version,
            **settled,
        }
    placed_now = {rid: {"row_number": placed[rid]} for rid in wanted if rid in placed}
    upsert_shadows(
        session,
        (
            {
                "partner": partner,
                "tab": tab,
                "record_id": rid,
                "updated_at": now,
                **values,
                **placed_now.get(rid, {}),
            }
            for rid, values in wanted.items()
        ),
    )
    return set(wanted)


def _snapshot(session: Session, plan: Plan, sheet_id: int | None, now: Any) -> None:
    snap = session.get(SyncTab, (plan.partner, plan.tab))
    if snap is None:
        session.add(
            SyncTab(
                partner=plan.partner,
                tab=plan.tab,
                columns=plan.columns,
                sheet_id=sheet_id,
                updated_at=now,
            )
        )
    elif snap.columns != plan.columns or (sheet_id is not None and snap.sheet_id != sheet_id):
        snap.columns = plan.columns
        if sheet_id is not None:
            snap.sheet_id = sheet_id
        snap.updated_at = now
