"""KPI numbers (API, CLI) and the Prometheus /metrics text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner
from metrics_scrape import families, samples, value
from seeding import finished_leads_run
from sqlalchemy import select

from integration.store.models import Agreement


def agreement(client, tokens, seller, buyer, partner, **fields):  # type: ignore[no-untyped-def]
    body = {"seller_id": seller, "buyer_id": buyer, "reporting_partner": partner, **fields}
    resp = client.post("/api/v1/agreements", json=body, headers=tokens.admin)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def signed(client, tokens, seller, buyer, partner, signed_date, sector):  # type: ignore[no-untyped-def]
    """A signed agreement between two leads, as the KPI counts them."""
    return agreement(
        client,
        tokens,
        seller["id"],
        buyer["id"],
        partner,
        status="signed",
        signed_date=signed_date,
        sector=sector,
    )


def test_kpi_counts_signed_agreements_in_the_window(client, tokens, make_lead, store) -> None:
    lv = make_lead("lv")
    ee = make_lead("ee", sector="education")
    az = make_lead("fi", country="AZ")
    signed(client, tokens, lv, az, "lv", "2024-05-10", "ict")
    signed(client, tokens, ee, az, "ee", "2025-01-02", "education")
    signed(client, tokens, ee, az, "ee", "2022-12-31", "education")  # before the window
    agreement(client, tokens, lv["id"], az["id"], "lv", status="negotiating")
    archived = signed(client, tokens, lv, az, "lv", "2024-06-01", "ict")
    with store.session() as s:
        s.get(Agreement, archived["id"]).archived_at = datetime.now(UTC)
    kpi = client.get("/api/v1/kpi", headers=tokens.ee).get_json()
    assert kpi["signed"] == 2 and kpi["target"] == 10 and kpi["remaining"] == 8
    assert {p["partner"]: p["signed"] for p in kpi["by_partner"]} == {"ee": 1, "fi": 0, "lv": 1}
    assert kpi["by_sector"] == [
        {"sector": "education", "signed": 1},
        {"sector": "ict", "signed": 1},
    ]
    assert kpi["by_country"] == [{"country": "AZ", "signed": 2}]
    months = {m["month"]: m for m in kpi["by_month"]}
    assert months["2024-05"]["signed"] == 1 and months["2024-12"]["cumulative"] == 1
    assert months["2025-01"]["cumulative"] == 2
    only_lv = client.get("/api/v1/kpi?partner=lv", headers=tokens.lv).get_json()
    assert only_lv["signed"] == 1


def test_kpi_command_prints_the_same_numbers(
    client, tokens, make_lead, config, store, monkeypatch
) -> None:
    lv, az = make_lead("lv"), make_lead("fi", country="AZ")
    signed(client, tokens, lv, az, "lv", "2024-05-10", "ict")
    from integration.cli import cli as main

    env = {
        "CRM_CONFIG": str(config.config_path),
        "DATABASE_URL": store.url,
        **{k: v for k, v in config.environ.items() if k.startswith("CRM_")},
    }
    result = CliRunner().invoke(main, ["kpi", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    api = client.get("/api/v1/kpi", headers=tokens.admin).get_json()
    assert data["signed"] == api["signed"] == 1
    assert data["by_sector"] == api["by_sector"]
    table = CliRunner().invoke(main, ["kpi", "--partner", "lv"], env=env)
    assert table.exit_code == 0 and "1 of 10" in table.output
    bad = CliRunner().invoke(main, ["kpi", "--partner", "zz"], env=env)
    assert bad.exit_code == 2 and "unknown partner" in bad.output


def test_metrics_text_format(client, tokens, store) -> None:  # type: ignore[no-untyped-def]
    with store.session() as s:
        s.add(
            finished_leads_run(
                "lv",
                "ok",
                at=datetime.now(UTC),
                seconds=12,
                trigger="cli",
                api_calls=7,
                cells_written=40,
            )
        )
    client.get("/api/v1/leads", headers=tokens.lv)
    client.get("/api/v1/leads")
    resp = client.get("/metrics")
    assert resp.status_code == 200
    assert resp.content_type.startswith("text/plain; version=0.0.4")
    text = resp.get_data(as_text=True)
    # prometheus_client's own parser reads every line (it raises on a bad one)
    kinds = families(text)
    assert kinds["crm_api_requests"] == "counter"
    assert kinds["crm_sync_run_duration_seconds"] == "histogram"
    assert kinds["crm_quarantine_open"] == "gauge"
    assert samples(
        text, "crm_api_requests_total", method="GET", route="/api/v1/leads", status="401"
    )
    assert value(text, "crm_sync_runs_total", partner="lv", outcome="ok") == 1
    assert value(text, "crm_sheets_api_calls_total", partner="lv") == 7
    assert value(text, "crm_sheets_cells_written_total", partner="lv") == 40
    bucket = "crm_sync_run_duration_seconds_bucket"
    assert value(text, bucket, partner="lv", le="15") == 1
    assert value(text, bucket, partner="lv", le="5") == 0
    assert value(text, bucket, partner="lv", le="+Inf") == 1
    assert value(text, "crm_sync_run_duration_seconds_sum", partner="lv") == 12
    # each name once: HELP and TYPE are not repeated, no _created series
    names = [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")]
    assert len(names) == len(set(names))
    assert "_created" not in text


def test_metrics_are_the_hosts_and_the_admins_only(client, tokens) -> None:  # type: ignore[no-untyped-def]
    """``/metrics`` holds every partner's figures: from another address, only an
    admin's token reads them; a partner's token, no token or a wrong one is 403."""
    remote = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.get("/metrics").status_code == 200  # Prometheus on this host
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    for headers in ({}, tokens.lv, {"Authorization": "Bearer lcs_not-a-token"}):
        answer = client.get("/metrics", environ_base=remote, headers=headers)
        assert answer.status_code == 403, headers
        assert answer.content_type == "application/problem+json"
        assert "crm_" not in answer.get_data(as_text=True)
    admin = client.get("/metrics", environ_base=remote, headers=tokens.admin)
    assert admin.status_code == 200 and "crm_api_requests_total" in admin.text


def test_tokens_command(config, store) -> None:
    from integration.auth import verify_token
    from integration.cli import cli as main
    from integration.store.models import ApiToken

    env = {
        "CRM_CONFIG": str(config.config_path),
        "DATABASE_URL": store.url,
        **{k: v for k, v in config.environ.items() if k.startswith("CRM_")},
    }
    runner = CliRunner()
    made = runner.invoke(
        main, ["tokens", "create", "--partner", "lv", "--name", "lv import"], env=env
    )
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    with store.session() as s:
        token = verify_token(s, secret)
        assert token is not None and token.partner == "lv"
        assert secret not in json.dumps([t.token_hash for t in s.scalars(select(ApiToken))])
        token_id = token.id
    listed = runner.invoke(main, ["tokens", "list"], env=env)
    assert "lv import" in listed.output and secret not in listed.output
    assert runner.invoke(main, ["tokens", "revoke", str(token_id)], env=env).exit_code == 0
    with store.session() as s:
        assert verify_token(s, secret) is None
    both = runner.invoke(main, ["tokens", "create", "--partner", "lv", "--admin"], env=env)
    assert both.exit_code == 2
    assert runner.invoke(main, ["tokens", "revoke", "999"], env=env).exit_code == 2
