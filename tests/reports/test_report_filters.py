"""The report filtered by source and by event, against the hand-computed fixture
(:mod:`report_fixture`) on both stores, through all three interfaces: the report
definition, ``GET /api/v1/report``, ``crm-sync report`` and the Reports page.

A filter keeps the leads of that origin and the agreements one of whose parties
came that way; every spelling of a listed event counts for it."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from report_fixture import plant
from test_report_files import crm_sync, first_quarter
from test_report_page import BASE, signed_in, table

from integration.reports import make_report
from integration.reports.render import to_json
from integration.reports.request import ReportError, report_request

Q1 = {"start": "2025-01-01", "end": "2025-03-31", "today": date(2026, 12, 7), "by": "month"}


@pytest.fixture
def network(store):  # type: ignore[no-untyped-def]
    return plant(store)


def quarter(store, config, **params):  # type: ignore[no-untyped-def]
    with store.session() as s:
        return to_json(make_report(s, config, report_request(config, **{**Q1, **params})), config)


def summary(report) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {r["item"]: r["value"] for r in report["tables"]["summary"]["rows"]}


def deals(report) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(r["seller"], r["buyer"]) for r in report["tables"]["signed_agreements"]["rows"]]


def counts(report, table: str, key: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return {r[key]: r["leads"] for r in report["tables"][table]["rows"] if r["leads"]}


def test_by_event_every_spelling_counts_and_agreements_follow_their_parties(  # type: ignore[no-untyped-def]
    store, config, network
) -> None:
    report = quarter(store, config, event="lef-networking-2025")
    # Leads of Q1 met at the LEF networking event: L1 (Latvian name), E1 (Estonian);
    # F1 (Finnish) is recorded in April.
    assert counts(report, "leads_by_event", "event") == {"lef-networking-2025": 2}
    assert counts(report, "leads_by_source", "source") == {"b2b_forum": 2}
    assert report["tables"]["leads_by_event"]["totals"][0]["leads"] == 2
    # Agreements with a party met there: A3 (E1, 15 Jan) and A1 (L1, 1 Feb) in Q1;
    # A5 (L1, Nov 2024) before it, A4 (F1, April) after it.
    assert deals(report) == [("Tarkvara OÜ", "Absheron Edu"), ("Alfa SIA", "Baku Soft")]
    s = summary(report)
    assert s["signed_in_period"] == 2 and s["signed_to_date"] == 3  # + A5
    assert s["event"] == "lef-networking-2025" and s["source"] is None
    assert report["filters"] == {"source": None, "event": "lef-networking-2025"}
    totals = report["tables"]["agreements_by_partner"]["totals"]
    assert [(t["currency"], t["signed"], t["value"]) for t in totals] == [("EUR", 2, 17000.0)]
    firms = report["tables"]["firms"]["totals"][0]
    assert (firms["firms"], firms["new_in_period"]) == (2, 2)  # L1, E1


def test_by_source_and_both(store, config, network) -> None:  # type: ignore[no-untyped-def]
    web = quarter(store, config, source="web_form")
    # Leads of Q1 from a web form: L3, F2; agreements: A2 (L3) in Q1, A4 (F2) in April.
    assert counts(web, "leads_by_source", "source") == {"web_form": 2}
    assert deals(web) == [("Zaļā SIA", "Caspian Green")]
    assert summary(web)["signed_in_period"] == 1
    by_event = {
        (r["event"], r["on_event_list"]): r["leads"]
        for r in web["tables"]["leads_by_event"]["rows"]
        if r["leads"]
    }
    assert by_event == {("Rīgas brokastis", False): 1, (None, None): 1}  # L3 as typed, F2 none

    both = quarter(store, config, source="trade_mission", event="baku-mission-2024")
    assert counts(both, "leads_by_partner", "partner") == {"lv": 1}  # L2
    assert deals(both) == [("Alfa SIA", "Baku Soft")]  # A1
    none = quarter(store, config, source="b2b_forum", event="baku-mission-2024")
    assert summary(none)["signed_in_period"] == 0 and deals(none) == []
    assert none["tables"]["leads_by_event"]["totals"][0]["leads"] == 0

    # a partner's share, filtered: LV's web-form lead L3 and its A2
    lv = quarter(store, config, partner="lv", source="web_form")
    assert deals(lv) == [("Zaļā SIA", "Caspian Green")]
    assert counts(lv, "leads_by_partner", "partner") == {"lv": 1}


@pytest.mark.parametrize(
    ("params", "field"),
    [({"source": "fax"}, "source"), ({"event": "no-such-event"}, "event")],
)
def test_a_bad_filter_is_named(config, params, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReportError) as info:
        report_request(config, **params)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("source=fax", "source"),
        ("source=", "source"),
        ("event=no-such-event", "event"),
        ("event=", "event"),
        ("event=LEF%20t%C4%ABklo%C5%A1an%C4%81s%202025", "event"),  # a name, not the id
    ],
)
def test_the_api_names_a_bad_filter(client, network, query, field) -> None:  # type: ignore[no-untyped-def]
    headers = {"Authorization": f"Bearer {network.tokens['admin']}"}
    answer = client.get(f"/api/v1/report?{query}", headers=headers)
    assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
    assert answer.get_json()["errors"][0]["field"] == field


def test_the_api_filters_and_a_partner_stays_in_its_share(client, network) -> None:  # type: ignore[no-untyped-def]
    query = "from=2025-01-01&to=2025-03-31&event=lef-networking-2025"
    for who, expected in (("admin", 2), ("lv", 1), ("ee", 1), ("fi", 0)):
        headers = {"Authorization": f"Bearer {network.tokens[who]}"}
        answer = client.get(f"/api/v1/report?{query}", headers=headers)
        assert answer.status_code == 200, answer.get_json()
        assert summary(answer.get_json())["signed_in_period"] == expected, who
    lv = client.get(
        f"/api/v1/report?{query}&format=csv&lang=en",
        headers={"Authorization": f"Bearer {network.tokens['lv']}"},
    ).get_data(as_text=True)
    assert "Event,LEF networking event 2025" in lv and "Source,all sources" in lv
    assert "Tarkvara" not in lv


def test_the_command_filters(config, network, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "q1.json"
    done = first_quarter(config, out, "--event", "lef-networking-2025", "--source", "b2b_forum")
    assert "2 signed agreement(s)" in done.stdout
    body = json.loads(out.read_text("utf-8"))
    assert body["filters"] == {"source": "b2b_forum", "event": "lef-networking-2025"}
    assert summary(body)["signed_in_period"] == 2
    bad = crm_sync(config, "report", "--event", "nope", "--out", str(tmp_path / "r.csv"))
    assert bad.returncode == 2 and "--event: not an event id of the partners file" in bad.stderr
    assert "Traceback" not in bad.stderr and not (tmp_path / "r.csv").exists()
    bad = crm_sync(config, "report", "--source", "fax", "--out", str(tmp_path / "r.csv"))
    assert bad.returncode == 2 and "--source: not one of b2b_forum" in bad.stderr


def test_the_reports_page_filters(app, network) -> None:  # type: ignore[no-untyped-def]
    web = signed_in(app, network.tokens["admin"])
    page = web.get(
        "/dashboard/reports?from=2025-01-01&to=2025-03-31&lang=lv&event=lef-networking-2025",
        base_url=BASE,
    )
    assert page.status_code == 200
    html = page.text
    assert '<option value="lef-networking-2025" selected>LEF tīklošanās 2025</option>' in html
    assert 'data-report-filter="source"' in html and ">Tirdzniecības misija<" in html
    summary_rows = {row[0]: row[1] for row in table(html, "summary")[1:]}
    assert summary_rows["Pasākums"] == "LEF tīklošanās 2025"
    assert summary_rows["Avots"] == "visi avoti"
    events = {row[0]: row[-1] for row in table(html, "leads_by_event")[1:]}
    assert events["LEF tīklošanās 2025"] == "2"
    # the downloads carry the filter
    xlsx = re.search(r'href="([^"]*reports\.xlsx[^"]*)"', html)
    assert xlsx is not None and "event=lef-networking-2025" in xlsx.group(1)
    bad = web.get("/dashboard/reports?event=nope", base_url=BASE)
    assert bad.status_code == 400 and "event: not an event id" in bad.text
