"""One record, one row (pure): which of several rows carrying one CRM ID is the
record's row.

A row copied with its CRM ID (pasted above or below its original) carries the
same id as the original. Position says nothing about which is which, so the id
is kept by the row that *is* the record: the firm of the stored lead (same
registration code, else e-mail, else name in its country, :mod:`integration.identity`),
and among those the row as the service last saw it (its fingerprint is the
base's). The other rows are new rows, deduplicated as any new row. Rows that are
all still the very same (a copy not edited yet) cannot be told apart and need
not be: the first is planned, the others are left as they are until they differ.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from integration.identity import firm_keys, first_match, registration_identity


def same_firm(row: Mapping[str, Any], stored: Mapping[str, Any]) -> bool:
    """Whether lead data ``row`` is the firm of lead data ``stored`` (a weaker
    key never matches across two different registration codes)."""
    theirs = set(firm_keys(stored))
    found = first_match(
        firm_keys(row),
        lambda key: [stored] if key in theirs else [],
        registration_identity,
    )
    return found is not None


@dataclass(frozen=True)
class Claim:
    """A row carrying a CRM ID: its sheet row number, its cells by field and
    their fingerprint (:func:`..sheet_rows.row_hash`, as the snapshot has it)."""

    number: int
    raw: Mapping[str, Any]
    hash: str


@dataclass(frozen=True)
class Owners:
    """What becomes of the rows that carry one id: the row that keeps it, the rows
    left as they are (the same as it), and the rows that become new rows."""

    keeper: int
    alike: tuple[int, ...]
    others: tuple[int, ...]


def owner_of(
    claims: Sequence[Claim],
    *,
    base_hash: str | None,
    is_firm: Callable[[Mapping[str, Any]], bool] | None,
) -> Owners:
    """Choose among ``claims`` (two or more rows with one id, in sheet order).

    ``base_hash``: the fingerprint the record's row had at the last sync (None:
    never synced); ``is_firm(raw)``: whether a row is the stored record's firm
    (None: there is no firm to compare, say an agreement)."""
    hashes = {c.number: c.hash for c in claims}

    def score(claim: Claim) -> tuple[bool, bool]:
        firm = is_firm(claim.raw) if is_firm is not None else True
        return firm, hashes[claim.number] == base_hash

    best = max(score(c) for c in claims)
    keeper = next(c for c in claims if score(c) == best)
    alike = tuple(
        c.number for c in claims if c is not keeper and hashes[c.number] == hashes[keeper.number]
    )
    others = tuple(c.number for c in claims if c is not keeper and c.number not in alike)
    return Owners(keeper.number, alike, others)


#: The fields that name an agreement: its parties and what it is about.
AGREEMENT_KEYS = ("seller_id", "buyer_id", "subject")


def cleared_agreement(
    row: Mapping[str, Any],
    row_hash: str,
    lost: Mapping[str, tuple[str | None, Mapping[str, Any]]],
) -> str | None:
    """The agreement a row without a CRM ID is, among ``lost`` (id -> the row's
    fingerprint at the last sync, stored data) whose rows the sheet no longer
    shows by id: the one whose row had exactly these cells, else the one with the
    same parties and subject; None when no agreement, or more than one, fits.

    An agreement has no firm keys, so without this a cleared id cell made a
    second agreement of the same deal and archived the first."""
    same_cells = [rid for rid, (h, _) in lost.items() if h == row_hash]
    if len(same_cells) == 1:
        return same_cells[0]
    if not row.get("seller_id") or not row.get("buyer_id"):
        return None
    same_deal = [
        rid
        for rid, (_, data) in lost.items()
        if all(row.get(k) == data.get(k) for k in AGREEMENT_KEYS)
    ]
    return same_deal[0] if len(same_deal) == 1 else None
