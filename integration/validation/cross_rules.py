"""Rules that look beyond one record: parties, duplicates, dates against today.

What makes two leads one firm is :mod:`integration.identity` (its keys,
strongest first, and when a weaker key may match); the duplicate rule here and
every other deduplication use it, and party cells are resolved by the same keys.

Pure functions over a :class:`LeadLookup` passed in, so they run the same against
the store, an in-memory snapshot in the sync engine, or nothing at all (offline
``validate``). Problems come back as :class:`ValidationIssue`, like schema errors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from integration.identity import (
    Key,
    company_key,
    firm_keys,
    first_match,
    key_field,
    natural_key,
    registration_identity,
    registration_key,
)
from integration.issues import ValidationIssue, issue
from integration.normalise.identifiers import looks_like_lead_id, normalise_id

__all__ = [
    "InMemoryLeads",
    "LeadLookup",
    "check_agreement",
    "check_lead_duplicate",
    "lead_keys",
    "natural_key",
    "party_keys",
    "resolve_party",
]


class LeadLookup(Protocol):
    """What the cross-record rules need to know about existing leads."""

    def lead(self, lead_id: str) -> Mapping[str, Any] | None:
        """The lead with this id, or ``None`` when there is none (or it is archived)."""

    def lead_id_by_key(self, key: Key) -> str | None:
        """The id of the one lead having ``key`` (see :func:`lead_keys`), else ``None``."""


def lead_keys(lead: Mapping[str, Any]) -> list[Key]:
    """Every key a lead can be found by: its firm keys (:func:`firm_keys`) and,
    for party cells that carry no country, its registration code alone (staff
    often type just the code) and its company-name key alone."""
    keys = firm_keys(lead)
    code = lead.get("registration_code")
    if isinstance(code, str) and code.strip():
        keys.append(("code", registration_key(code, lead.get("country"))))
    name = lead.get("company_name")
    if isinstance(name, str) and company_key(name):
        keys.append(("company", company_key(name)))
    return keys


class InMemoryLeads:
    """A :class:`LeadLookup` over a list of leads (the sync engine's snapshot, tests).

    A key shared by two different leads is ambiguous and finds nothing, so a party
    is never matched to the wrong firm by guesswork.
    """

    def __init__(self, leads: Iterable[Mapping[str, Any]] = ()) -> None:
        self._by_id: dict[str, Mapping[str, Any]] = {}
        self._by_key: dict[Key, str | None] = {}
        for lead in leads:
            self.add(lead)

    def add(self, lead: Mapping[str, Any]) -> None:
        """Index one lead (it must have an ``id``)."""
        lead_id = lead["id"]
        self._by_id[lead_id] = lead
        for key in lead_keys(lead):
            current = self._by_key.get(key, lead_id)
            self._by_key[key] = lead_id if current == lead_id else None

    def __len__(self) -> int:
        return len(self._by_id)

    def lead(self, lead_id: str) -> Mapping[str, Any] | None:
        return self._by_id.get(lead_id)

    def lead_id_by_key(self, key: Key) -> str | None:
        return self._by_key.get(key)


def resolve_party(text: str, lookup: LeadLookup) -> str | None:
    """The lead id a party cell means: a CRM ID, a registration code or a company name."""
    if looks_like_lead_id(text):
        return normalise_id(text)
    for key in party_keys(text):
        found = lookup.lead_id_by_key(key)
        if found:
            return found
    return None


def party_keys(text: str) -> list[Key]:
    """The keys a party cell that is not a CRM ID may mean, most specific first:
    its registration code, the code without a VAT prefix (``LV40003521600``), and
    its company-name key (the ones :func:`lead_keys` indexes a lead by)."""
    code = registration_key(text, None)
    candidates: list[Key] = [("code", code)]
    if len(code) > 2 and code[:2].isalpha() and code[2:].isdigit():
        candidates.append(("code", code[2:]))
    candidates.append(("company", company_key(text)))
    return [key for key in candidates if key[1]]


def check_lead_duplicate(
    lead: Mapping[str, Any], lookup: LeadLookup, *, locale: str = "en"
) -> list[ValidationIssue]:
    """A ``duplicate`` issue when another lead is this lead's firm, by any of its
    keys (:func:`integration.identity.first_match`)."""

    def others(key: Key) -> list[str]:
        found = lookup.lead_id_by_key(key)
        return [found] if found is not None and found != lead.get("id") else []

    def registration_of(lead_id: str) -> Key | None:
        return registration_identity(lookup.lead(lead_id) or {})

    match = first_match(firm_keys(lead), others, registration_of)
    if match is None:
        return []
    key, existing = match
    field = key_field(key)
    return [issue("duplicate", field, locale, kind="lead", id=existing, key=field)]


def check_agreement(
    agreement: Mapping[str, Any],
    lookup: LeadLookup,
    *,
    today: dt.date,
    locale: str = "en",
) -> list[ValidationIssue]:
    """Parties exist, are different firms from different countries; a signed date is
    not after ``today`` (passed in, so the rule is pure and testable)."""
    issues: list[ValidationIssue] = []
    parties: dict[str, Mapping[str, Any]] = {}
    for field in ("seller_id", "buyer_id"):
        lead_id = agreement.get(field)
        if not isinstance(lead_id, str):
            continue
        lead = lookup.lead(lead_id)
        if lead is None:
            issues.append(issue("reference", field, locale, kind="agreement", value=lead_id))
        else:
            parties[field] = lead
    seller_id, buyer_id = agreement.get("seller_id"), agreement.get("buyer_id")
    if isinstance(seller_id, str) and seller_id == buyer_id:
        issues.append(issue("same_firm", "buyer_id", locale, kind="agreement", value=seller_id))
    elif len(parties) == 2:
        seller, buyer = parties["seller_id"], parties["buyer_id"]
        seller_key, buyer_key = natural_key(seller), natural_key(buyer)
        if seller_key is not None and seller_key == buyer_key:
            issues.append(
                issue(
                    "same_firm",
                    "buyer_id",
                    locale,
                    kind="agreement",
                    value=f"{seller_id}, {buyer_id}",
                )
            )
        elif seller.get("country") and seller.get("country") == buyer.get("country"):
            issues.append(
                issue(
                    "same_country", "buyer_id", locale, kind="agreement", country=seller["country"]
                )
            )
    signed = agreement.get("signed_date")
    if agreement.get("status") == "signed" and isinstance(signed, str):
        try:
            when = dt.date.fromisoformat(signed)
        except ValueError:
            when = None  # a malformed date is the schema's "date" issue, not this one
        if when is not None and when > today:
            issues.append(
                issue("signed_date", "signed_date", locale, kind="agreement", value=signed)
            )
    return issues
