"""Planning one tab's sync (pure): what was read + store state + base -> a Plan.

Nothing here touches the network or the database, so every rule (identity by CRM
ID, deduplication of new rows, the mass-deletion valve, GDPR tombstones, conflict
policies, quarantine) is tested directly. :mod:`.apply` carries a plan out.

New records get their ids only when the plan is applied; until then cells refer to
them through :class:`NewId` / :class:`Deferred` placeholders.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from integration.identity import key_hash, natural_key
from integration.ownership import OWNER_FIELD, Actor, may_change
from integration.store.records import PERSONAL_FIELDS
from integration.validation import check_row, validate_record
from integration.validation.cross_rules import InMemoryLeads, check_agreement

from . import mapping, messages
from .merge import FieldConflict, merge_record

COUNT_KEYS = (
    "rows",
    "created",
    "updated",
    "unchanged",
    "invalid",
    "duplicates",
    "conflicts",
    "archived",
    "restored",
    "appended",
    "erased",
    "blank",
)


# -- inputs ----------------------------------------------------------------------
@dataclass(frozen=True)
class StoreRecord:
    id: str
    data: Mapping[str, Any]
    version: int
    owner: str
    updated_at: datetime | None = None
    archived: bool = False
    erased: bool = False


#: ``row_hash`` prefix of a base written just before a record is appended to the
#: sheet, followed by the append's "Last synced" stamp: the row may or may not have
#: arrived. If any row of the sheet carries that stamp, the write landed (and a
#: missing row was deleted by the partner); if none does, it is appended again.
PENDING = "pending:"


@dataclass(frozen=True)
class Shadow:
    base: Mapping[str, Any]
    row_hash: str | None = None
    version: int | None = None
    #: The base as it stands if the sheet write that stamped ``pending_base_stamp``
    #: into this record's row landed (see :meth:`_Planner.effective_shadow`).
    pending_base: Mapping[str, Any] | None = None
    pending_base_stamp: str | None = None

    @property
    def pending(self) -> bool:
        return bool(self.row_hash) and self.row_hash.startswith(PENDING)

    @property
    def pending_stamp(self) -> str:
        return self.row_hash[len(PENDING) :] if self.pending and self.row_hash else ""


@dataclass
class StoreState:
    """What the store knows that one tab's plan needs, loaded in a few queries."""

    kind: str
    partner: str = ""
    tab: str = ""
    records: dict[str, StoreRecord] = field(default_factory=dict)
    shadows: dict[str, Shadow] = field(default_factory=dict)
    #: identity natural key -> (lead id, owning partner) of live, not erased leads
    lead_keys: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)
    tombstones: frozenset[str] = frozenset()
    issued_max: int = 0
    #: record id -> [(field, winner)] of conflicts not yet reviewed
    open_conflicts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: fingerprint -> (entry id, row number) of unresolved quarantine entries
    quarantine_open: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    #: fingerprint -> (resolution, duplicate_of) of entries a person resolved
    quarantine_closed: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    party_leads: list[Mapping[str, Any]] = field(default_factory=list)
    previous_columns: Mapping[str, str] | None = None
    #: sheet row number -> fingerprint of its data cells (filled by :func:`detail_needed`)
    row_hashes: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    partner: str
    tab: str  # "leads" | "agreements"
    locale: str = "en"
    policy: str = "sheet_wins"
    mass_delete_share: float = 0.2
    mass_delete_min_rows: int = 5
    now: datetime | None = None
    today: date | None = None
    #: when the sheet was last edited (for newest_wins); None: "now"
    sheet_changed_at: datetime | None = None

    @property
    def stamp(self) -> str:
        now = self.now or datetime.now().astimezone()
        return now.isoformat(timespec="seconds").replace("+00:00", "Z")


# -- outputs ---------------------------------------------------------------------
@dataclass(frozen=True)
class NewId:
    """The id a new record will get when the plan is applied."""

    ref: int


@dataclass(frozen=True)
class Deferred:
    """A text naming a new record's id (``Duplicate of {id} (LV)``)."""

    template: str
    ref: int


@dataclass
class NewRecord:
    ref: int
    row: int
    data: dict[str, Any]
    base: dict[str, Any]
    row_hash: str
    fixed_id: str | None = None  # an id written by an interrupted sync, reused


