"""A quarantine entry whose values identify an erased person keeps none of them,
and its one problem is data every reader reads in their own language."""

from __future__ import annotations

from seeding import stored_lead
from test_store import _lead

from integration.issues import render
from integration.store import records
from integration.store.db import Store
from integration.store.models import Lead


def test_an_erased_persons_payload_is_replaced_by_one_problem_as_data(store: Store) -> None:
    with store.session() as session:
        lead_id = stored_lead(session, _lead(), source="webhook:lv").id
    with store.session() as session:
        records.erase_lead(session, session.get(Lead, lead_id), source="api", scope=None)
    with store.session() as session:
        typed = [{"field": "email", "code": "email", "params": {"value": "x"}}]
        raw, errors = records.kept_payload(session, _lead(), typed, "lv")
    assert raw == {}
    assert errors == [{"field": "", "code": "erased", "params": {}}]
    assert render(errors[0], "en") == (
        "The values were not kept: they identify a person who asked to be erased (GDPR)."
    )
    assert render(errors[0], "et").startswith("Väärtusi ei säilitatud")
