"""What every planning rule shares: the plan being built, cell and status writes,
normalising a row as its partner, and putting a row in quarantine.

:class:`PlanContext` is one tab's planning state, made once per plan by
:func:`.planner.plan_tab` and handed to every rule: each rule module
(:mod:`.layout`, :mod:`.pending`, :mod:`.valve`, :mod:`.existing`,
:mod:`.new_rows`) is a set of functions over it, so a rule reads as a few named
steps over this shared state, and no rule inherits another.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from integration.events import event_table
from integration.identity import Key, first_match
from integration.issues import duplicate_problem
from integration.kinds import RecordKind, record_kind
from integration.ownership import OWNER_FIELD, Actor, may_change
from integration.validation import check_row
from integration.validation.cross_rules import InMemoryLeads, check_agreement
from integration.vocabulary import fold

from .. import messages, sheet_rows
from ..merge import FieldConflict
from ..snapshot import SheetRow, TabSnapshot
from .model import (
    Plan,
    QuarantineItem,
    Settings,
    StoreRecord,
    StoreState,
    fingerprint,
    sync_issue,
)

#: When the sheet was last edited, asked only when a conflict needs it (newest_wins)
ChangedAt = Callable[[], datetime | None]


@dataclass(eq=False)
class PlanContext:
    """One tab's planning state: the inputs (the snapshot, the store state, the
    settings), the plan being built, and what the rules remember between rows.

    The plan is frozen: its collections are filled while planning, and its single
    values (the layout, the stamp, an abort) are set with :meth:`update`, which
    makes a new plan over the same collections. Once :func:`.planner.plan_tab`
    returns it, nothing changes it."""

    snapshot: TabSnapshot
    state: StoreState
    s: Settings
    plan: Plan
    #: the tab's columns with the service columns (set by :mod:`.layout`)
    layout: sheet_rows.Layout
    #: column number -> the header text as the partner wrote it
    header_names: dict[int, str] = field(default_factory=dict)
    #: the sheet writes as its partner: it changes only that partner's records
    actor: Actor = field(init=False)
    #: this sync's "Last synced" value (made unique by :mod:`.pending`)
    stamp: str = field(init=False)
    party: sheet_rows.PartyIndex | None = field(init=False)
    lookup: InMemoryLeads | None = field(init=False)
    today: date = field(init=False)
    #: when the sheet was last edited, for newest_wins (None: "now"); asked once
    changed_at: ChangedAt | None = None
    #: CRM IDs the sheet's rows carry (and those a row without one gets back)
    sheet_ids: set[str] = field(default_factory=set)
    #: firm key -> ref of the first new record of this tab with it
    new_keys: dict[tuple[str, ...], int] = field(default_factory=dict)
    #: ref -> registration key of new records that have one
    new_regs: dict[int, tuple[str, ...]] = field(default_factory=dict)
    applied_fps: set[str] = field(default_factory=set)
    valid_rows: set[int] = field(default_factory=set)
    seen_fps: set[str] = field(default_factory=set)
    next_ref: int = 0

    def __post_init__(self) -> None:
        self.actor = Actor(self.s.partner, "sheet")
        self.stamp = self.plan.stamp  # (the settings tell it once: "now" may move)
        names_parties = bool(self.spec.party_columns)
        self.party = sheet_rows.PartyIndex(self.state.party_leads) if names_parties else None
        self.lookup = InMemoryLeads(self.state.party_leads) if names_parties else None
        self.today = self.s.today or date.today()

    @classmethod
    def start(
        cls,
        snapshot: TabSnapshot,
        state: StoreState,
        settings: Settings,
        changed_at: ChangedAt | None = None,
    ) -> PlanContext:
        plan = Plan(
            kind=state.kind,
            tab=settings.tab,
            partner=settings.partner,
            locale=settings.locale,
            stamp=settings.stamp,
        )
        return cls(snapshot, state, settings, plan, snapshot.layout, changed_at=changed_at)

    @property
    def kind(self) -> str:
        return self.state.kind

    @property
    def spec(self) -> RecordKind:
        """What the tab's kind of record is (:mod:`integration.kinds`)."""
        return record_kind(self.state.kind)

    @property
    def locale(self) -> str:
        return self.s.locale

    def update(self, **values: Any) -> None:
        """Set single values of the plan being built (a new plan, the same collections)."""
        self.plan = dataclasses.replace(self.plan, **values)

    @cached_property
    def sheet_changed_at(self) -> datetime | None:
        """When the sheet was last edited (newest_wins): asked the first time a
        conflict needs it, and only then; None when it cannot be told."""
        if self.s.sheet_changed_at is not None or self.changed_at is None:
            return self.s.sheet_changed_at
        return self.changed_at()

    # -- cells -------------------------------------------------------------------
    def set_cell(self, row: int, col: int | None, value: Any, current: Any) -> bool:
        """Plan a cell write unless the cell holds ``value`` already."""
        if col is None:
            return False
        cur = None if current == "" else current
        if cur == value and type(cur) is type(value):
            return False
        if cur is None and value is None:
            return False
        self.plan.cells[(row, col)] = value
        return True

    def set_status(self, r: SheetRow, text: Any) -> bool:
        return self.set_cell(
            r.number, self.layout.status_col, text, sheet_rows.cell(r.cells, self.layout.status_col)
        )

    def touch(self, row: int) -> None:
        """Stamp the row's "Last synced" cell with this sync's stamp."""
        if self.layout.synced_col is not None:
            self.plan.cells[(row, self.layout.synced_col)] = self.stamp

    def fp_id(self, record_id: str) -> str:
        """The quarantine name of a row carrying ``record_id``."""
        return fingerprint(self.s.partner, self.s.tab, "id", record_id)

    # -- reading a row as its partner ---------------------------------------------
    def owns(self, rec: StoreRecord) -> bool:
        """Whether this tab's partner may change ``rec`` (:mod:`integration.ownership`)."""
        return may_change(self.actor, rec.owner)

    def normalise(self, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
        resolver = self.party.resolve if self.party is not None else None
        record, issues = check_row(
            self.kind,
            raw,
            self.locale,
            partner=self.s.partner,
            resolve_party=resolver,
            partners=self.s.partners,
        )
        owner_field = OWNER_FIELD[self.kind]
        owner = record.get(owner_field)
        if isinstance(owner, str) and not may_change(self.actor, owner):
            # A partner column naming another partner: the sheet cannot give a
            # record away, nor create one for someone else.
            # Named by the column's own header, as the partner sees it.
            header = self.layout.headers.get(owner_field, owner_field)
            owner_issue = sync_issue(
                owner_field, "owner", self.locale, self.kind, partner=self.s.partner, field=header
            )
            issues = [*issues, owner_issue]
        if self.party is not None and self.party.ambiguous:
            fixed = []
            for item in issues:
                if item.code == "party":
                    column = "seller" if item.field == "seller_id" else "buyer"
                    value = sheet_rows.clean_line(str(raw.get(column, "")))
                    if value in self.party.ambiguous:
                        item = sync_issue(
                            item.field, "ambiguous", self.locale, self.kind, value=value
                        )
                fixed.append(item)
            issues = fixed
        return record, issues

    def cross_issues(self, record: Mapping[str, Any]) -> list[Any]:
        """Rules across records (an agreement's parties and dates)."""
        if self.spec.party_columns:
            assert self.lookup is not None
            return check_agreement(record, self.lookup, today=self.today, locale=self.locale)
        return []

    def find_firm(
        self, keys: Sequence[Key], exclude_id: str | None = None
    ) -> tuple[Key, int | tuple[str, str]] | None:
        """The firm that has ``keys`` (:func:`integration.identity.first_match`)
        and the key that found it: the ref of an earlier new record of this tab,
        or ``(id, owner)`` of a stored lead other than ``exclude_id``; None when
        it is a new firm."""

        def candidates(key: Key) -> list[int | tuple[str, str]]:
            found: list[int | tuple[str, str]] = []
            ref = self.new_keys.get(key)
            if ref is not None:
                found.append(ref)
            stored = self.state.lead_keys.get(key)
            if stored is not None and stored[0] != exclude_id:
                found.append(stored)
            return found

        def registration_of(candidate: int | tuple[str, str]) -> Key | None:
            if isinstance(candidate, int):
                return self.new_regs.get(candidate)
            return self.state.lead_regs.get(candidate[0])

        def foreign(candidate: int | tuple[str, str]) -> bool:
            return not isinstance(candidate, int) and candidate[1] != self.s.partner

        return first_match(keys, candidates, registration_of, foreign)

    # -- quarantine and status texts ----------------------------------------------
    def quarantine(
        self,
        r: SheetRow,
        fp: str,
        errors: list[dict[str, Any]],
        status: str,
        duplicate_of: str | None = None,
    ) -> None:
        closed = self.state.quarantine_closed.get(fp)
        if closed is not None:
            # A person already merged or dismissed this row: say so, keep it out.
            self.seen_fps.add(fp)
            if self.set_status(r, self.closed_text(closed)):
                self.touch(r.number)
            return
        if fp in self.seen_fps:
            # A second row with the same key in this sheet: its own entry, stably named.
            fp = fingerprint(self.s.partner, self.s.tab, "again", fp, r.hash)
        self.seen_fps.add(fp)
        self.add_quarantine(r, fp, errors, duplicate_of)
        if self.set_status(r, status):
            self.touch(r.number)

    def quarantine_issues(self, r: SheetRow, fp: str, issues: list[Any]) -> None:
        """Keep an invalid row out of the store; its status cell lists the issues."""
        self.quarantine(
            r,
            fp,
            [i.as_data() for i in issues],
            messages.join_issues([i.message for i in issues]),
        )
        self.plan.counts["invalid"] += 1

    def add_quarantine(
        self,
        r: SheetRow,
        fp: str,
        errors: list[dict[str, Any]],
        duplicate_of: str | None,
    ) -> None:
        """A quarantine entry for the row, or an update of its open one."""
        existing = self.state.quarantine_open.get(fp)
        self.plan.quarantine.append(
            QuarantineItem(
                row=r.number,
                fingerprint=fp,
                raw=self.raw_cells(r.cells),
                errors=errors,
                duplicate_of=duplicate_of,
                existing_id=existing[0] if existing else None,
            )
        )

    def raw_cells(self, cells: Sequence[Any]) -> dict[str, Any]:
        """The row as the partner sees it: header text -> non-empty cell."""
        return {
            self.header_names.get(i, str(i)): v for i, v in enumerate(cells) if v not in (None, "")
        }

    def status_ok(
        self,
        record_id: str | None,
        new_conflicts: list[FieldConflict],
        data: Mapping[str, Any],
    ) -> str:
        """The status of a row that was applied: ``OK``, or what staff should still
        look at (a conflict, an Event value not on the event list)."""
        notes: list[str] = []
        items = list(self.state.open_conflicts.get(record_id, [])) if record_id else []
        items += [(c.field, c.winner) for c in new_conflicts]
        if items:
            # named as the partner's own header names them
            fields = sorted({self.layout.headers.get(f, f) for f, _ in items})
            notes.append(messages.conflict_text(fields, items[-1][1], self.locale))
        notes += self.notice_texts(data)
        if not notes:
            return messages.OK
        return notes[0] if len(notes) == 1 else messages.join_issues(notes)

    @cached_property
    def event_words(self) -> dict[str, str]:
        """Every folded word naming a listed event (built once per tab, not per row)."""
        return event_table(self.s.events)

    @cached_property
    def _notice_texts(self) -> dict[str, tuple[str, ...]]:
        return {}

    def notice_texts(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        """:meth:`notices` as sentences, rendered once per Event value: a tab of
        100,000 rows naming the same unlisted event has one sentence, shared by
        every status cell, not 100,000 copies of it."""
        value = data.get("event")
        key = value if isinstance(value, str) else ""
        texts = self._notice_texts.get(key)
        if texts is None:
            texts = self._notice_texts[key] = tuple(i.message for i in self.notices(data))
        return texts

    def notices(self, data: Mapping[str, Any]) -> list[Any]:
        """What is worth telling staff about a valid record without keeping it out:
        a lead's Event that names no event of the project's list (kept as typed,
        counted under its own words in the report)."""
        if not self.s.events or "event" not in self.layout.fields:
            return []  # (no Event column to check: only a kind with the field maps one)
        value = data.get("event")
        if not isinstance(value, str) or not value.strip():
            return []
        if fold(value) in self.event_words:
            return []
        header = self.layout.headers.get("event", "event")
        return [
            sync_issue("event", "event_unknown", self.locale, self.kind, field=header, value=value)
        ]

    def closed_text(self, closed: tuple[str, str | None]) -> str:
        resolution, other = closed
        if resolution == "merged" and other:
            return messages.text("merged", self.locale, id=other)
        return messages.text("dismissed", self.locale)

    def dup_error(self, other_id: str, owner: str | None = None) -> dict[str, Any]:
        return duplicate_problem(other_id, owner or self.s.partner)
