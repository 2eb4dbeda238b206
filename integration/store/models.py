"""SQLAlchemy models of the central store.

Record fields are defined by the JSON Schemas, not here: a lead or agreement keeps
its schema values in the ``data`` JSON column, and only the handful of fields that
queries filter, join or deduplicate on are copied into indexed columns by
:func:`integration.store.records.apply_data`. This keeps the schemas the single
source of truth while the store stays queryable on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from integration.domain import SyncOutcome

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware now; every timestamp in the store is UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps that come back timezone-aware (UTC) on both engines.

    SQLite has no timezone type and hands back naive values; comparing those with
    aware ones raises, so every value is normalised to aware UTC at the boundary.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime()}

    if TYPE_CHECKING:
        # every model here is mapped to one Table (SQLAlchemy types it as any
        # FromClause, which bulk inserts and upserts do not take)
        __table__: ClassVar[Table]


class Partner(Base):
    """A partner chamber, mirrored from the partners file at start-up."""

    __tablename__ = "partners"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    locale: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    spreadsheet_id: Mapped[str] = mapped_column(String(200))


class LeadIdSeq(Base):
    """One row per issued lead id; the database's autoincrement makes ids unique
    under concurrent inserts on both engines without a lock of our own."""

    __tablename__ = "lead_id_seq"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)


class AgreementIdSeq(Base):
    __tablename__ = "agreement_id_seq"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)


class Lead(Base):
    __tablename__ = "leads"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    partner: Mapped[str] = mapped_column(ForeignKey("partners.code"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    company_name: Mapped[str | None] = mapped_column(String(300))
    company_key: Mapped[str | None] = mapped_column(String(300), index=True)
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    registration_code: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    sector: Mapped[str | None] = mapped_column(String(32), index=True)
    stage: Mapped[str | None] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    archived_at: Mapped[datetime | None] = mapped_column(nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (Index("ix_leads_natural_key", "registration_code", "country"),)
    #: Every ORM UPDATE of a lead says ``WHERE id = :id AND version = :seen``, so
    #: a writer that read an older version fails (StaleDataError) instead of
    #: overwriting a concurrent change; the store operations set the next version.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class Agreement(Base):
    __tablename__ = "agreements"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    reporting_partner: Mapped[str] = mapped_column(ForeignKey("partners.code"), index=True)
    seller_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id"), index=True)
    buyer_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str | None] = mapped_column(String(32), index=True)
    sector: Mapped[str | None] = mapped_column(String(32), index=True)
    signed_date: Mapped[date | None] = mapped_column(Date, index=True)
    value: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    archived_at: Mapped[datetime | None] = mapped_column(nullable=True)

    #: As for leads: every ORM UPDATE is conditional on the version it read.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class Tombstone(Base):
    """What survives a GDPR erasure: hashed natural keys, so that a copy of an old
    sheet row cannot bring the person back, and nothing personal."""

    __tablename__ = "tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(16), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Whose sheet, forms and API it blocks: the erasing partner, or NULL for the
    #: whole network (an admin's erasure); see :mod:`integration.ownership`.
    partner: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)


class SyncShadow(Base):
    """The base of the three-way merge: field values both sides agreed on at the
    last successful sync, per partner, tab and record."""

    __tablename__ = "sync_shadow"

    partner: Mapped[str] = mapped_column(String(8), primary_key=True)
    tab: Mapped[str] = mapped_column(String(16), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    base: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Fingerprint of the row's cells and the record version at the base: when both
    #: are unchanged a re-sync skips the row without normalising it again.
    row_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    record_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The base as it stands if the sheet write stamped ``pending_base_stamp`` (the
    #: row's "Last synced" value) landed: stored just before a sync writes store
    #: values into an existing row, cleared when the base moves. A sync killed
    #: between that write and its commit otherwise leaves the base behind, and the
    #: sheet's copy of the older store value would then beat a newer store edit.
    pending_base: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    pending_base_stamp: Mapped[str | None] = mapped_column(String(40), nullable=True)
    #: The sheet row the record's row was last seen on (for staff, when it vanishes).
    row_number: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SyncTab(Base):
    """The header a sync last mapped for a partner tab (field -> header text), so a
    column that was renamed or removed is reported, never silently dropped."""

    __tablename__ = "sync_tabs"

    partner: Mapped[str] = mapped_column(String(8), primary_key=True)
    tab: Mapped[str] = mapped_column(String(16), primary_key=True)
    columns: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    sheet_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The note the service last wrote on the header's status cell (why the tab's
    #: sync stopped), None when there is none: written again only when it changes.
    stop_note: Mapped[str | None] = mapped_column(Text, nullable=True)


class VanishedRow(Base):
    """A record whose row vanished from its partner's tab: archived by the sync
    (``held`` false: staff deleted or cleared the row) or held by the deletion
    stop (``held`` true), until staff restore it to the sheet or archive it, or
    its row comes back. See :mod:`integration.vanished`."""

    __tablename__ = "vanished_rows"

    record_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    partner: Mapped[str] = mapped_column(String(8), index=True)
    tab: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    row_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    vanished_at: Mapped[datetime] = mapped_column(default=utcnow)


class QuarantineEntry(Base):
    """A row or payload that failed validation, kept raw so nothing is lost."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner: Mapped[str | None] = mapped_column(String(8), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # lead | agreement
    source: Mapped[str] = mapped_column(String(32))  # sheet:lv, webhook:lv, api
    tab: Mapped[str | None] = mapped_column(String(100))
    row_number: Mapped[int | None] = mapped_column(Integer)
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    duplicate_of: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    resolution: Mapped[str | None] = mapped_column(String(32))  # applied, dismissed, merged


