"""The report's figures against a network whose totals are worked out by hand
here (not by the report code), on SQLite and PostgreSQL: the first quarter of
2025 for the whole network, then the Latvian partner's share of it."""

from __future__ import annotations

from datetime import date

import pytest
from report_fixture import plant

from integration.reports import make_report
from integration.reports.render import to_json
from integration.reports.request import ReportError, report_request

Q1 = {"start": "2025-01-01", "end": "2025-03-31", "today": date(2026, 12, 7)}


def rows(report: dict, table: str) -> list[dict]:  # type: ignore[type-arg]
    return report["tables"][table]["rows"]


def totals(report: dict, table: str) -> list[dict]:  # type: ignore[type-arg]
    return report["tables"][table]["totals"]


@pytest.fixture
def network(store):  # type: ignore[no-untyped-def]
    return plant(store)


def quarter(store, config, **params):  # type: ignore[no-untyped-def]
    request = report_request(config, **{**Q1, "by": "month", **params})
    with store.session() as s:
        return to_json(make_report(s, config, request), config)


def test_the_networks_first_quarter_of_2025(store, config, network) -> None:  # type: ignore[no-untyped-def]
    report = quarter(store, config)
    summary = {r["item"]: r["value"] for r in rows(report, "summary")}
    # In Q1: A3 (15 Jan), A1 (1 Feb), A2 (31 Mar); A5 (Nov 2024) before, A4 (1 Apr)
    # after, A6 not signed.
    assert summary["signed_in_period"] == 3
    assert summary["signed_to_date"] == 4  # A5 + the three
    assert summary["target"] == 10 and summary["progress"] == 0.4
    # Window 2023-03-01..2026-02-28 is 366 + 365 + 365 = 1096 days; by 31 Mar 2025
    # 366 + 365 + 31 = 762 have passed: 10 * 762 / 1096 = 6.952...
    assert summary["expected_by_end"] == 6.95
    assert summary["scope"] is None and report["scope"]["label"] == "all partners"

    def agreements(table: str, *group: str) -> dict:  # type: ignore[type-arg]
        return {
            (*(r[g] for g in group), r["currency"]): (r["signed"], r["value"])
            for r in rows(report, table)
        }

    assert agreements("agreements_by_partner", "partner") == {
        ("lv", "EUR"): (2, 12500.5),  # A1 10,000 + A2 2,500.50
        ("ee", "EUR"): (1, 7000.0),
        ("fi", None): (0, None),  # A4 falls in Q2
    }
    assert agreements("agreements_by_sector", "sector") == {
        ("education", "EUR"): (1, 7000.0),
        ("green_tech", "EUR"): (1, 2500.5),
        ("ict", "EUR"): (1, 10000.0),
    }
    assert agreements("agreements_by_period", "period") == {
        ("2025-01", "EUR"): (1, 7000.0),
        ("2025-02", "EUR"): (1, 10000.0),
        ("2025-03", "EUR"): (1, 2500.5),
    }
    assert agreements("agreements_by_country", "seller_country", "buyer_country") == {
        ("EE", "AZ", "EUR"): (1, 7000.0),
        ("LV", "AZ", "EUR"): (2, 12500.5),
    }
    for table in ("agreements_by_partner", "agreements_by_sector", "agreements_by_country"):
        assert [(t["currency"], t["signed"], t["value"]) for t in totals(report, table)] == [
            ("EUR", 3, 19500.5)
        ]
    listed = rows(report, "signed_agreements")
    assert [(r["signed_date"], r["seller"], r["buyer"]) for r in listed] == [
        ("2025-01-15", "Tarkvara OÜ", "Absheron Edu"),
        ("2025-02-01", "Alfa SIA", "Baku Soft"),
        ("2025-03-31", "Zaļā SIA", "Caspian Green"),
    ]
    # Leads recorded in Q1: L1, L2, L3, E1, E2, F2 (L4 in Dec 2024, F1 in April).
    by_source = {r["source"]: r["leads"] for r in rows(report, "leads_by_source")}
    assert by_source == {
        "b2b_forum": 3,  # L1, E1, E2
        "trade_mission": 1,  # L2
        "web_form": 2,  # L3, F2
        "referral": 0,
        "other": 0,
    }
    by_event = {
        (r["event"], r["on_event_list"]): r["leads"] for r in rows(report, "leads_by_event")
    }
    assert by_event == {
        ("baku-b2b-2023", True): 1,  # E2, in Estonian
        ("baku-mission-2024", True): 1,  # L2, in Latvian
        ("lef-networking-2025", True): 2,  # L1 in Latvian, E1 in Estonian
        ("Rīgas brokastis", False): 1,  # L3: on no list, kept and shown as typed
        (None, None): 1,  # F2: no event
    }
    assert totals(report, "leads_by_event")[0]["leads"] == 6
    assert {r["stage"]: r["leads"] for r in rows(report, "leads_by_stage") if r["leads"]} == {
        "won": 2,  # L1, L2
        "negotiation": 1,
        "meeting": 1,
        "new": 1,
        "contacted": 1,
    }
    assert {r["partner"]: r["leads"] for r in rows(report, "leads_by_partner")} == {
        "lv": 3,
        "ee": 2,
        "fi": 1,
    }
    # Firms recorded by 31 Mar (all but F1); new in Q1; party to an agreement signed by then.
    counts = ("firms", "new_in_period", "in_signed_agreements")
    firms = {
        (r["country"], r["sector"]): tuple(r[c] for c in counts) for r in rows(report, "firms")
    }
    assert firms == {
        ("AZ", "education"): (1, 1, 1),  # E2 (A3)
        ("AZ", "green_tech"): (1, 0, 1),  # L4 (A5, A2)
        ("AZ", "ict"): (1, 1, 1),  # L2 (A1)
        ("AZ", "interior_design"): (1, 1, 0),  # F2: A4 is signed after the period
        ("EE", "ict"): (1, 1, 1),  # E1
        ("LV", "green_tech"): (1, 1, 1),  # L3
        ("LV", "ict"): (1, 1, 1),  # L1
    }
    assert totals(report, "firms")[0] == {
        "country": None,
        "sector": None,
        "firms": 7,
        "new_in_period": 6,
        "in_signed_agreements": 6,
    }
    progress = [(r["period"], r["signed"], r["cumulative"]) for r in rows(report, "progress")]
    assert progress == [("2025-01", 1, 2), ("2025-02", 1, 3), ("2025-03", 1, 4)]


