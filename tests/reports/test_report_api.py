"""``GET /api/v1/report`` over the app on both stores: the same figures as the
command, a partner token's own share only, files with the same words, bad
parameters named in a problem+json answer."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from report_fixture import plant

from integration.api.openapi import openapi_document

Q1 = "from=2025-01-01&to=2025-03-31"


@pytest.fixture
def network(store):  # type: ignore[no-untyped-def]
    return plant(store)


def get(client, network, who: str, query: str):  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {network.tokens[who]}"}
    return client.get(f"/api/v1/report?{query}", headers=headers)


def summary(body) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {r["item"]: r["value"] for r in body["tables"]["summary"]["rows"]}


def test_admin_and_partner_scopes(client, network) -> None:  # type: ignore[no-untyped-def]
    admin = get(client, network, "admin", Q1)
    assert admin.status_code == 200, admin.get_json()
    body = admin.get_json()
    assert summary(body)["signed_in_period"] == 3 and body["scope"]["partner"] is None
    # A partner token without ?partner= gets its own share, and the scope says so.
    lv = get(client, network, "lv", Q1).get_json()
    assert lv["scope"] == {"partner": "lv", "label": "Latvian Chamber of Commerce and Industry"}
    assert summary(lv)["signed_in_period"] == 2
    totals = lv["tables"]["agreements_by_partner"]["totals"]
    assert [(t["currency"], t["signed"], t["value"]) for t in totals] == [("EUR", 2, 12500.5)]
    assert "Tarkvara" not in str(lv) and "Absheron" not in str(lv)
    # Another partner's share is not there for it (404, as for an unknown resource).
    other = get(client, network, "lv", Q1 + "&partner=ee")
    assert other.status_code == 404
    assert other.mimetype == "application/problem+json"
    # The admin may narrow to one partner.
    ee = get(client, network, "admin", Q1 + "&partner=ee").get_json()
    assert summary(ee)["signed_in_period"] == 1 and ee["scope"]["partner"] == "ee"


def test_the_files_carry_the_same_report(client, network) -> None:  # type: ignore[no-untyped-def]
    xlsx = get(client, network, "ee", Q1 + "&format=xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames[0] == "Kokkuvõte"  # the Estonian partner's language by default
    sheet = book["Lepingud partnerite kaupa"]
    assert [c.value for c in sheet[2]] == [
        "Estonian Chamber of Commerce and Industry",
        "EUR",
        1,
        7000,
    ]
    csv_answer = get(client, network, "admin", Q1 + "&format=csv&lang=fi")
    assert csv_answer.mimetype == "text/csv"
    text = csv_answer.get_data(as_text=True)
    assert (
        "Sopimukset kumppaneittain" in text and "Yhteensä (kaikki kumppanit);EUR;3;19500,5" in text
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-02-30", "from"),
        ("to=", "to"),
        ("from=2025-04-01&to=2025-01-01", "to"),
        ("by=week", "by"),
        ("lang=xx", "lang"),
        ("format=pdf", "format"),
        ("partner=zz", "partner"),
        ("period=q1", "period"),
    ],
)
def test_a_bad_parameter_is_named(client, network, query, field) -> None:  # type: ignore[no-untyped-def]
    answer = get(client, network, "admin", query)
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["errors"][0]["field"] == field


def test_the_report_is_in_the_openapi_document(app) -> None:  # type: ignore[no-untyped-def]
    operation = openapi_document(app)["paths"]["/api/v1/report"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"from", "to", "by", "partner", "lang", "format", "source", "event"}