class Conflict(Base):
    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner: Mapped[str] = mapped_column(String(8), index=True)
    tab: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(16), index=True)
    field: Mapped[str] = mapped_column(String(64))
    base_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    sheet_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    store_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    resolved_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    policy: Mapped[str] = mapped_column(String(16))
    winner: Mapped[str] = mapped_column(String(8))  # sheet | store
    sync_run_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    resolution: Mapped[str | None] = mapped_column(String(32))


class AuditEntry(Base):
    """Append-only history of every create, update, archive and erasure."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    record_id: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))  # create update archive restore erase merge
    source: Mapped[str] = mapped_column(String(32))
    partner: Mapped[str | None] = mapped_column(String(8), index=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: who made the change: the name of the API or dashboard token (None: a
    #: sheet, a form, the sync, or an entry older than revision 0017)
    actor: Mapped[str | None] = mapped_column(String(200), nullable=True)


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner: Mapped[str] = mapped_column(String(8), index=True)
    tab: Mapped[str | None] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16))  # nightly webhook api cli catch-up demo
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    outcome: Mapped[str] = mapped_column(String(16), default=SyncOutcome.RUNNING.value)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    cells_written: Mapped[int] = mapped_column(Integer, default=0)
    holder: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    #: why the run stopped until a person acts, as a code set where it stopped
    #: (:data:`integration.sync.stop_reasons.STOP_REASONS`); NULL when it worked or
    #: failed for a reason that may pass by itself
    stop_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    #: what the tab's header row told the sync (``HeaderReport.as_dict()``), so the
    #: runs API and the sync health page can show unrecognised and missing columns
    #: after the run; SQL NULL when no header was read (a busy run, an unreadable tab)
    header_report: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), nullable=True
    )

    @property
    def seconds(self) -> float | None:
        """How long the run took; None while it runs."""
        return run_duration(self.started_at, self.finished_at)


def run_duration(started: datetime | None, finished: datetime | None) -> float | None:
    """Seconds from ``started`` to ``finished``; None while unfinished. Never
    negative: a run stamped finished a hair before its start (runs recorded
    before that was fixed, or two machines' clocks) took no time."""
    if started is None or finished is None:
        return None
    return max((finished - started).total_seconds(), 0.0)


class SyncRequest(Base):
    """A wish for a sync, recorded by webhooks, the API and the CLI and drained,
    debounced, by the scheduler. Recording never calls Google inline."""

    __tablename__ = "sync_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    partner: Mapped[str] = mapped_column(String(8), index=True)
    tab: Mapped[str | None] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    consumed_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    sync_run_id: Mapped[int | None] = mapped_column(Integer)


class Lease(Base):
    """Mutual exclusion across processes and machines: one row per resource."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class WebhookDelivery(Base):
    """Idempotency record of a webhook delivery, with the first outcome."""

    __tablename__ = "webhook_deliveries"

    partner: Mapped[str] = mapped_column(String(8), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    record_id: Mapped[str | None] = mapped_column(String(16))
    #: SHA-256 of the body: the same id with another body is not a repeat (409)
    body_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class IdempotencyKey(Base):
    """API ``Idempotency-Key`` records (IETF draft): request fingerprint and the
    first response; ``status_code`` is NULL while the first request runs."""

    __tablename__ = "idempotency_keys"

    token_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class ApiToken(Base):
    """Bearer tokens; only a SHA-256 hash of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    partner: Mapped[str | None] = mapped_column(String(8))  # NULL: admin
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: when the token stops working (None: until revoked)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (UniqueConstraint("token_hash"),)


class DashboardSession(Base):
    """One dashboard sign-in, so that signing out ends it on the server: the
    cookie carries a random id, the store its SHA-256 only."""

    __tablename__ = "dashboard_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[int] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)


class DriveChannel(Base):
    """A Drive push-notification channel watching one partner spreadsheet."""

    __tablename__ = "drive_channels"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    partner: Mapped[str] = mapped_column(String(8))
    token_hash: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(200))
    last_message_number: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    spreadsheet_id: Mapped[str | None] = mapped_column(String(200))
    #: active; replaced (renewed, then stopped); stopped (by ``crm-sync watch --stop``);
    #: expired; gone (Drive no longer knows it, or the file was trashed or removed)
    status: Mapped[str] = mapped_column(
        String(16), default="active", server_default="active", index=True
    )
    created_at: Mapped[datetime | None] = mapped_column(default=utcnow, nullable=True)
    stopped_at: Mapped[datetime | None] = mapped_column(nullable=True)


