"""The one way a lead is created, whichever path brings it: the API's ``POST``,
form webhooks and review replays (:mod:`integration.intake`), the sheet sync's
apply (:mod:`integration.sync.apply`, in bulk) and so the demo, which seeds
sheets and syncs them.

Inside the caller's transaction, every new lead first takes the locks of its
firm's keys (:mod:`integration.store.firm_locks`), then, under them, is looked
up against the tombstones in its owner's scope and the stored leads of its firm
(:class:`records.FirmIndex`, identity's rule). An erased person's lead, or one
whose firm is stored already, is refused (:class:`records.Refused`) and nothing
of it is written; whether the caller then merges into its own firm, keeps the
input as a duplicate of another partner's or answers 409 is the caller's
decision by :func:`integration.ownership.may_fill`. Only a lead that passed is
inserted, so no path can forget a check.

The rows are written with prebuilt Core statements on the session's connection
(the ORM's objects and unit-of-work flush cost several times the SQL itself;
see ``bench/results/webhook_bench.md``): the lead row and its ``create`` audit
entry, one ``INSERT ... RETURNING`` for a new id, and on PostgreSQL the sync
request in the same statement. A bulk create runs each statement once for all
its rows (executemany).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, insert, literal, or_, select, true
from sqlalchemy.orm import Session

from integration.identity import firm_keys, tombstone_hashes
from integration.kinds import Kind
from integration.ownership import may_fill
from integration.store.firm_locks import lock_firms, lock_keys, locked_keys
from integration.store.ids import issue_id
from integration.store.models import (
    AuditEntry,
    Lead,
    SyncRequest,
    Tombstone,
    utcnow,
)
from integration.store.records import (
    ACTING_AS,
    FIRM_COLUMNS,
    FirmIndex,
    Refused,
    clean_data,
    firm_candidates,
    lead_columns,
    tombstones_blocking,
)

#: rows per look-up statement of a bulk create (bound parameters stay well
#: below SQLite's and PostgreSQL's limits)
CHUNK = 5000

_LEADS = Lead.__table__
_INSERT_LEAD = insert(_LEADS)
_INSERT_AUDIT = insert(AuditEntry.__table__)
_INSERT_SYNC_REQUEST = insert(SyncRequest.__table__)


def _named_values(table: Any, prefix: str, names: Iterable[str]) -> dict[str, Any]:
    return {n: bindparam(prefix + n, type_=table.c[n].type) for n in names}


_LEAD_ROW = (
    "id", "partner", "data", "company_name", "company_key", "country", "registration_code",
    "email", "sector", "stage", "version", "created_at", "updated_at", "archived_at", "erased_at",
)  # fmt: skip
_AUDIT_ROW = ("at", "record_id", "kind", "action", "source", "partner", "changes", "actor")
_SYNC_REQUEST_ROW = (
    "partner", "tab", "trigger", "reason", "requested_at", "consumed_at", "sync_run_id",
)  # fmt: skip

#: PostgreSQL: lead, audit entry and sync request in one statement (one round
#: trip instead of three; data-modifying CTEs always run to completion). Only
#: the columns named above are bound, so a column added later keeps its default.
_INSERT_LEAD_ROWS_PG = (
    insert(SyncRequest.__table__)
    .values(_named_values(SyncRequest.__table__, "s_", _SYNC_REQUEST_ROW))
    .add_cte(insert(_LEADS).values(_named_values(_LEADS, "l_", _LEAD_ROW)).cte("new_lead"))
    .add_cte(
        insert(AuditEntry.__table__)
        .values(_named_values(AuditEntry.__table__, "a_", _AUDIT_ROW))
        .cte("new_audit")
    )
)


def _lead_row(lead_id: str, clean: Mapping[str, Any], now: Any) -> dict[str, Any]:
    return {
        "id": lead_id,
        "partner": clean["partner"],
        "data": clean,
        **lead_columns(clean),
        "version": 1,
        "created_at": now,
        "updated_at": now,
        "archived_at": None,
        "erased_at": None,
    }


def _audit_row(lead_id: str, clean: Mapping[str, Any], source: str, now: Any) -> dict[str, Any]:
    return {
        "at": now,
        "record_id": lead_id,
        "kind": "lead",
        "action": "create",
        "source": source,
        "partner": clean["partner"],
        "changes": {k: [None, v] for k, v in clean.items()},
        "actor": ACTING_AS.get(),
    }


def _sync_request_row(
    partner: str, trigger: str, reason: str | None, tab: str | None
) -> dict[str, Any]:
    return {
        "partner": partner,
        "tab": tab,
        "trigger": trigger,
        "reason": reason,
        "requested_at": utcnow(),
        "consumed_at": None,
        "sync_run_id": None,
    }


def _refusal(erased: bool, found: Any, partner: str) -> Refused | None:
    if erased:
        return Refused("erased")
    if found is not None:
        return Refused(
            "duplicate", found.id, found.partner, mergeable=may_fill(partner, found.partner)
        )
    return None


def create_lead(
    session: Session,
    data: Mapping[str, Any],
    *,
    source: str,
    sync_trigger: str | None = None,
    sync_tab: str | None = None,
) -> str:
    """Create one validated lead (``data['partner']`` names its owner) and return
    its id; raise :class:`records.Refused` when it is an erased person's
    (``erased``) or its firm is stored already (``duplicate``, naming that lead,
    its owner and whether this owner may fill its blanks), writing nothing.

    With ``sync_trigger``, also what :func:`records.request_sync` records for the
    new lead (reason ``new lead <id>``), in the same round trip on PostgreSQL."""
    clean = clean_data(data)
    partner = clean["partner"]
    lock_firms(session, [clean])
    erased, found = lookup_lead_key(session, clean, partner)
    refused = _refusal(erased, found, partner)
    if refused is not None:
        raise refused
    now = utcnow()
    lead_id = issue_id(session, Kind.LEAD)
    lead, entry = _lead_row(lead_id, clean, now), _audit_row(lead_id, clean, source, now)
    conn = session.connection()
    if sync_trigger is not None and conn.dialect.name == "postgresql":
        params = {f"l_{k}": v for k, v in lead.items()}
        params.update({f"a_{k}": v for k, v in entry.items()})
        request = _sync_request_row(partner, sync_trigger, f"new lead {lead_id}", sync_tab)
        params.update({f"s_{k}": v for k, v in request.items()})
        conn.execute(_INSERT_LEAD_ROWS_PG, params)
        return lead_id
    conn.execute(_INSERT_LEAD, lead)
    conn.execute(_INSERT_AUDIT, entry)
    if sync_trigger is not None:
        request = _sync_request_row(partner, sync_trigger, f"new lead {lead_id}", sync_tab)
        conn.execute(_INSERT_SYNC_REQUEST, request)
    return lead_id


@dataclass(frozen=True)
class NewLead:
    """One lead of a bulk create: its id (reserved by the caller) and data."""

    id: str
    data: Mapping[str, Any]


def create_leads(session: Session, leads: Sequence[NewLead], *, source: str) -> dict[str, Refused]:
    """:func:`create_lead` for many leads with ids reserved already (a sync's new
    rows): the same locks and checks against what is stored, the rows written in
    one executemany per table. Returns the refused ones by id (not written); a
    lead's firm counts as stored while it is live, or archived by another
    partner (:func:`records.firm_held_against`), as the sync's plan judges it."""
    if not leads:
        return {}
    # each lead's firm keys once: the locks, the look-up and the match share them
    cleaned = []
    for new in leads:
        clean = clean_data(new.data)
        cleaned.append((new.id, clean, firm_keys(clean)))
    lock_keys(session, (k for _, clean, keys in cleaned for k in locked_keys(clean, keys)))
    erased = _erased_hashes(session, [clean for _, clean, _ in cleaned])
    indexes: dict[str, FirmIndex] = {}
    for partner in sorted({clean["partner"] for _, clean, _ in cleaned}):
        mine = [keys for _, clean, keys in cleaned if clean["partner"] == partner]
        rows: list[Any] = []
        for start in range(0, len(mine), CHUNK):
            chunk = mine[start : start + CHUNK]
            rows += firm_candidates(
                session, held_against=partner, keys=(k for keys in chunk for k in keys)
            )
        indexes[partner] = FirmIndex(rows)
    refused: dict[str, Refused] = {}
    now = utcnow()
    conn = session.connection()
    lead_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    for lead_id, clean, keys in cleaned:
        partner = clean["partner"]
        hashes = erased.get(partner, set())
        is_erased = any(h in hashes for h in tombstone_hashes(clean))
        found = indexes[partner].match(clean, partner=partner, keys=keys) if keys else None
        refusal = _refusal(is_erased, found, partner)
        if refusal is not None:
            refused[lead_id] = refusal
            continue
        lead_rows.append(_lead_row(lead_id, clean, now))
        audit_rows.append(_audit_row(lead_id, clean, source, now))
        if len(lead_rows) == CHUNK:
            # written a chunk at a time: a sync of 100,000 new rows never holds
            # every row's insert parameters at once
            conn.execute(_INSERT_LEAD, lead_rows)
            conn.execute(_INSERT_AUDIT, audit_rows)
            lead_rows, audit_rows = [], []
    if lead_rows:
        conn.execute(_INSERT_LEAD, lead_rows)
        conn.execute(_INSERT_AUDIT, audit_rows)
    return refused


