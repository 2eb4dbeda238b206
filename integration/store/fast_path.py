"""Core-statement twins of record operations, for hot paths (webhook intake).

They write exactly the rows the ORM functions in :mod:`integration.store.records`
write, through prebuilt SQL statements on the session's connection (same
transaction), without building ORM objects or running a unit-of-work flush, which
cost several times the SQL itself. Kept apart from the ORM functions so each
module stays readable; both share :func:`records.lead_columns` and
:func:`identity.tombstone_hashes`, so the rows cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import and_, bindparam, insert, literal, or_, select, true
from sqlalchemy.orm import Session

from integration.identity import firm_keys, tombstone_hashes
from integration.store.models import (
    AgreementIdSeq,
    AuditEntry,
    Lead,
    LeadIdSeq,
    SyncRequest,
    Tombstone,
    utcnow,
)
from integration.store.records import (
    AGREEMENT_PREFIX,
    FIRM_COLUMNS,
    LEAD_PREFIX,
    FirmIndex,
    clean_data,
    format_id,
    lead_columns,
)

_LEADS = Lead.__table__
_SEQ_RETURNING = {
    "lead": insert(LeadIdSeq.__table__).returning(LeadIdSeq.__table__.c.seq),
    "agreement": insert(AgreementIdSeq.__table__).returning(AgreementIdSeq.__table__.c.seq),
}
_INSERT_LEAD = insert(_LEADS)
_INSERT_AUDIT = insert(AuditEntry.__table__)
_INSERT_SYNC_REQUEST = insert(SyncRequest.__table__)


def issue_id_fast(session: Session, kind: str) -> str:
    """:func:`records.issue_id` in one ``INSERT ... RETURNING`` round trip."""
    seq = session.connection().execute(_SEQ_RETURNING[kind]).scalar_one()
    return format_id(LEAD_PREFIX if kind == "lead" else AGREEMENT_PREFIX, seq)


def _named_values(table: Any, prefix: str, names: Iterable[str]) -> dict[str, Any]:
    return {n: bindparam(prefix + n, type_=table.c[n].type) for n in names}


_LEAD_ROW = (
    "id", "partner", "data", "company_name", "company_key", "country", "registration_code",
    "email", "sector", "stage", "version", "created_at", "updated_at", "archived_at", "erased_at",
)  # fmt: skip
_AUDIT_ROW = ("at", "record_id", "kind", "action", "source", "partner", "changes")
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


def insert_lead(
    session: Session,
    data: Mapping[str, Any],
    *,
    source: str,
    sync_trigger: str | None = None,
    sync_tab: str | None = None,
) -> str:
    """:func:`records.create_lead` without ORM objects: the same lead row and ``create``
    audit entry; returns the new id (load it with ``session.get`` if needed).

    With ``sync_trigger``, also what :func:`records.request_sync` records for the new
    lead (reason ``new lead <id>``), in the same round trip on PostgreSQL."""
    clean = clean_data(data)
    now = utcnow()
    lead_id = issue_id_fast(session, "lead")
    lead = {
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
    entry = {
        "at": now,
        "record_id": lead_id,
        "kind": "lead",
        "action": "create",
        "source": source,
        "partner": lead["partner"],
        "changes": {k: [None, v] for k, v in clean.items()},
    }
    conn = session.connection()
    if sync_trigger is not None and conn.dialect.name == "postgresql":
        params = {f"l_{k}": v for k, v in lead.items()}
        params.update({f"a_{k}": v for k, v in entry.items()})
        params.update(
            {
                f"s_{k}": v
                for k, v in _sync_request_row(
                    lead["partner"], sync_trigger, f"new lead {lead_id}", sync_tab
                ).items()
            }
        )
        conn.execute(_INSERT_LEAD_ROWS_PG, params)
        return lead_id
    conn.execute(_INSERT_LEAD, lead)
    conn.execute(_INSERT_AUDIT, entry)
    if sync_trigger is not None:
        insert_sync_request(
            session,
            lead["partner"],
            trigger=sync_trigger,
            reason=f"new lead {lead_id}",
            tab=sync_tab,
        )
    return lead_id


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


def insert_sync_request(
    session: Session,
    partner: str,
    *,
    trigger: str,
    reason: str | None = None,
    tab: str | None = None,
) -> None:
    """:func:`records.request_sync` as one INSERT, without an ORM object."""
    session.connection().execute(
        _INSERT_SYNC_REQUEST, _sync_request_row(partner, trigger, reason, tab)
    )


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
) -> tuple[bool, str | None, str | None]:
    """``(erased in partner's scope, id, owner)`` of the stored lead that is
    ``record``'s firm by any of its keys (:class:`records.FirmIndex`: strongest
    key first, ``partner``'s own lead first), in one query."""
    hashes = tombstone_hashes(record)
    keys = firm_keys(record)
    if not hashes and not keys:
        return False, None, None  # no key at all: nothing can match
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
    return erased, (found.id if found else None), (found.partner if found else None)