class DriveChannelEvent(Base):
    """What happened to push channels: registrations, renewals, stops, failures,
    alerts (a trashed or removed spreadsheet) and poll failures, for the sync
    health page."""

    __tablename__ = "drive_channel_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    partner: Mapped[str] = mapped_column(String(8), index=True)
    channel_id: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(24))
    detail: Mapped[str | None] = mapped_column(Text)


class AlertState(Base):
    """One alert condition the clock has seen (a tab's sync stopped, a partner's
    syncs failing, credentials refused, a push channel not renewable) or one
    recipient group's digest: what was last mailed and when, so each condition
    is mailed once until it changes and once more when it clears."""

    __tablename__ = "alert_states"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    partner: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    #: the condition's parameters (tab, reason, since): what the message says
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: of the parameters that make "the same condition": a new value is news
    fingerprint: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: when the opening message went out (None: not yet, e.g. the mail server was down)
    notified_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True, index=True)
    resolved_notified_at: Mapped[datetime | None] = mapped_column(nullable=True)


class MergeRequest(Base):
    """A partner's ask that another partner merge its duplicate row into the
    lead the other partner owns: the owner accepts (a guarded merge) or declines.
    At most one open request per pair (requesting partner, lead): the partial unique index
    holds it on every path, not only the one that checks first."""

    __tablename__ = "merge_requests"
    __table_args__ = (
        Index(
            "uq_merge_requests_open_pair",
            "requester",
            "lead_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("quarantine.id"), index=True)
    lead_id: Mapped[str] = mapped_column(String(16), index=True)
    #: who asked (the entry's partner) and who decides (the lead's partner)
    requester: Mapped[str] = mapped_column(String(8), index=True)
    owner: Mapped[str] = mapped_column(String(8), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|accepted|declined|ended
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the requesting row's values when asked (:func:`records.entry_digest`): a
    #: row changed since ends the request, so the owner merges what it reviewed
    entry_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
