"""Record ids (``L-000123``, ``A-000045``): the one place they are handed out.

Each id is a row of its kind's sequence table (``lead_id_seq``,
``agreement_id_seq``), whose autoincrement key the database hands out, so
concurrent writers on SQLite and PostgreSQL never collide and no lock of our
own is needed. One id is issued inside the caller's transaction
(:func:`issue_id`: a form, an API call); a sync reserves all the ids its new
rows need in one statement committed at once (:func:`reserve_ids`), because an
id written to a sheet must never be handed out again, even if the rest of the
sync fails. The letter comes from the kind's registry entry (:mod:`integration.kinds`).
"""

from __future__ import annotations

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from integration.kinds import Kind, record_kind
from integration.store.db import Store
from integration.store.models import AgreementIdSeq, LeadIdSeq

#: The table that hands out each kind's id numbers.
ID_SEQUENCES: dict[str, type[LeadIdSeq] | type[AgreementIdSeq]] = {
    Kind.LEAD: LeadIdSeq,
    Kind.AGREEMENT: AgreementIdSeq,
}


def format_id(prefix: str, seq: int) -> str:
    """``L`` and 123 as ``L-000123``."""
    return f"{prefix}-{seq:06d}"


def _table(kind: str) -> Table:
    table = ID_SEQUENCES[kind].__table__
    assert isinstance(table, Table)
    return table


def issue_id(session: Session, kind: str) -> str:
    """The next id of ``kind``, in one ``INSERT ... RETURNING`` round trip inside
    ``session``'s transaction."""
    table = _table(kind)
    seq = session.connection().execute(insert(table).returning(table.c.seq)).scalar_one()
    return format_id(record_kind(kind).id_prefix, seq)


def reserve_ids(store: Store, kind: str, count: int) -> list[str]:
    """Issue ``count`` ids of ``kind`` in one statement, committed at once."""
    if count <= 0:
        return []
    name = _table(kind).name
    if store.dialect == "postgresql":
        sql = (
            f"INSERT INTO {name} (seq) SELECT nextval(pg_get_serial_sequence('{name}', 'seq')) "
            "FROM generate_series(1, :n) RETURNING seq"
        )
    else:
        sql = (
            f"INSERT INTO {name} (seq) SELECT NULL FROM (WITH RECURSIVE c(x) AS "
            "(SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < :n) SELECT x FROM c) "
            "WHERE true RETURNING seq"
        )
    with store.session() as session:
        seqs = sorted(session.execute(text(sql), {"n": count}).scalars())
    return [format_id(record_kind(kind).id_prefix, s) for s in seqs]


def issued_max(session: Session, kind: str) -> int:
    """The highest id number of ``kind`` handed out so far (0 before the first)."""
    return int(session.scalar(select(func.max(_table(kind).c.seq))) or 0)
