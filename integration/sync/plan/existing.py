"""Rows with a CRM ID: ownership, archived and erased records, the three-way merge
with its conflict policy, and the base each row moves to.

A row is taken in steps: whose record it is (:func:`foreign_row`),
whether it is archived, whether anything changed since the base, whether it is
valid, the merge against the base, whether the merged record is valid, the writes
back into the row, and the new base.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integration.domain import ConflictPolicy
from integration.identity import firm_keys, key_field, tombstone_hashes
from integration.issues import ValidationIssue, issue
from integration.store.records import PERSONAL_FIELDS
from integration.validation import validate_record

from .. import messages, sheet_rows
from ..merge import MergeResult, merge_record
from ..snapshot import SheetRow
from .context import PlanContext
from .model import Shadow, StoreRecord, Update, sync_issue
from .pending import merge_base, pending_base


def existing_row(
    ctx: PlanContext,
    r: SheetRow,
    rec: StoreRecord,
    *,
    adopted: bool = False,
    reattached: bool = False,
) -> None:
    """Plan the row of stored record ``rec``. ``adopted``: a row without a CRM ID
    found to be ``rec``, which the sheet has never shown (no base).
    ``reattached``: a row without a CRM ID found to be ``rec``, whose row the
    sheet showed and lost (its id cleared): it gets the id back, merged
    against its base."""
    if not ctx.owns(rec):
        if rec.erased:  # erased, then moved to another partner: no copy stays here
            erase_row(ctx, r)
        else:
            foreign_row(ctx, r, rec)
        return
    stored = None if adopted else ctx.state.shadows.get(rec.id)
    if rec.archived and not restore(ctx, r, rec, stored):
        return
    if stored is not None and not adopted and not reattached and unchanged(ctx, r, rec, stored):
        return
    record = sheet_record(ctx, r, rec)
    if record is None:
        return
    shadow = stored if stored is None or adopted else merge_base(ctx, rec, stored, r.cells)
    result = merge(ctx, r, rec, record, shadow)
    if result.to_store and not merged_valid(ctx, r, rec, result):
        return
    ctx.valid_rows.add(r.number)
    raw_after = write_back(ctx, r, rec, result, adopted=adopted or reattached)
    settle(ctx, rec, shadow, stored, result, raw_after, adopted=adopted)


def erase_row(ctx: PlanContext, r: SheetRow) -> None:
    """A lead erased under GDPR typed in again, or the row of an erased lead
    another partner now owns: its personal cells are cleared and nothing of
    it is stored or kept for review."""
    wrote = False
    for name in PERSONAL_FIELDS:
        col = ctx.layout.fields.get(name)
        wrote |= ctx.set_cell(r.number, col, None, sheet_rows.cell(r.cells, col))
    wrote |= ctx.set_status(r, messages.text("erased", ctx.locale))
    if wrote:
        ctx.touch(r.number)
    ctx.plan.counts["erased"] += 1


def foreign_row(ctx: PlanContext, r: SheetRow, rec: StoreRecord) -> None:
    """A row naming another partner's record (a copied row, or a record an
    admin moved): nothing of it is applied; it is kept in quarantine and its
    status cell says whose record it is."""
    problem = issue(
        "owner",
        "id",
        ctx.locale,
        kind=ctx.kind,
        template="sync.foreign",
        id=rec.id,
        partner=rec.owner,
    )
    ctx.quarantine(r, ctx.fp_id(rec.id), [problem.as_data()], problem.message)
    ctx.plan.counts["invalid"] += 1


def unknown_id(ctx: PlanContext, r: SheetRow, value: str) -> None:
    """A CRM ID cell the store does not know (mistyped, or made up)."""
    problem = issue(
        "reference", "id", ctx.locale, kind=ctx.kind, template="sync.unknown_id", value=value
    )
    ctx.quarantine(r, ctx.fp_id(value), [problem.as_data()], problem.message)
    ctx.plan.counts["invalid"] += 1


def reserved(ctx: PlanContext, rid: str) -> bool:
    """Whether ``rid`` was issued to a record an interrupted sync never stored."""
    try:
        return 0 < int(rid[2:]) <= ctx.state.issued_max
    except ValueError:
        return False


def restore(ctx: PlanContext, r: SheetRow, rec: StoreRecord, stored: Shadow | None) -> bool:
    """An archived record's row: left alone (and said so) if the sheet showed it
    when it was archived; restored if the row came back. True: go on with it."""
    if stored is not None:
        if ctx.set_status(r, messages.text("archived", ctx.locale)):
            ctx.touch(r.number)
        ctx.plan.counts["unchanged"] += 1
        return False
    other = foreign_owner(ctx, rec)
    if other is not None:
        # while it was archived another partner stored the firm (a new row is
        # judged against live leads only): the row does not give the firm a
        # second owner, as a restore from the dashboard does not
        other_id, owner = other
        text = messages.text("restore_duplicate", ctx.locale, id=other_id, partner=owner.upper())
        ctx.quarantine(r, ctx.fp_id(rec.id), [ctx.dup_error(other_id, owner)], text, other_id)
        ctx.plan.counts["duplicates"] += 1
        return False
    ctx.plan.restores.append(rec.id)
    ctx.plan.counts["restored"] += 1
    return True


def foreign_owner(ctx: PlanContext, rec: StoreRecord) -> tuple[str, str] | None:
    """``(id, partner)`` of another partner's live lead that is archived lead
    ``rec``'s firm (the store's rule, :func:`integration.store.records.foreign_firm`,
    on the keys the plan holds), or None."""
    if not ctx.spec.is_firm:
        return None
    match = ctx.find_firm(firm_keys(rec.data), exclude_id=rec.id)
    found = match[1] if match is not None else None
    if isinstance(found, tuple) and found[1] != ctx.s.partner:
        return found
    return None


def unchanged(
    ctx: PlanContext,
    r: SheetRow,
    rec: StoreRecord,
    shadow: Shadow,
) -> bool:
    """Neither the row nor the record changed since the base (and the row is
    not in quarantine): nothing to read, only its status is kept right."""
    h = r.hash
    if not (
        shadow.row_hash == h
        and shadow.version == rec.version
        and not (ctx.state.quarantine_open and ctx.fp_id(rec.id) in ctx.state.quarantine_open)
    ):
        return False
    # (the record's data is not loaded for an unchanged row: the row shows it)
    shown = {"event": r.raw.get(sheet_rows.raw_key(ctx.kind, "event"))}
    if ctx.set_status(r, ctx.status_ok(rec.id, [], shown)):
        ctx.touch(r.number)
    ctx.plan.counts["unchanged"] += 1
    ctx.valid_rows.add(r.number)
    return True


def sheet_record(ctx: PlanContext, r: SheetRow, rec: StoreRecord) -> dict[str, Any] | None:
    """The row as a record, or None (quarantined) if it is not valid. An erased
    record takes no personal data from the sheet."""
    record, issues = ctx.normalise(r.raw)
    if rec.erased:
        record = {k: v for k, v in record.items() if k not in PERSONAL_FIELDS}
    if not issues:
        issues = ctx.cross_issues(record)
    if issues:
        ctx.quarantine_issues(r, ctx.fp_id(rec.id), issues)
        return None
    return record


def merge(
    ctx: PlanContext,
    r: SheetRow,
    rec: StoreRecord,
    record: Mapping[str, Any],
    shadow: Shadow | None,
) -> MergeResult:
    """Three-way merge of the row and the store against the base, under the
    tab's conflict policy."""
    base = dict(shadow.base) if shadow is not None else None
    fields = list(ctx.layout.fields)
    result = merge_record(
        base,
        record,
        rec.data,
        fields,
        ctx.s.policy,
        # asked only when a field conflicts: when the sheet changed may cost a call
        sheet_newer=lambda: sheet_is_newer(ctx, rec),
    )
    if rec.erased:
        keep_erased_out(ctx, r, record, result)
    return result


