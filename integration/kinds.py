"""The two kinds of record, and everything that differs between them, in one
registry: a lead (a firm, on a partner's Leads tab) and an agreement (a sales
agreement between two firms, on the Agreements tab).

Code that does something per kind asks the registry (``record_kind(kind).tab``,
``of_tab(tab).owner_field``) instead of branching on the kind's name, so a
difference between the kinds is stated once, here. ``Kind`` and ``Tab`` are
``StrEnum``: they equal their strings, so stored values, JSON and the partners
file keep reading as they always did.

A leaf module (it imports nothing from ``integration``): the config, the
store, the sync and the API all read it. The store's own per-kind tables (the
model, the id sequence) are ``store.queries.MODELS`` and ``store.records``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """A record's kind, as stored (``audit_entries.kind``, quarantine entries) and
    as the schemas in ``schemas/`` are named."""

    LEAD = "lead"
    AGREEMENT = "agreement"


class Tab(StrEnum):
    """A partner spreadsheet's tab, by its role (its title is the partner's own:
    ``leads_tab`` / ``agreements_tab`` in the partners file)."""

    LEADS = "leads"
    AGREEMENTS = "agreements"


@dataclass(frozen=True)
class RecordKind:
    """What one kind of record is: where its rows live, how its ids read, which
    field names its owner and its title."""

    kind: Kind
    tab: Tab
    #: the letter of its CRM ids (``L-000123``, ``A-000045``)
    id_prefix: str
    #: the field naming the partner that owns it (and alone may change it)
    owner_field: str
    #: the field a person reads as its name in lists and messages
    title_field: str
    #: whether it holds personal data an erasure removes (leads hold contacts)
    holds_persons: bool
    #: whether a record is a firm: one per firm across the network, so a new
    #: one is checked for duplicates (registration code, company name)
    is_firm: bool
    #: whether forms and webhooks send it as field-keyed payloads through
    #: :mod:`integration.intake`, so a payload kept for review is fixed field by
    #: field and replayed there (agreements arrive from sheets and the API only)
    payload_intake: bool
    #: (sheet column, record field) of each lead it names: an agreement's seller
    #: and buyer are typed in the sheet as a firm and stored as its lead id
    party_columns: tuple[tuple[str, str], ...] = ()

    @property
    def tab_setting(self) -> str:
        """The partners-file key that names this kind's tab (``leads_tab``)."""
        return f"{self.tab}_tab"


LEAD = RecordKind(
    kind=Kind.LEAD,
    tab=Tab.LEADS,
    id_prefix="L",
    owner_field="partner",
    title_field="company_name",
    holds_persons=True,
    is_firm=True,
    payload_intake=True,
)
AGREEMENT = RecordKind(
    kind=Kind.AGREEMENT,
    tab=Tab.AGREEMENTS,
    id_prefix="A",
    owner_field="reporting_partner",
    title_field="subject",
    holds_persons=False,
    is_firm=False,
    payload_intake=False,
    party_columns=(("seller", "seller_id"), ("buyer", "buyer_id")),
)

#: Fields the store sets itself on every record, whatever its kind; never taken
#: from a sheet, a webhook or an API body (the API reads them as read-only).
STORE_FIELDS: tuple[str, ...] = ("id", "created_at", "updated_at")

#: Every kind, leads first (the order tabs sync in: agreements name leads).
RECORD_KINDS: tuple[RecordKind, ...] = (LEAD, AGREEMENT)
#: Every tab, in sync order.
TABS: tuple[Tab, ...] = tuple(k.tab for k in RECORD_KINDS)
#: Every kind's name.
KINDS: tuple[Kind, ...] = tuple(k.kind for k in RECORD_KINDS)

# keyed by plain strings: a StrEnum member and its string are the same key
_BY_KIND: dict[str, RecordKind] = {k.kind: k for k in RECORD_KINDS}
_BY_TAB: dict[str, RecordKind] = {k.tab: k for k in RECORD_KINDS}


def record_kind(kind: str) -> RecordKind:
    """The registry entry of ``kind`` (``"lead"`` or ``"agreement"``); a
    :class:`KeyError` for anything else, which is a bug in the caller."""
    return _BY_KIND[kind]


def of_tab(tab: str) -> RecordKind:
    """The kind whose rows a tab holds (``"leads"`` -> the lead entry)."""
    return _BY_TAB[tab]


def tab_of(kind: str) -> Tab:
    return record_kind(kind).tab


def kind_of(tab: str) -> Kind:
    return of_tab(tab).kind
