"""Races between partners over one firm, through real HTTP on SQLite and
PostgreSQL: an attacker holding EE's token acts at the same moment LV does, so
each partner's check of "is this another partner's firm?" runs beside the
other's write. Whatever the interleaving, a firm ends with one owner."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import requests
from signed_forms import post_signed_form
from sqlalchemy import select

from integration.store.models import Lead

ROUNDS = 20


def at_once(*calls: Callable[[requests.Session], requests.Response]) -> list[Any]:
    """Send each call on its own connection and thread, released together."""
    barrier = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        session = requests.Session()
        session.trust_env = False
        barrier.wait()
        answers[i] = calls[i](session)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return answers


def _owners(store: Any, email: str) -> set[str]:
    """The partners holding a lead with ``email``."""
    with store.session() as s:
        return {
            lead.partner
            for lead in s.scalars(select(Lead))
            if (lead.data.get("email") or "").lower() == email
        }


def _merge_against_create(live: str, http: Any, config: Any, auth: Any, email: str) -> tuple:
    """EE keeps an invalid form carrying ``email``, then merges it into its own
    blank lead while LV creates a lead with ``email``; both answers."""
    kept = post_signed_form(
        http.post,
        f"{live}/webhooks/forms/ee",
        config.environ["EE_WEBHOOK_SECRET"],
        {"company_name": f"Firma {email}", "country": "LV", "sector": "mining", "email": email},
        timeout=10,
    )
    assert kept.status_code == 422, kept.text
    listed = http.get(f"{live}/api/v1/quarantine?limit=200", headers=auth["ee"]).json()
    entry = next(e["id"] for e in listed["items"] if e["raw"].get("email") == email)
    own = http.post(
        f"{live}/api/v1/leads",
        json={"company_name": f"Oma {email}", "country": "EE", "sector": "ict"},
        headers=auth["ee"],
    )
    assert own.status_code == 201, own.text
    lv_lead = {"company_name": f"SIA {email}", "country": "LV", "sector": "ict", "email": email}
    return tuple(
        at_once(
            lambda s: s.post(
                f"{live}/api/v1/quarantine/{entry}/merge",
                json={"into": own.json()["id"]},
                headers=auth["ee"],
            ),
            lambda s: s.post(f"{live}/api/v1/leads", json=lv_lead, headers=auth["lv"]),
        )
    )


def test_a_merge_racing_another_partners_create_never_gives_one_firm_two_owners(
    live, http, config, store, auth
) -> None:
    """Before the fix the merge's firm check ran without the firm locks a create
    takes, and on PostgreSQL about half the rounds left the firm with both
    partners (LV's lead and EE's lead with one e-mail)."""
    for _ in range(ROUNDS):
        email = f"sales@firm{uuid.uuid4().hex[:8]}.lv"
        merged, created = _merge_against_create(live, http, config, auth, email)
        assert merged.status_code in (200, 409), merged.text
        assert created.status_code in (201, 202), created.text
        assert len(_owners(store, email)) == 1, (merged.text, created.text)