def sheet_is_newer(ctx: PlanContext, rec: StoreRecord) -> bool:
    """For newest_wins: whether the sheet was edited after the record (without
    a record time, the sheet counts as newer). Asked at a field's conflict only:
    the first asks when the sheet changed (:attr:`.context.PlanContext.sheet_changed_at`)."""
    if ctx.s.policy != ConflictPolicy.NEWEST_WINS:
        return True
    changed_at = ctx.sheet_changed_at or ctx.s.now
    if rec.updated_at is None:
        return True
    return changed_at is None or changed_at >= rec.updated_at


def keep_erased_out(
    ctx: PlanContext, r: SheetRow, record: Mapping[str, Any], result: MergeResult
) -> None:
    """An erased record's personal fields stay out of the store, and what the
    partner typed into them is cleared in the sheet."""
    for name in PERSONAL_FIELDS:
        result.to_store.pop(name, None)
        if name in ctx.layout.fields and record.get(name) is None and r.raw.get(name) is not None:
            result.to_sheet[name] = None


def merged_valid(
    ctx: PlanContext,
    r: SheetRow,
    rec: StoreRecord,
    result: MergeResult,
) -> bool:
    """Whether the record, with the sheet's changes, is still valid and does not
    become a duplicate of another lead; if not, the row is quarantined."""
    merged = {**rec.data, **result.to_store}
    merged = {k: v for k, v in merged.items() if v is not None}
    problems = validate_record(ctx.kind, merged, locale=ctx.locale, partners=ctx.s.partners)
    problems += ctx.cross_issues(merged)
    if not problems and ctx.spec.holds_persons:
        problems = erased_key(ctx, rec.data, merged)
    if not problems and ctx.spec.is_firm:
        problems = duplicate_key(ctx, rec.id, merged)
    if problems:
        ctx.quarantine_issues(r, ctx.fp_id(rec.id), problems)
        return False
    return True


