# ruff: noqa: E501  (one fixture row a line reads best as a table)
"""A small network whose report figures are worked out by hand (see the tests):
leads recorded on known days, agreements signed on known days, through the
store's record operations (the path sync, webhooks and the API use)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from seeding import stored_lead
from sqlalchemy import update

from integration.auth import create_token
from integration.store import records
from integration.store.db import Store
from integration.store.models import Lead

LEAD_FIELDS = ("partner", "company_name", "country", "sector", "role", "stage", "source", "event")
#: key -> (*LEAD_FIELDS, the day the lead was recorded)
LEADS = {
    "L1": ("lv", "Alfa SIA", "LV", "ict", "seller", "won", "b2b_forum", "LEF tīklošanās 2025", "2025-01-10"),
    "L2": ("lv", "Baku Soft", "AZ", "ict", "buyer", "won", "trade_mission", "Tirdzniecības misija uz Baku 2024", "2025-02-05"),
    "L3": ("lv", "Zaļā SIA", "LV", "green_tech", "seller", "negotiation", "web_form", "Rīgas brokastis", "2025-03-20"),
    "L4": ("lv", "Caspian Green", "AZ", "green_tech", "buyer", "won", "referral", None, "2024-12-01"),
    "E1": ("ee", "Tarkvara OÜ", "EE", "ict", "seller", "meeting", "b2b_forum", "LEF võrgustikuüritus 2025", "2025-02-14"),
    "E2": ("ee", "Absheron Edu", "AZ", "education", "buyer", "new", "b2b_forum", "Bakuu B2B foorum 2023", "2025-03-01"),
    "F1": ("fi", "Design Oy", "FI", "interior_design", "seller", "won", "trade_mission", "lef-verkostotapaaminen 2025", "2025-04-02"),
    "F2": ("fi", "Baku Interiors", "AZ", "interior_design", "buyer", "contacted", "web_form", None, "2025-01-15"),
}  # fmt: skip

AGREEMENT_FIELDS = (
    "reporting_partner", "seller_id", "buyer_id", "sector", "status", "value", "currency",
    "signed_date",
)  # fmt: skip
#: key -> AGREEMENT_FIELDS (the parties by their key above)
AGREEMENTS = {
    "A1": ("lv", "L1", "L2", "ict", "signed", 10000.0, "EUR", "2025-02-01"),
    "A2": ("lv", "L3", "L4", "green_tech", "signed", 2500.5, "EUR", "2025-03-31"),
    "A3": ("ee", "E1", "E2", "education", "signed", 7000.0, "EUR", "2025-01-15"),
    "A4": ("fi", "F1", "F2", "interior_design", "signed", 3000.0, "USD", "2025-04-01"),
    "A5": ("lv", "L1", "L4", "ict", "signed", 1000.0, "EUR", "2024-11-20"),
    "A6": ("ee", "E1", "E2", "ict", "negotiating", 500.0, "EUR", None),
}  # fmt: skip


@dataclass
class Network:
    ids: dict[str, str] = field(default_factory=dict)  # fixture key -> CRM ID
    tokens: dict[str, str] = field(default_factory=dict)  # admin, lv, ee, fi -> secret


def plant(store: Store) -> Network:
    out = Network()
    with store.session() as s:
        for name, partner in (("admin", None), ("lv", "lv"), ("ee", "ee"), ("fi", "fi")):
            out.tokens[name] = create_token(s, f"{name} staff", partner)[1]
        for key, row in LEADS.items():
            data = {k: v for k, v in zip(LEAD_FIELDS, row[:-1], strict=True) if v is not None}
            out.ids[key] = stored_lead(s, data, source=f"sheet:{row[0]}").id
        s.flush()
        for key, row in AGREEMENTS.items():
            data = {k: v for k, v in zip(AGREEMENT_FIELDS, row, strict=True) if v is not None}
            data["seller_id"], data["buyer_id"] = out.ids[row[1]], out.ids[row[2]]
            data["subject"] = f"Deal {key}"
            out.ids[key] = records.create_agreement(s, data, source=f"sheet:{row[0]}").id
        # The leads were recorded on their own days (as if migrated from an older store).
        for key, row in LEADS.items():
            day = datetime.fromisoformat(row[-1]).replace(hour=9, tzinfo=UTC)
            s.execute(update(Lead).where(Lead.id == out.ids[key]).values(created_at=day))
    return out