@dataclass
class Update:
    id: str
    changes: dict[str, Any]
    expected_version: int


@dataclass
class QuarantineItem:
    row: int
    fingerprint: str
    raw: dict[str, Any]
    errors: list[dict[str, Any]]
    duplicate_of: str | None = None
    existing_id: int | None = None  # update this open entry instead of adding one


@dataclass
class Plan:
    kind: str
    tab: str
    partner: str
    creates: list[NewRecord] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    archives: list[str] = field(default_factory=list)
    restores: list[str] = field(default_factory=list)
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)
    appends: list[tuple[str, list[Any]]] = field(default_factory=list)
    append_at: int = 2  # first sheet row for appended records
    width: int = 0  # columns the tab needs
    quarantine: list[QuarantineItem] = field(default_factory=list)
    resolve: list[tuple[int, str]] = field(default_factory=list)
    conflicts: list[tuple[str, FieldConflict]] = field(default_factory=list)
    shadows: dict[str, Shadow] = field(default_factory=dict)
    #: record id -> its base once this plan's cell writes into its (existing) row
    #: have landed; stored before the sheet write, with :attr:`stamp`
    pending_bases: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: record id -> a stored pending base whose write the row shows landed (its
    #: "Last synced" cell carries the pending stamp): made the base before this
    #: plan's sheet write, which overwrites that stamp (and, for a new pending base,
    #: the stored one), so a failed commit after it cannot lose what the row says
    landed_bases: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: record ids of pending appends the sheet's stamps show landed: no longer
    #: pending from before this plan's write, which may overwrite the last stamp
    #: that shows it (so a row the partner deleted since is archived, not re-added)
    landed_appends: list[str] = field(default_factory=list)
    drop_shadows: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> header (snapshot)
    drift: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    aborted: str | None = None
    stamp: str = ""  # the "Last synced" value this plan writes

    @property
    def cells_to_write(self) -> int:
        return len(self.cells) + sum(
            sum(1 for v in row if v is not None) for _, row in self.appends
        )

    @property
    def has_sheet_writes(self) -> bool:
        return bool(self.cells or self.appends)

    @property
    def has_store_changes(self) -> bool:
        return bool(
            self.creates
            or self.updates
            or self.archives
            or self.restores
            or self.quarantine
            or self.resolve
            or self.conflicts
            or self.shadows
            or self.drop_shadows
        )

    def summary(self) -> dict[str, int]:
        out = {key: int(self.counts.get(key, 0)) for key in COUNT_KEYS}
        out["cells_written"] = self.cells_to_write
        out["rows_appended"] = len(self.appends)
        return out


def _unique_stamp(stamp: str, seen: set[str]) -> str:
    """This sync's "Last synced" value, different from every one already in the
    sheet: a pending append is recognised by it (see :data:`PENDING`)."""
    if stamp not in seen:
        return stamp
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    while True:
        when += timedelta(seconds=1)
        candidate = when.isoformat(timespec="seconds").replace("+00:00", "Z")
        if candidate not in seen:
            return candidate


def fingerprint(partner: str, tab: str, *parts: Any) -> str:
    blob = json.dumps([partner, tab, *parts], ensure_ascii=False, default=str, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _tombstoned(record: Mapping[str, Any], tombstones: frozenset[str]) -> bool:
    if not tombstones:
        return False
    key = natural_key(record)
    hashes = [key_hash(key)] if key else []
    if record.get("email"):
        hashes.append(key_hash(("email", str(record["email"]).strip().lower())))
    return any(h in tombstones for h in hashes)


class _Planner:
    def __init__(
        self, rows: Sequence[Sequence[Any]], state: StoreState, settings: Settings
    ) -> None:
        self.rows = rows
        self.state = state
        self.s = settings
        self.kind = state.kind
        self.plan = Plan(kind=self.kind, tab=settings.tab, partner=settings.partner)
        #: the sheet writes as its partner: it changes only that partner's records
        self.actor = Actor(settings.partner, "sheet")
        self.locale = settings.locale
        self.stamp = settings.stamp
        self.plan.stamp = self.stamp
        self.party = mapping.PartyIndex(state.party_leads) if self.kind == "agreement" else None
        self.lookup = InMemoryLeads(state.party_leads) if self.kind == "agreement" else None
        self.today = settings.today or date.today()
        self.new_keys: dict[tuple[str, ...], int] = {}
        self.applied_fps: set[str] = set()
        self.valid_rows: set[int] = set()
        self.seen_fps: set[str] = set()
        self.next_ref = 0
        self.stamps_seen: set[str] = set()

    # -- helpers -------------------------------------------------------------
    def set_cell(self, row: int, col: int | None, value: Any, current: Any) -> bool:
        if col is None:
            return False
        cur = None if current == "" else current
        if cur == value and type(cur) is type(value):
            return False
        if cur is None and value is None:
            return False
        self.plan.cells[(row, col)] = value
        return True

    def set_status(self, row: int, cells: Sequence[Any], text: Any) -> bool:
        changed = self.set_cell(
            row, self.layout.status_col, text, mapping.cell(cells, self.layout.status_col)
        )
        return changed

    def touch(self, row: int) -> None:
        if self.layout.synced_col is not None:
            self.plan.cells[(row, self.layout.synced_col)] = self.stamp

    def normalise(self, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        resolver = self.party.resolve if self.party is not None else None
        record, issues = check_row(
            self.kind, raw, self.locale, partner=self.s.partner, resolve_party=resolver
        )
        owner_field = OWNER_FIELD[self.kind]
        owner = record.get(owner_field)
        if isinstance(owner, str) and not may_change(self.actor, owner):
            # A partner column naming another partner: the sheet cannot give a
            # record away, nor create one for someone else.
            header = self.layout.headers.get(owner_field, owner_field)
            text = messages.text("owner", self.locale, field=header, partner=self.s.partner.upper())
            issues = [*issues, _Issue(owner_field, "owner", text)]
        if self.party is not None and self.party.ambiguous:
            fixed = []
            for item in issues:
                if item.code == "party":
                    column = "seller" if item.field == "seller_id" else "buyer"
                    value = mapping.clean_line(str(raw.get(column, "")))
                    if value in self.party.ambiguous:
                        item = type(item)(
                            item.field,
                            "ambiguous",
                            mapping.ambiguous_message(item.field, value, self.locale),
                        )
                fixed.append(item)
            issues = fixed
        return record, issues

    def cross_issues(self, record: Mapping[str, Any], own_id: str | None) -> list[Any]:
        if self.kind == "agreement":
            assert self.lookup is not None
            return check_agreement(record, self.lookup, today=self.today, locale=self.locale)
        return []

    def quarantine(
        self,
        row: int,
        cells: Sequence[Any],
        raw: Mapping[str, Any],
        fp: str,
        errors: list[dict[str, Any]],
        status: str,
        duplicate_of: str | None = None,
    ) -> None:
        closed = self.state.quarantine_closed.get(fp)
        if closed is not None:
            # A person already merged or dismissed this row: say so, keep it out.
            self.seen_fps.add(fp)
            if self.set_status(row, cells, self.closed_text(closed)):
                self.touch(row)
            return
        if fp in self.seen_fps:
            # A second row with the same key in this sheet: its own entry, stably named.
            fp = fingerprint(self.s.partner, self.s.tab, "again", fp, mapping.row_hash(raw))
        self.seen_fps.add(fp)
        existing = self.state.quarantine_open.get(fp)
        raw_cells = {
            self.header_names.get(i, str(i)): v for i, v in enumerate(cells) if v not in (None, "")
        }
        self.plan.quarantine.append(
            QuarantineItem(
                row=row,
                fingerprint=fp,
                raw=raw_cells,
                errors=errors,
                duplicate_of=duplicate_of,
                existing_id=existing[0] if existing else None,
            )
        )
        if self.set_status(row, cells, status):
            self.touch(row)

    def status_ok(self, record_id: str, new_conflicts: list[FieldConflict]) -> str:
        items = list(self.state.open_conflicts.get(record_id, []))
        items += [(c.field, c.winner) for c in new_conflicts]
        if not items:
            return messages.OK
        # named as the partner's own header names them
        fields = sorted({self.layout.headers.get(f, f) for f, _ in items})
        return messages.conflict_text(fields, items[-1][1], self.locale)

    # -- main ----------------------------------------------------------------
    def run(self) -> Plan:
        plan = self.plan
        header = list(self.rows[0]) if self.rows else []
        data_rows = self.rows[1:] if self.rows else []
        if not any(mapping.clean_line(h) if isinstance(h, str) else h for h in header):
            if any(any(v not in (None, "") for v in r) for r in data_rows):
                plan.aborted = "the tab has data but no header row (row 1 is empty)"
                return plan
            header = mapping.default_header(self.kind, self.locale)
            for col, text in enumerate(header):
                plan.cells[(1, col)] = text
        layout = mapping.layout_for(header, self.kind)
        if not layout.fields and any(any(v not in (None, "") for v in r) for r in data_rows):
            plan.aborted = "no column of the header row is recognised; is this the right tab?"
            return plan
        used = max((len(r) for r in data_rows), default=0)
        layout, added = mapping.with_service_columns(layout, used)
        for col, name in added.items():
            plan.cells[(1, col)] = mapping.header_text(self.kind, name, self.locale)
        self.layout = layout
        self.header_names = {i: str(h) for i, h in enumerate(header) if h not in (None, "")}
        plan.width = max(layout.width, len(header))
        plan.columns = dict(layout.headers)
        plan.drift = mapping.drift(self.state.previous_columns, layout)

        parsed = []
        sheet_ids: set[str] = set()
        for offset, cells in enumerate(data_rows):
            row = offset + 2
            raw = mapping.row_raw(layout, cells)
            rid, junk = mapping.row_id(self.kind, mapping.cell(cells, layout.id_col))
            if rid is None and junk is None and mapping.is_blank(raw):
                plan.counts["blank"] += 1
                continue
            if rid is not None and rid in sheet_ids:
                # A copied row carries someone else's id: it becomes a new row.
                self.set_cell(row, layout.id_col, None, mapping.cell(cells, layout.id_col))
                rid = None
            if rid is not None:
                sheet_ids.add(rid)
            parsed.append((row, cells, raw, rid, junk))
            stamp = mapping.cell(cells, layout.synced_col)
            if isinstance(stamp, str):
                self.stamps_seen.add(stamp)
        self.sheet_ids = sheet_ids
        # Unique also against the stamps of stored pending bases: a row must never
        # carry a pending stamp unless that pending write is what put it there.
        pending_stamps = {sh.pending_base_stamp for sh in self.state.shadows.values()}
        pending_stamps |= {sh.pending_stamp for sh in self.state.shadows.values()}
        pending_stamps.discard(None)
        pending_stamps.discard("")
        self.stamp = _unique_stamp(self.stamp, self.stamps_seen | pending_stamps)
        plan.stamp = self.stamp

        vanished = self.vanished()
        live = [
            r
            for r, sh in self.state.shadows.items()
            if (not sh.pending or self.landed(sh))
            and r in self.state.records
            and not self.state.records[r].archived
            and self.owns(self.state.records[r])
        ]
        if len(vanished) >= self.s.mass_delete_min_rows and len(
            vanished
        ) > self.s.mass_delete_share * len(live):
            plan.aborted = (
                f"{len(vanished)} of {len(live)} rows with a CRM ID vanished from the sheet at "
                f"once (limit: more than {self.s.mass_delete_share:.0%} and at least "
                f"{self.s.mass_delete_min_rows}); nothing was applied. Restore the rows, or "
                "archive the records in the CRM if the deletion was intended."
            )
            plan.cells.clear()
            return plan

        for row, cells, raw, rid, junk in parsed:
            plan.counts["rows"] += 1
            if junk is not None:
                self.unknown_id(row, cells, raw, junk)
            elif rid is None:
                self.new_row(row, cells, raw)
            elif rid in self.state.records:
                self.existing_row(row, cells, raw, self.state.records[rid])
            elif self.reserved(rid):
                self.new_row(row, cells, raw, fixed_id=rid)
            else:
                self.unknown_id(row, cells, raw, rid)

        for rid in vanished:
            plan.archives.append(rid)
            plan.drop_shadows.append(rid)
            plan.counts["archived"] += 1
        for rid in self.state.shadows:
            rec = self.state.records.get(rid)
            if (rec is None or not self.owns(rec)) and rid not in plan.drop_shadows:
                # gone, or moved to another partner by an admin: no longer this tab's
                plan.drop_shadows.append(rid)

        self.appends(len(self.rows) + 1 if self.rows else 2)
        self.stamp_outside_appends(parsed)
        plan.landed_appends = sorted(
            r for r, sh in self.state.shadows.items() if sh.pending and self.landed(sh)
        )
        for fp, (entry_id, row_number) in self.state.quarantine_open.items():
            if fp in self.seen_fps:
                continue
            applied = fp in self.applied_fps or (row_number in self.valid_rows)
            plan.resolve.append((entry_id, "applied" if applied else "removed"))
        return plan

    def stamp_outside_appends(self, parsed: Sequence[tuple[int, Any, Any, Any, Any]]) -> None:
        """Put this sync's stamp on one existing record's row too when it appends.
        The stamp is how the next sync tells an append that landed from one that
        did not; carried by the appended rows alone, a partner deleting them
        before this sync's commit would make a landed append look failed, and the
        deleted rows would be appended again."""
        plan, col = self.plan, self.layout.synced_col
        if not plan.appends or col is None:
            return
        if any(c == col and row < plan.append_at for row, c in plan.cells):
            return  # an existing row carries the stamp already
        for row, _cells, _raw, rid, junk in parsed:
            if junk is None and rid in self.state.records:
                self.touch(row)
                return

    def vanished(self) -> list[str]:
        out = []
        for rid in sorted(self.state.shadows):
            rec = self.state.records.get(rid)
            shadow = self.state.shadows[rid]
            if shadow.pending and not self.landed(shadow):
                continue  # its append never reached the sheet: append it again
            if (
                rec is not None
                and not rec.archived
                and rid not in self.sheet_ids
                and self.owns(rec)  # a row deleted here never archives another's record
            ):
                out.append(rid)
        return out

    def owns(self, rec: StoreRecord) -> bool:
        """Whether this tab's partner may change ``rec`` (:mod:`integration.ownership`)."""
        return may_change(self.actor, rec.owner)

    def foreign_row(
        self, row: int, cells: Sequence[Any], raw: Mapping[str, Any], rec: StoreRecord
    ) -> None:
        """A row naming another partner's record (a copied row, or a record an
        admin moved): nothing of it is applied; it is kept in quarantine and its
        status cell says whose record it is."""
        text = messages.text("foreign", self.locale, id=rec.id, partner=rec.owner.upper())
        fp = fingerprint(self.s.partner, self.s.tab, "id", rec.id)
        self.quarantine(
            row, cells, raw, fp, [{"field": "id", "code": "owner", "message": text}], text
        )
        self.plan.counts["invalid"] += 1

    def effective_shadow(self, shadow: Shadow, cells: Sequence[Any]) -> Shadow:
        """The base to merge against. A sync that wrote store values into this row
        but died before its commit left a pending base: if the row's "Last synced"
        cell still carries that write's stamp, the write landed and the sheet holds
        those values, so the pending base is what both sides agree on; otherwise
        (the write failed, or the row was written again since) the old base is."""
        stamp = shadow.pending_base_stamp
        if (
            stamp
            and shadow.pending_base is not None
            and self.layout.synced_col is not None
            and mapping.cell(cells, self.layout.synced_col) == stamp
        ):
            return Shadow(shadow.pending_base, shadow.row_hash, shadow.version)
        return Shadow(shadow.base, shadow.row_hash, shadow.version)

    def landed(self, shadow: Shadow) -> bool:
        """Whether the append behind a pending base reached the sheet."""
        return bool(shadow.pending_stamp) and shadow.pending_stamp in self.stamps_seen

    def reserved(self, rid: str) -> bool:
        try:
            return 0 < int(rid[2:]) <= self.state.issued_max
        except ValueError:
            return False

    def unknown_id(
        self, row: int, cells: Sequence[Any], raw: Mapping[str, Any], value: str
    ) -> None:
        text = messages.text("unknown_id", self.locale, value=value)
        fp = fingerprint(self.s.partner, self.s.tab, "id", value)
        error = {"field": "id", "code": "reference", "message": text}
        self.quarantine(row, cells, raw, fp, [error], text)
        self.plan.counts["invalid"] += 1

    # -- rows with a CRM ID ----------------------------------------------------
    def existing_row(
        self,
        row: int,
        cells: Sequence[Any],
        raw: Mapping[str, Any],
        rec: StoreRecord,
        *,
        shadow: Shadow | None = None,
        adopted: bool = False,
    ) -> None:
        plan, layout = self.plan, self.layout
        if not self.owns(rec):
            self.foreign_row(row, cells, raw, rec)
            return
        if not adopted:
            shadow = self.state.shadows.get(rec.id)
        if rec.archived:
            if shadow is not None:
                if self.set_status(row, cells, messages.text("archived", self.locale)):
                    self.touch(row)
                plan.counts["unchanged"] += 1
                return
            plan.restores.append(rec.id)
            plan.counts["restored"] += 1
        h = self.state.row_hashes.get(row) or mapping.row_hash(raw)
        if (
            shadow is not None
            and not adopted
            and shadow.row_hash == h
            and shadow.version == rec.version
            and not (
                self.state.quarantine_open
                and fingerprint(self.s.partner, self.s.tab, "id", rec.id)
                in self.state.quarantine_open
            )
        ):
            # Neither the row nor the record changed since the base.
            if self.set_status(row, cells, self.status_ok(rec.id, [])):
                self.touch(row)
            plan.counts["unchanged"] += 1
            self.valid_rows.add(row)
            return
        fp = fingerprint(self.s.partner, self.s.tab, "id", rec.id)
        record, issues = self.normalise(raw)
        if rec.erased:
            record = {k: v for k, v in record.items() if k not in PERSONAL_FIELDS}
        if not issues:
            issues = self.cross_issues(record, rec.id)
        if issues:
            self.quarantine(
                row,
                cells,
                raw,
                fp,
                [i.as_dict() for i in issues],
                messages.join_issues([i.message for i in issues]),
            )
            plan.counts["invalid"] += 1
            return
        stored = shadow
        if shadow is not None and not adopted:
            shadow = self.effective_shadow(shadow, cells)
            if shadow.base is not stored.base:
                plan.landed_bases[rec.id] = dict(shadow.base)
        fields = list(layout.fields)
        sheet_newer = True
        if self.s.policy == "newest_wins" and rec.updated_at is not None:
            changed_at = self.s.sheet_changed_at or self.s.now
            sheet_newer = changed_at is None or changed_at >= rec.updated_at
        base = dict(shadow.base) if shadow is not None else None
        result = merge_record(
            base, record, rec.data, fields, self.s.policy, sheet_newer=sheet_newer
        )
        if rec.erased:
            for name in PERSONAL_FIELDS:
                result.to_store.pop(name, None)
                if name in layout.fields and record.get(name) is None and raw.get(name) is not None:
                    result.to_sheet[name] = None
        if result.to_store:
            merged_record = {**rec.data, **result.to_store}
            merged_record = {k: v for k, v in merged_record.items() if v is not None}
            problems = validate_record(self.kind, merged_record, locale=self.locale)
            problems += self.cross_issues(merged_record, rec.id)
            if not problems and self.kind == "lead":
                key = natural_key(merged_record)
                other = self.state.lead_keys.get(key) if key else None
                if other is not None and other[0] != rec.id:
                    problems = [
                        _Issue(
                            "registration_code" if key[0] == "reg" else "email",
                            "duplicate",
                            messages.text(
                                "duplicate", self.locale, id=other[0], partner=other[1].upper()
                            ),
                        )
                    ]
            if problems:
                self.quarantine(
                    row,
                    cells,
                    raw,
                    fp,
                    [p.as_dict() for p in problems],
                    messages.join_issues([p.message for p in problems]),
                )
                plan.counts["invalid"] += 1
                return
        self.seen_fps.discard(fp)
        self.applied_fps.add(fp)
        self.valid_rows.add(row)
        if result.to_store:
            plan.updates.append(Update(rec.id, dict(result.to_store), rec.version))
        raw_after = dict(raw)
        wrote = False
        for name, value in result.to_sheet.items():
            cell_value = mapping.to_cell(self.kind, name, value, self.locale)
            col = layout.fields[name]
            wrote |= self.set_cell(row, col, cell_value, mapping.cell(cells, col))
            key = mapping.raw_key(self.kind, name)
            if cell_value is None:
                raw_after.pop(key, None)
            else:
                raw_after[key] = cell_value
        if adopted:
            wrote |= self.set_cell(row, layout.id_col, rec.id, mapping.cell(cells, layout.id_col))
        for c in result.conflicts:
            plan.conflicts.append((rec.id, c))
        plan.counts["conflicts"] += len(result.conflicts)
        wrote |= self.set_status(row, cells, self.status_ok(rec.id, result.conflicts))
        if wrote or result.to_store:
            self.touch(row)
        if result.changed or adopted:
            plan.counts["updated"] += 1
        else:
            plan.counts["unchanged"] += 1
        new_base = dict(shadow.base) if shadow is not None else {}
        new_base.update(result.merged)
        new_base = {k: v for k, v in new_base.items() if v is not None}
        version = None if result.to_store else rec.version
        new_shadow = Shadow(new_base, mapping.row_hash(raw_after), version)
        # against the stored shadow: a pending base left behind is cleared too
        if adopted or rec.archived or new_shadow != stored:
            plan.shadows[rec.id] = new_shadow
        if shadow is not None and not adopted and result.to_sheet:
            # Should the commit not follow the sheet write, the store values written
            # into the row are agreed on; fields going to the store are not (yet).
            pending = dict(shadow.base)
            pending.update(result.to_sheet)
            pending = {k: v for k, v in pending.items() if v is not None}
            if pending != dict(shadow.base):
                plan.pending_bases[rec.id] = pending

    # -- rows without a CRM ID ---------------------------------------------------
    def new_row(
        self, row: int, cells: Sequence[Any], raw: Mapping[str, Any], fixed_id: str | None = None
    ) -> None:
        plan, layout = self.plan, self.layout
        record, issues = self.normalise(raw)
        key = natural_key(record) if self.kind == "lead" else None
        if fixed_id:
            fp = fingerprint(self.s.partner, self.s.tab, "id", fixed_id)
        elif key:
            fp = fingerprint(self.s.partner, self.s.tab, "key", *key)
        else:
            fp = fingerprint(self.s.partner, self.s.tab, "raw", mapping.row_hash(raw))
        if self.kind == "lead" and _tombstoned(record, self.state.tombstones):
            wrote = False
            for name in PERSONAL_FIELDS:
                col = layout.fields.get(name)
                wrote |= self.set_cell(row, col, None, mapping.cell(cells, col))
            wrote |= self.set_status(row, cells, messages.text("erased", self.locale))
            if wrote:
                self.touch(row)
            plan.counts["erased"] += 1
            return
        if not issues:
            issues = self.cross_issues(record, None)
        if issues:
            self.quarantine(
                row,
                cells,
                raw,
                fp,
                [i.as_dict() for i in issues],
                messages.join_issues([i.message for i in issues]),
            )
            plan.counts["invalid"] += 1
            return
        if key and not fixed_id:
            closed = self.state.quarantine_closed.get(fp)
            if closed is not None:
                if self.set_status(row, cells, self.closed_text(closed)):
                    self.touch(row)
                plan.counts["duplicates"] += 1
                return
            if key in self.new_keys:
                ref = self.new_keys[key]
                template = messages.text(
                    "duplicate", self.locale, id="{id}", partner=self.s.partner.upper()
                )
                status = Deferred(template, ref)
                self.seen_fps.add(fp)
                existing = self.state.quarantine_open.get(fp)
                plan.quarantine.append(
                    QuarantineItem(
                        row,
                        fp,
                        self.raw_cells(cells),
                        [self.dup_error("{id}")],
                        duplicate_of=None,
                        existing_id=existing[0] if existing else None,
                    )
                )
                plan.quarantine[-1].duplicate_of = f"ref:{ref}"
                plan.cells[(row, layout.status_col)] = status
                self.touch(row)
                plan.counts["duplicates"] += 1
                return
            found = self.state.lead_keys.get(key)
            if found is not None:
                other_id, owner = found
                rec = self.state.records.get(other_id)
                if (
                    owner == self.s.partner
                    and rec is not None
                    and other_id not in self.sheet_ids
                    and other_id not in self.state.shadows
                    and not rec.archived
                ):
                    # The store has this firm for this partner but it was never in
                    # the sheet (a web form, an interrupted sync): this row is it.
                    self.sheet_ids.add(other_id)
                    self.existing_row(row, cells, raw, rec, shadow=None, adopted=True)
                    return
                status = messages.text("duplicate", self.locale, id=other_id, partner=owner.upper())
                self.quarantine(
                    row,
                    cells,
                    raw,
                    fp,
                    [self.dup_error(other_id, owner)],
                    status,
                    duplicate_of=other_id,
                )
                plan.counts["duplicates"] += 1
                return
        ref = self.next_ref
        self.next_ref += 1
        fields = list(layout.fields)
        data = dict(record)
        base = {f: data[f] for f in fields if data.get(f) is not None}
        plan.creates.append(NewRecord(ref, row, data, base, mapping.row_hash(raw), fixed_id))
        if key:
            self.new_keys[key] = ref
        if fixed_id is None:
            plan.cells[(row, layout.id_col)] = NewId(ref)
        self.set_status(row, cells, messages.OK)
        self.touch(row)
        self.applied_fps.add(fp)
        self.valid_rows.add(row)
        plan.counts["created"] += 1

    def closed_text(self, closed: tuple[str, str | None]) -> str:
        resolution, other = closed
        if resolution == "merged" and other:
            return messages.text("merged", self.locale, id=other)
        return messages.text("dismissed", self.locale)

    def raw_cells(self, cells: Sequence[Any]) -> dict[str, Any]:
        return {
            self.header_names.get(i, str(i)): v for i, v in enumerate(cells) if v not in (None, "")
        }

    def dup_error(self, other_id: str, owner: str | None = None) -> dict[str, Any]:
        text = messages.text(
            "duplicate", self.locale, id=other_id, partner=(owner or self.s.partner).upper()
        )
        return {"field": "", "code": "duplicate", "message": text}

    # -- store records missing from the sheet -----------------------------------
    def appends(self, first_row: int) -> None:
        plan, layout = self.plan, self.layout
        plan.append_at = first_row
        for rid in sorted(self.state.records):
            rec = self.state.records[rid]
            if (
                rec.owner != self.s.partner
                or rec.archived
                or rid in self.sheet_ids
                or (
                    rid in self.state.shadows
                    and not (
                        self.state.shadows[rid].pending and not self.landed(self.state.shadows[rid])
                    )
                )
            ):
                continue
            row = [None] * plan.width
            raw: dict[str, Any] = {}
            for name, col in layout.fields.items():
                value = mapping.to_cell(self.kind, name, rec.data.get(name), self.locale)
                row[col] = value
                if value is not None:
                    raw[mapping.raw_key(self.kind, name)] = value
            row[layout.id_col] = rid
            row[layout.status_col] = self.status_ok(rid, [])
            row[layout.synced_col] = self.stamp
            base = {f: rec.data[f] for f in layout.fields if rec.data.get(f) is not None}
            plan.appends.append((rid, row))
            plan.shadows[rid] = Shadow(base, mapping.row_hash(raw), rec.version)
            plan.counts["appended"] += 1


@dataclass(frozen=True)
class _Issue:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


def detail_needed(
    rows: Sequence[Sequence[Any]], state: StoreState, settings: Settings
) -> tuple[set[str], bool]:
    """Which records the plan will look into beyond their fingerprints, and whether
    any row needs normalising at all (new rows, edited rows).

    A re-sync of an unchanged tab then loads no record data and no base from the
    store: only ids, versions and row fingerprints. Row fingerprints computed here
    are kept in ``state.row_hashes`` for the plan.
    """
    header = list(rows[0]) if rows else []
    layout = mapping.layout_for(header, state.kind)
    unshadowed = {
        rid for rid in state.records if rid not in state.shadows or state.shadows[rid].pending
    }
    if layout.id_col is None:
        return set(state.records), True
    need: set[str] = set(unshadowed)
    seen: set[str] = set()
    work = False
    for offset, cells in enumerate(rows[1:]):
        row = offset + 2
        raw = mapping.row_raw(layout, cells)
        rid, junk = mapping.row_id(state.kind, mapping.cell(cells, layout.id_col))
        if rid is None or rid in seen:
            if junk is not None or not mapping.is_blank(raw):
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
        h = mapping.row_hash(raw)
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
    return need, work or bool(unshadowed)


def plan_tab(rows: Sequence[Sequence[Any]], state: StoreState, settings: Settings) -> Plan:
    """Decide one tab's sync from the cells read (row 1 = header) and the store state."""
    return _Planner(rows, state, settings).run()
