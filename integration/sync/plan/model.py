"""What a tab's plan is made of: the inputs it reads (store records, bases, the
store state, settings) and the plan it returns, with the placeholders that name new
records until the plan is applied. Data only: the rules live in the sibling modules.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from integration.domain import ConflictPolicy
from integration.issues import ValidationIssue, issue
from integration.kinds import of_tab

from ..counts import ROW_KEYS, Counts
from ..merge import FieldConflict
from ..snapshot import Rows, TabSnapshot, read_snapshot

#: "Last synced" in the partner's time zone, to the second (the header's note
#: names the zone): readable, and still unique per sync (see ``unique_stamp``).
LOCAL_STAMP = "%Y-%m-%d %H:%M:%S"

if TYPE_CHECKING:
    from integration.events import Event

    from ..sheet_rows import Layout

#: the plan's counts (:class:`..counts.Counts`)
COUNT_KEYS = ROW_KEYS


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
    #: into this record's row landed (see :func:`.pending.effective_shadow`).
    pending_base: Mapping[str, Any] | None = None
    pending_base_stamp: str | None = None
    #: the sheet row the record's row was last seen on (None: not known yet); not
    #: part of the base, so a row that only moved is no base change
    row: int | None = field(default=None, compare=False)

    @property
    def pending(self) -> bool:
        return self.row_hash is not None and self.row_hash.startswith(PENDING)

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
    #: firm key (:func:`integration.identity.firm_keys`) -> (lead id, owning
    #: partner) of live, not erased leads; the first lead by id when several share
    #: it, this partner's own first
    lead_keys: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)
    #: lead id -> its registration key, for those leads that have one (a weaker
    #: key must not match across two different codes)
    lead_regs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    tombstones: frozenset[str] = frozenset()
    issued_max: int = 0
    #: record id -> [(field, winner)] of conflicts not yet reviewed
    open_conflicts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: fingerprint -> (entry id, row number) of unresolved quarantine entries
    quarantine_open: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    #: fingerprint -> (resolution, duplicate_of) of entries a person resolved
    quarantine_closed: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    party_leads: list[Mapping[str, Any]] = field(default_factory=list)
    #: agreement id -> (seller, buyer) lead ids, of the partner's agreements
    parties: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    #: lead id -> its name, country, code, e-mail: the parties those agreements name
    party_names: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    previous_columns: Mapping[str, str] | None = None

    def add_lead(self, lead_id: str, owner: str, keys: Sequence[tuple[str, ...]]) -> None:
        """Index a stored lead by its firm keys (leads added in id order, so a key
        several share finds the oldest; this tab's partner's own lead before
        another's, as another partner's firm is found by the natural key only)."""
        for key in keys:
            held = self.lead_keys.get(key)
            if held is None or (held[1] != self.partner and owner == self.partner):
                self.lead_keys[key] = (lead_id, owner)
            if key[0] == "reg":
                self.lead_regs[lead_id] = key


@dataclass(frozen=True)
class Settings:
    partner: str
    tab: str  # "leads" | "agreements"
    locale: str = "en"
    #: the configured partner codes, the only ones a record's partner fields may
    #: hold; None checks only a code's shape
    partners: frozenset[str] | None = None
    policy: ConflictPolicy = ConflictPolicy.SHEET_WINS
    mass_delete_share: float = 0.2
    mass_delete_min_rows: int = 5
    now: datetime | None = None
    today: date | None = None
    #: when the sheet was last edited (for newest_wins); None: "now"
    sheet_changed_at: datetime | None = None
    #: the partner's own headers for this tab (header text -> record field), from
    #: ``[partners.columns.<tab>]``; they win over the vocabulary's aliases
    columns: Mapping[str, str] = field(default_factory=dict)
    #: the tab's header row (1-based) from ``[partners.header_row]``; None: found
    header_row: int | None = None
    #: staff accepted that the rows vanished: no deletion stop, they are archived
    accept_deletions: bool = False
    #: the project's shared event list: a lead's Event that names none of them is
    #: kept and its status cell says so (empty: no list, nothing to check)
    events: tuple[Event, ...] = ()

    def read(self, rows: Rows) -> TabSnapshot:
        """The snapshot of this tab read as ``rows`` (row 1 first), its header
        found as the partner's settings say (:func:`..snapshot.read_snapshot`)."""
        return read_snapshot(rows, of_tab(self.tab).kind, self.columns, self.header_row)

    #: the partner's time zone: "Last synced" is written in it, as the partner
    #: reads every other time (None: UTC, ISO with "Z", as before)
    zone: tzinfo | None = None

    @property
    def stamp(self) -> str:
        now = self.now or datetime.now().astimezone()
        if self.zone is not None:
            return now.astimezone(self.zone).strftime(LOCAL_STAMP)
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


