"""A small, realistic store for the dashboard tests and the fuzz benchmark,
filled through the record operations (the same path sync, webhooks and the API
use), and the conflict record the API, erasure and authorisation tests plant."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from integration.auth import create_token
from integration.store import records
from integration.store.db import Store
from integration.store.lead_create import create_lead
from integration.store.models import Conflict, Lead, SyncRun, SyncTab, utcnow

SECTORS = ("ict", "green_tech", "education", "interior_design", "other")
STAGES = ("new", "contacted", "qualified", "meeting", "negotiation", "won", "lost")
#: The Leads tab's sheetId the seeded sync runs recorded, per partner.
LEADS_GIDS = {"lv": 1_234_567, "ee": 2_345_678, "fi": 3_456_789}


def stored_lead(session: Session, data: Mapping[str, Any], *, source: str) -> Lead:
    """A lead created through the store's one create (its checks included), loaded."""
    lead = session.get(Lead, create_lead(session, data, source=source))
    assert lead is not None
    return lead


def sheet_won_conflict(
    partner: str,
    record_id: str,
    field: str,
    *,
    base: Any,
    sheet: Any,
    store: Any,
    resolved: Any = None,
) -> Conflict:
    """A conflict on a lead's field that the sheet won (``sheet_wins``), as a
    sync records it; open until someone resolves it."""
    return Conflict(
        partner=partner,
        tab="leads",
        record_id=record_id,
        field=field,
        base_value=base,
        sheet_value=sheet,
        store_value=store,
        resolved_value=resolved,
        policy="sheet_wins",
        winner="sheet",
    )


def leads_run(
    partner: str,
    *,
    trigger: str,
    outcome: str,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
    **extra: Any,
) -> SyncRun:
    """A past sync of a partner's Leads tab as the sync records it, so that the
    tests which read run history (KPIs, the sync page, the scheduler's catch-up)
    plant it one way; ``extra`` sets the other columns (counts, header report)."""
    return SyncRun(
        partner=partner,
        tab="leads",
        trigger=trigger,
        outcome=outcome,
        started_at=started_at if started_at is not None else utcnow(),
        finished_at=finished_at,
        **extra,
    )


def finished_leads_run(
    partner: str,
    outcome: str,
    *,
    at: datetime,
    seconds: float,
    trigger: str = "nightly",
    **extra: Any,
) -> SyncRun:
    """A past Leads sync that finished at ``at`` after ``seconds``."""
    return leads_run(
        partner,
        trigger=trigger,
        outcome=outcome,
        started_at=at - timedelta(seconds=seconds),
        finished_at=at,
        **extra,
    )


@dataclass
class Seeded:
    tokens: dict[str, str] = field(default_factory=dict)  # "admin", "lv", "ee", "fi" -> secret
    leads: dict[str, list[str]] = field(default_factory=dict)  # partner -> lead ids
    agreements: list[str] = field(default_factory=list)
    quarantine_id: int = 0
    quarantine_row: int = 0
    conflict_id: int = 0


