"""Leads filtered by source and by event over the API, on both stores: every
spelling of an event counts for it; an event not on the list is refused."""

from __future__ import annotations

import pytest
from report_fixture import plant


@pytest.fixture
def network(store):  # type: ignore[no-untyped-def]
    return plant(store)


def ids(client, network, who: str, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {network.tokens[who]}"}
    answer = client.get(f"/api/v1/leads?{query}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return sorted(item["id"] for item in answer.get_json()["items"])


def test_leads_by_event_in_every_language_and_by_source(client, network) -> None:  # type: ignore[no-untyped-def]
    by = network.ids
    # L1 (Latvian name), E1 (Estonian), F1 (Finnish, typed as lower case)
    assert ids(client, network, "admin", "event=lef-networking-2025") == sorted(
        [by["L1"], by["E1"], by["F1"]]
    )
    assert ids(client, network, "lv", "event=lef-networking-2025") == [by["L1"]]
    assert ids(client, network, "admin", "event=baku-b2b-2023&source=b2b_forum") == [by["E2"]]
    assert ids(client, network, "admin", "source=web_form") == sorted([by["L3"], by["F2"]])
    headers = {"Authorization": f"Bearer {network.tokens['admin']}"}
    for bad in ("no-such-event", ""):
        unknown = client.get(f"/api/v1/leads?event={bad}", headers=headers)
        assert unknown.status_code == 400 and unknown.get_json()["errors"][0]["field"] == "event"