def _erased_hashes(session: Session, cleaned: Sequence[Mapping[str, Any]]) -> dict[str, set[str]]:
    """Partner -> the tombstone hashes of ``cleaned`` erased in that partner's scope."""
    wanted: dict[str, set[str]] = {}
    for clean in cleaned:
        wanted.setdefault(clean["partner"], set()).update(tombstone_hashes(clean))
    out: dict[str, set[str]] = {}
    for partner, hashes in wanted.items():
        ordered = sorted(hashes)
        found: set[str] = set()
        for start in range(0, len(ordered), CHUNK):
            found.update(
                session.scalars(
                    select(Tombstone.key_hash).where(
                        Tombstone.key_hash.in_(ordered[start : start + CHUNK]),
                        tombstones_blocking(partner),
                    )
                )
            )
        out[partner] = found
    return out


_ERASED = (
    select(Tombstone.id)
    .where(
        Tombstone.key_hash.in_(bindparam("hashes", expanding=True)),
        or_(Tombstone.partner.is_(None), Tombstone.partner == bindparam("partner")),
    )
    .limit(1)
    .scalar_subquery()
)
#: Stored, not erased leads that may share a key with one record: its registration
#: code within its country, its e-mail, its company key (a missing key is bound as
#: NULL, which equals nothing). Each term is an indexed look-up; the company key's
#: country is compared in Python (:class:`records.FirmIndex`), as a country term
#: here led SQLite to scan the country's leads instead of the company-key index.
_SHARING_A_KEY = (
    select(*FIRM_COLUMNS)
    .where(
        _LEADS.c.erased_at.is_(None),
        or_(
            and_(
                _LEADS.c.registration_code == bindparam("code"),
                _LEADS.c.country == bindparam("code_country"),
            ),
            _LEADS.c.email == bindparam("email"),
            _LEADS.c.company_key == bindparam("name"),
        ),
    )
    .subquery()
)
_ONE_ROW = select(literal(1).label("one")).subquery()
#: The tombstone check and the leads sharing a key in one round trip, left-joined
#: to one row so that either may be empty (prebuilt: compiled once).
_LOOKUP_FIRM = select(_ERASED.label("erased"), *_SHARING_A_KEY.c).select_from(
    _ONE_ROW.outerjoin(_SHARING_A_KEY, true())
)


def lookup_lead_key(
    session: Session, record: Mapping[str, Any], partner: str
) -> tuple[bool, Any | None]:
    """``(erased in partner's scope, the stored lead that is record's firm)``: the
    lead's ``FIRM_COLUMNS`` row by any of its keys (:class:`records.FirmIndex`:
    strongest key first, ``partner``'s own lead first) or None, in one query."""
    hashes = tombstone_hashes(record)
    keys = firm_keys(record)
    if not hashes and not keys:
        return False, None  # no key at all: nothing can match
    params: dict[str, Any] = {
        "hashes": hashes,
        "partner": partner,
        "code": None,
        "code_country": None,
        "email": None,
        "name": None,
    }
    for key in keys:
        if key[0] == "reg":
            params["code_country"], params["code"] = key[1], key[2]
        elif key[0] == "email":
            params["email"] = key[1]
        else:
            params["name"] = key[2]
    rows = session.connection().execute(_LOOKUP_FIRM, params).all()
    erased = rows[0].erased is not None
    found = FirmIndex(r for r in rows if r.id is not None).match(record, partner=partner)
    return erased, found