def seed(store: Store, *, leads_per_partner: int = 30) -> Seeded:
    out = Seeded()
    with store.session() as s:
        for name, partner in (("admin", None), ("lv", "lv"), ("ee", "ee"), ("fi", "fi")):
            _token, secret = create_token(s, f"{name} staff", partner)
            out.tokens[name] = secret
        countries = {"lv": "LV", "ee": "EE", "fi": "FI"}
        for p_index, partner in enumerate(("lv", "ee", "fi")):
            ids = []
            for i in range(leads_per_partner):
                buyer = i % 3 == 0
                lead = stored_lead(
                    s,
                    {
                        "partner": partner,
                        "company_name": f"{partner.upper()} Firm {i:02d}"
                        + (" Baku" if buyer else ""),
                        "country": "AZ" if buyer else countries[partner],
                        "sector": SECTORS[(i + p_index) % len(SECTORS)],
                        "role": "buyer" if buyer else "seller",
                        "stage": STAGES[(i * 3 + p_index) % len(STAGES)],
                        "contact_name": f"Contact {partner}{i}",
                        "email": f"contact{i}@{partner}-firm{i}.example",
                        "source": "b2b_forum",
                    },
                    source=f"sheet:{partner}",
                )
                ids.append(lead.id)
            out.leads[partner] = ids
        s.flush()
        start = date(2023, 6, 15)
        plan = [
            ("lv", 1, 0, "signed", 0, 25000.0),
            ("lv", 4, 3, "signed", 190, 12500.5),
            ("ee", 1, 0, "signed", 400, 40000.0),
            ("fi", 1, 0, "signed", 700, 8000.0),
            ("fi", 2, 3, "negotiating", None, 5000.0),
            ("ee", 2, 3, "draft", None, None),
            ("lv", 5, 6, "cancelled", None, 1000.0),
        ]
        for partner, seller_i, buyer_i, status, days, value in plan:
            data = {
                "seller_id": out.leads[partner][seller_i],
                "buyer_id": out.leads[partner][buyer_i],
                "sector": "ict",
                "subject": f"Software licences {partner} {seller_i}",
                "status": status,
                "reporting_partner": partner,
                "currency": "EUR",
            }
            if value is not None:
                data["value"] = value
            if days is not None:
                data["signed_date"] = (start + timedelta(days=days)).isoformat()
            out.agreements.append(records.create_agreement(s, data, source=f"sheet:{partner}").id)
        lead = s.get(records.Lead, out.leads["lv"][1])
        records.update_record(s, lead, {"stage": "negotiation"}, source="sheet:lv")
        now = utcnow()
        for partner in ("lv", "ee", "fi"):
            for tab in ("leads", "agreements"):
                gid = LEADS_GIDS[partner] if tab == "leads" else LEADS_GIDS[partner] + 1
                s.add(SyncTab(partner=partner, tab=tab, columns={}, sheet_id=gid))
            for n, (outcome, cells) in enumerate(
                [("completed", 12), ("failed", 0), ("completed", 3)]
            ):
                for tab in ("leads", "agreements"):
                    started = now - timedelta(hours=30 - n * 10, minutes=5)
                    s.add(
                        SyncRun(
                            partner=partner,
                            tab=tab,
                            trigger="nightly" if n == 0 else "webhook",
                            started_at=started,
                            finished_at=started + timedelta(seconds=2.5 + n),
                            outcome=outcome,
                            counts={"rows": leads_per_partner if tab == "leads" else 3},
                            api_calls=3,
                            cells_written=cells,
                            error="HTTP 503 from Google" if outcome == "failed" else None,
                        )
                    )
        entry = records.quarantine(
            s,
            kind="lead",
            source="sheet:lv",
            raw={"Uzņēmums": "Bad Row SIA", "E-pasts": "not-an-email", "Valsts": "LV"},
            errors=[
                {
                    "field": "email",
                    "code": "email",
                    "message": "E-pasts: 'not-an-email' is not a valid e-mail address.",
                    "messages": {
                        "en": "E-pasts: 'not-an-email' is not a valid e-mail address.",
                        "lv": "E-pasts: 'not-an-email' nav derīga e-pasta adrese.",
                    },
                }
            ],
            partner="lv",
            tab="leads",
            row_number=17,
            fingerprint="f" * 64,
        )
        records.quarantine(
            s,
            kind="lead",
            source="sheet:ee",
            raw={"Ettevõte": "Vigane OÜ"},
            errors=[
                {"field": "country", "code": "required", "message": "Riik: väärtus on kohustuslik."}
            ],
            partner="ee",
            tab="leads",
            row_number=5,
            fingerprint="e" * 64,
        )
        conflict = sheet_won_conflict(
            "lv",
            out.leads["lv"][2],
            "stage",
            base="new",
            sheet="meeting",
            store="qualified",
            resolved="meeting",
        )
        s.add(conflict)
        s.flush()
        out.quarantine_id = entry.id
        out.quarantine_row = 17
        out.conflict_id = conflict.id
    return out
