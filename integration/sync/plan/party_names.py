"""A party's company name follows the lead (pure): an agreement row naming its
seller or buyer by company name shows the name the lead has now.

Staff type a party as its CRM ID, registration code or company name. When the
lead is renamed, a cell with the old name no longer names it: a fresh import of
the sheet would quarantine the agreement. So a party cell that is text, not a
CRM ID, and no longer one of its lead's keys (:func:`party_keys` against
:func:`lead_keys`) is rewritten with the lead's name; the row is then planned as
if staff had typed it so. Only while the agreement itself is unchanged since the
last sync: a party the CRM replaced is written as the merge decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integration.normalise.identifiers import looks_like_lead_id
from integration.validation.cross_rules import lead_keys, party_keys

from .. import sheet_rows
from .model import StoreState

#: a party cell's raw key -> the agreement field holding that party's lead id
PARTY_CELLS = {"seller": 0, "buyer": 1}


def renamed_parties(
    raw: Mapping[str, Any],
    parties: tuple[str | None, str | None] | None,
    leads: Mapping[str, Mapping[str, Any]],
) -> dict[str, str]:
    """``{raw key: the lead's name now}`` of the row's party cells (``raw``) that
    name their party (``parties``: the agreement's seller and buyer lead ids) by a
    name it no longer has."""
    if parties is None:
        return {}
    out: dict[str, str] = {}
    for key, index in PARTY_CELLS.items():
        lead = leads.get(parties[index] or "")
        value = raw.get(key)
        if lead is None or not isinstance(value, str):
            continue
        text = sheet_rows.clean_line(value)
        name = lead.get("company_name")
        if not text or not isinstance(name, str) or looks_like_lead_id(text) or text == name:
            continue
        if not set(party_keys(text)) & set(lead_keys(lead)):
            out[key] = name
    return out


def row_renames(state: StoreState, record_id: str, raw: Mapping[str, Any]) -> dict[str, str]:
    """:func:`renamed_parties` of agreement ``record_id``'s row, while the
    agreement is as the last sync left it (its parties are the row's)."""
    rec, shadow = state.records.get(record_id), state.shadows.get(record_id)
    if rec is None or shadow is None or shadow.version != rec.version:
        return {}
    return renamed_parties(raw, state.parties.get(record_id), state.party_names)