def erased_key(
    ctx: PlanContext, before: Mapping[str, Any], after: Mapping[str, Any]
) -> list[ValidationIssue]:
    """An issue when the edit brings in an identifier of a person erased in the
    partner's scope (the store refuses it too: ``records.check_lead_values``)."""
    added = set(tombstone_hashes(after)) - set(tombstone_hashes(before))
    erased = added & ctx.state.tombstones
    if not erased:
        return []
    # the issue names the cell that brought the identifier (phone, e-mail, code)
    field = next(
        (f for f in ("phone", "email") if set(tombstone_hashes({f: after.get(f)})) & erased),
        "registration_code" if "registration_code" in after else "email",
    )
    return [sync_issue(field, "erased", ctx.locale, ctx.kind)]


def duplicate_key(
    ctx: PlanContext, record_id: str, record: Mapping[str, Any]
) -> list[ValidationIssue]:
    """A duplicate issue when the lead, as edited, is another lead's firm (by
    any of its keys): the edit would make two leads of one firm."""
    match = ctx.find_firm(firm_keys(record), exclude_id=record_id)
    if match is None or isinstance(match[1], int):
        # (a new row of this tab is checked against this lead, not the reverse)
        return []
    key, found = match
    assert not isinstance(found, int)
    other_id, owner = found
    return [
        sync_issue(key_field(key), "duplicate", ctx.locale, ctx.kind, id=other_id, partner=owner)
    ]


def write_back(
    ctx: PlanContext,
    r: SheetRow,
    rec: StoreRecord,
    result: MergeResult,
    *,
    adopted: bool,
) -> dict[str, Any]:
    """Plan the store update and the row's cells (store values, the CRM ID of an
    adopted row, the status); returns the row as it will read afterwards."""
    plan, layout = ctx.plan, ctx.layout
    fp = ctx.fp_id(rec.id)
    ctx.seen_fps.discard(fp)
    ctx.applied_fps.add(fp)
    if result.to_store:
        plan.updates.append(Update(rec.id, dict(result.to_store), rec.version))
    raw_after = dict(r.raw)
    wrote = False
    for name, value in result.to_sheet.items():
        cell_value = sheet_rows.to_cell(ctx.kind, name, value, ctx.locale)
        col = layout.fields[name]
        wrote |= ctx.set_cell(r.number, col, cell_value, sheet_rows.cell(r.cells, col))
        key = sheet_rows.raw_key(ctx.kind, name)
        if cell_value is None:
            raw_after.pop(key, None)
        else:
            raw_after[key] = cell_value
    if adopted:
        wrote |= ctx.set_cell(
            r.number, layout.id_col, rec.id, sheet_rows.cell(r.cells, layout.id_col)
        )
    for c in result.conflicts:
        plan.conflicts.append((rec.id, c))
    plan.counts["conflicts"] += len(result.conflicts)
    wrote |= ctx.set_status(
        r, ctx.status_ok(rec.id, result.conflicts, {**rec.data, **result.to_store})
    )
    if wrote or result.to_store:
        ctx.touch(r.number)
    plan.counts["updated" if result.changed or adopted else "unchanged"] += 1
    return raw_after


def settle(
    ctx: PlanContext,
    rec: StoreRecord,
    shadow: Shadow | None,
    stored: Shadow | None,
    result: MergeResult,
    raw_after: Mapping[str, Any],
    *,
    adopted: bool,
) -> None:
    """The row's new base, and the pending base its sheet write leads to."""
    new_base = dict(shadow.base) if shadow is not None else {}
    new_base.update(result.merged)
    new_base = {k: v for k, v in new_base.items() if v is not None}
    version = None if result.to_store else rec.version
    new_shadow = Shadow(new_base, sheet_rows.row_hash(raw_after), version)
    # against the stored shadow: a pending base left behind is cleared too
    if adopted or rec.archived or new_shadow != stored:
        ctx.plan.shadows[rec.id] = new_shadow
    if shadow is not None and not adopted:
        pending_base(ctx, rec, shadow, result)