def test_a_partners_share_covers_only_its_own_and_says_so(store, config, network) -> None:  # type: ignore[no-untyped-def]
    report = quarter(store, config, partner="lv", by="quarter")
    summary = {r["item"]: r["value"] for r in rows(report, "summary")}
    assert summary["scope"] == "lv"
    assert report["scope"]["label"] == "Latvian Chamber of Commerce and Industry"
    assert summary["signed_in_period"] == 2 and summary["signed_to_date"] == 3  # A1, A2; + A5
    shares = rows(report, "agreements_by_partner")
    assert [(r["partner"], r["signed"], r["value"]) for r in shares] == [("lv", 2, 12500.5)]
    assert totals(report, "agreements_by_sector")[0]["value"] == 12500.5
    assert {r["partner"]: r["leads"] for r in rows(report, "leads_by_partner")} == {"lv": 3}
    names = {r["seller"] for r in rows(report, "signed_agreements")}
    assert names == {"Alfa SIA", "Zaļā SIA"}
    assert "Tarkvara OÜ" not in str(report) and "Design Oy" not in str(report)
    assert rows(report, "progress") == [
        {"period": "2025-Q1", "signed": 2, "cumulative": 3, "expected": 6.95}
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2025-13-01"}, "from"),
        ({"start": "2025-04-01", "end": "2025-03-01"}, "to"),
        ({"by": "week"}, "by"),
        ({"partner": "zz"}, "partner"),
        ({"lang": "xx"}, "lang"),
    ],
)
def test_a_bad_parameter_is_named(config, params, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReportError) as info:
        report_request(config, **params)
    assert info.value.field == field