@dataclass(frozen=True)
class NewRecord:
    ref: int
    row: int
    data: dict[str, Any]
    base: dict[str, Any]
    row_hash: str
    fixed_id: str | None = None  # an id written by an interrupted sync, reused


@dataclass(frozen=True)
class Update:
    id: str
    changes: dict[str, Any]
    expected_version: int


@dataclass(frozen=True)
class QuarantineItem:
    row: int
    fingerprint: str
    raw: dict[str, Any]
    errors: list[dict[str, Any]]
    duplicate_of: str | None = None
    existing_id: int | None = None  # update this open entry instead of adding one


@dataclass(frozen=True)
class Plan:
    """One tab's plan: what the sheet and the store are to become. Made once by
    :func:`.planner.plan_tab` and not changed afterwards; a step that must change
    it after planning (ids bound to new records, rows re-addressed, a race lost
    in the store) returns a new plan (``dataclasses.replace``)."""

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
    #: the header's sheet row (1-based): data rows start below it, rows above are
    #: never written (a title)
    header_row: int = 1
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
    #: what the header row told the sync (:func:`..header_report.header_report`), as JSON
    header_report: dict[str, Any] | None = None
    #: which column holds which field (None when the plan aborted before reading it)
    layout: Layout | None = None
    counts: Counter[str] = field(default_factory=Counter)
    aborted: str | None = None
    #: why the plan stopped, as a code (:mod:`integration.sync.stop_reasons`)
    stop_reason: str | None = None
    #: the deletion stop's text in the partner's language (for the sheet), when
    #: the plan stopped because too many rows vanished; which records they were
    deletion_stop: str | None = None
    vanished: list[str] = field(default_factory=list)
    #: record id -> the sheet row it was last seen on, of every record whose row
    #: vanished (held by the deletion stop, or archived by this plan)
    vanished_rows: dict[str, int | None] = field(default_factory=dict)
    #: record id -> the sheet row its row is on now, where that moved since the
    #: last sync (kept so staff are told where a row was when it vanishes)
    rows_at: dict[str, int] = field(default_factory=dict)
    stamp: str = ""  # the "Last synced" value this plan writes
    locale: str = "en"  # the partner's language, for texts written when applied
    #: new lead id -> the lead it turned out to duplicate when applied (another
    #: writer, a webhook, created the same firm after this plan was made)
    lost_races: dict[str, str] = field(default_factory=dict)
    #: new record ref -> its id, once bound (:func:`..apply.bind_ids`; empty before)
    new_ids: Mapping[int, str] = field(default_factory=dict)

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
            or self.rows_at
        )

    def summary(self) -> Counts:
        """What the plan counts, and the cells and rows it would write."""
        return Counts.of({key: self.counts.get(key, 0) for key in COUNT_KEYS}).with_(
            cells_written=self.cells_to_write, rows_appended=len(self.appends)
        )


def fingerprint(partner: str, tab: str, *parts: Any) -> str:
    """A stable name for a row's quarantine entry, so that the next sync finds it."""
    blob = json.dumps([partner, tab, *parts], ensure_ascii=False, default=str, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def sync_issue(field: str, code: str, locale: str, kind: str, /, **params: Any) -> ValidationIssue:
    """A problem the planner itself finds in a row (owner, duplicate, ambiguous
    party): a validation issue whose sentence is the sync's own ``sync.<code>``."""
    return issue(code, field, locale, kind=kind, template=f"sync.{code}", **params)
