"""Fuzzing what people type: hypothesis-generated sheet cells and webhook payloads
(unicode, huge strings, control characters, formula-looking values, numbers as
text) through normalisation, validation, the webhook endpoint and a real sync;
plus schemathesis with the checks the API's own run leaves out, as a partner.

Every outcome is a valid record or a clear error; nothing crashes; a value that
looks like a formula is stored and written back as the same inert text.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_fuzz import openapi_cases
from schemathesis.checks import (
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    not_a_server_error,
    unsupported_method,
    use_after_free,
)
from seeding import stored_lead
from signed_forms import post_signed_form
from sqlalchemy import select

from integration.auth import create_token
from integration.demo.data import AGREEMENT_COLUMNS, LEAD_COLUMNS
from integration.normalise import normalise_record
from integration.store.models import Lead, QuarantineEntry
from integration.validation import validate_record

#: The fields a partner fills in: the columns of the sheet's tabs.
LEAD_FIELDS = list(LEAD_COLUMNS)
AGREEMENT_FIELDS = list(AGREEMENT_COLUMNS)

FORMULAS = [
    "=1+1",
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    '=IMPORTXML("http://x","//a")',
    "\t=1+1",
]
NUMBERS_AS_TEXT = [
    "0",
    "007",
    "1e5",
    "1,5",
    "1 234,50 €",
    "-0",
    "NaN",
    "Infinity",
    "2025-13-45",
    "12.03.2025",
    "45000",
    "40003521600",
    "+371 2612 3456",
]
CONTROL = "".join(chr(c) for c in (*range(0, 32), 127, 0x85, 0x2028, 0x202E, 0xFEFF))

cells = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(CONTROL + "aĀ=+-@ "), max_size=20),
    st.sampled_from(FORMULAS + NUMBERS_AS_TEXT),
    st.builds(lambda s, n: s * n, st.sampled_from(["x", "Ā", "😀", "=A1"]), st.integers(1, 20000)),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
)


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
        return True
    except (TypeError, ValueError):
        return False


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["lead", "agreement"]),
    st.sampled_from(["en", "lv", "et", "fi"]),
    st.data(),
)
def test_any_cells_normalise_and_validate_to_a_record_or_clear_issues(
    kind: str, locale: str, data: Any
) -> None:
    fields = LEAD_FIELDS if kind == "lead" else AGREEMENT_FIELDS
    raw = data.draw(st.dictionaries(st.sampled_from(fields), cells, max_size=len(fields)))
    record, issues = normalise_record(
        kind, raw, locale, partner="lv", resolve_party=lambda *_: None
    )
    assert isinstance(record, dict)
    for issue in issues:
        assert issue.field and issue.code and issue.message and "\n" not in issue.message
    problems = validate_record(kind, record, locale=locale)
    for issue in problems:
        assert issue.field is not None and issue.code and issue.message
        assert "Traceback" not in issue.message
        assert len(issue.message) < 2000, "an error message must stay readable"
    if not issues and not problems:
        # a clean outcome is a record the store can hold as JSON
        assert _jsonable(record), record
    # formula-looking text is never evaluated: it stays the text it was
    for name, value in raw.items():
        textual = name in ("company_name", "notes", "subject")
        if isinstance(value, str) and value in FORMULAS and textual and name in record:
            assert record[name].strip() == value.strip()


def _send(client: Any, secret: str, payload: Any, partner: str = "lv") -> Any:
    return post_signed_form(client.post, f"/webhooks/forms/{partner}", secret, payload)


payload_values = st.one_of(
    cells.filter(lambda v: _jsonable(v)),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
)
payloads = st.one_of(
    st.dictionaries(
        st.one_of(st.sampled_from(LEAD_FIELDS), st.text(max_size=30)), payload_values, max_size=12
    ),
    st.fixed_dictionaries(
        {
            "company_name": cells.filter(_jsonable),
            "country": st.sampled_from(["LV", "Latvija", "xx"]),
            "sector": st.sampled_from(["ict", "IKT", "?"]),
        },
        optional={k: payload_values for k in ("email", "phone", "notes", "gdpr_consent")},
    ),
    st.lists(st.integers(), max_size=3),
    st.text(max_size=20),
    st.integers(),
    st.none(),
)


def test_fuzzed_webhook_payloads_are_stored_or_refused_clearly(client, store, config) -> None:
    """On each engine: hypothesis payloads through the signed webhook endpoint."""
    secret = config.environ["LV_WEBHOOK_SECRET"]
    seen: dict[int, int] = {}

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(payloads)
    def check(payload: Any) -> None:
        resp = _send(client, secret, payload)
        seen[resp.status_code] = seen.get(resp.status_code, 0) + 1
        text = resp.get_data(as_text=True)
        assert resp.status_code < 500, text[:500]
        assert "Traceback" not in text
        if resp.status_code in (200, 201):
            lead_id = resp.get_json()["id"]
            with store.session() as s:
                lead = s.get(Lead, lead_id)
                assert lead is not None
                stored = dict(lead.data)
            assert validate_record("lead", stored) == [], stored
        elif resp.status_code == 202:
            pass  # accepted for review (quarantined)
        else:
            assert resp.mimetype == "application/problem+json", text[:200]
            body = resp.get_json()
            assert body["title"] and body["detail"]

    check()
    assert any(code in seen for code in (200, 201)), seen  # some payloads really landed
    assert any(code >= 400 for code in seen), seen


def test_nul_and_lone_surrogates_in_webhooks_are_refused_naming_the_field(
    client, store, config
) -> None:
    """Text PostgreSQL cannot hold (NUL) and text no encoder can write (lone
    surrogates), sent as JSON escapes: a 400 that names the field, nothing stored."""
    secret = config.environ["LV_WEBHOOK_SECRET"]
    for notes in ("a\\u0000b", "\\ud800", "\\udfff\\ud800"):
        body = (
            '{"company_name": "SIA Nulle", "country": "LV", "sector": "ict", "notes": "'
            + notes
            + '", "email": "n'
            + str(len(notes))
            + '@nulle.lv"}'
        ).encode()
        resp = _send(client, secret, body)
        assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
        assert resp.mimetype == "application/problem+json"
        problem = resp.get_json()
        word = "NUL" if "0000" in notes else "surrogate"
        assert word in problem["detail"], problem
        assert problem["errors"][0]["field"] == "notes", problem
    with store.session() as s:
        assert s.scalars(select(Lead)).first() is None, "a refused body stores no lead"
        assert s.scalars(select(QuarantineEntry)).first() is None


FORMULA_LEAD = {
    "company_name": '=HYPERLINK("http://evil.example","SIA Formula")',
    "country": "LV",
    "sector": "ict",
    "email": "formula@x.lv",
    "contact_name": "+cmd|' /C calc'!A0",
    "notes": "=1+1",
}


def test_formula_looking_values_stay_inert_text_in_store_and_sheet(
    client, store, config, emulator
) -> None:
    """A web-form lead whose values look like formulas: stored as text, written to
    the emulator sheet RAW (the cell holds the text, it computes nothing), and a
    sheet row typed the same way comes back as the same text."""
    from emulator_fixtures import create_spreadsheet
    from fast_retry import fast_policy

    from integration.sync.engine import run_sync

    resp = _send(client, config.environ["LV_WEBHOOK_SECRET"], FORMULA_LEAD)
    assert resp.status_code == 201, resp.get_json()
    lead_id = resp.get_json()["id"]
    gc = emulator.client(timeout=5)
    typed = ["=2*21", "IKT", "LV", "SIA Typed", "@SUM(1;2)", "typed@x.lv"]
    header = ["Piezīmes", "Nozare", "Valsts", "Uzņēmums", "Kontaktpersona", "E-pasts"]
    sid = create_spreadsheet(gc, "lv", {"Leads": [header, typed], "Agreements": [["Seller"]]})
    pc = dataclasses.replace(config.partners["lv"], spreadsheet_id=sid)
    cfg = dataclasses.replace(config, partners={**config.partners, "lv": pc})
    assert run_sync(cfg, store, "lv", client=gc, retry=fast_policy()).ok
    ws = gc.open_by_key(sid).worksheet("Leads")
    for render in ("UNFORMATTED_VALUE", "FORMULA"):
        rows = ws.get_values(value_render_option=render)
        head = rows[0]
        by_id = {r[head.index("CRM ID")]: dict(zip(head, r, strict=False)) for r in rows[1:]}
        web = by_id[lead_id]
        assert web["Uzņēmums"] == FORMULA_LEAD["company_name"]
        assert web["Piezīmes"] == "=1+1" and web["Kontaktpersona"] == FORMULA_LEAD["contact_name"]
        typed_row = next(v for k, v in by_id.items() if v["Uzņēmums"] == "SIA Typed")
        assert typed_row["Piezīmes"] == "=2*21"  # not 42
    with store.session() as s:
        lead = s.get(Lead, lead_id)
        assert lead.data["notes"] == "=1+1"
        assert lead.data["company_name"] == FORMULA_LEAD["company_name"]
        other = s.scalars(select(Lead).where(Lead.id != lead_id)).one()
        assert other.data["notes"] == "=2*21" and other.data["contact_name"] == "@SUM(1;2)"


NASTY_ROWS = [
    ["SIA " + "Ā" * 40000, "LV", "IKT", "a@a.lv"],  # huge cell
    ["SIA Ctrl\x00\x01\x1b[31m", "LV", "IKT", "b@b.lv"],  # control characters
    ["\u202eSIA Reversed", "Latvija", "ikt", "c@c.lv"],
    ["12345", "LV", "0", "not an email"],  # numbers as text, invalid sector
    ["SIA Float", "LV", "IKT", "d@d.lv"],
    ["", "", "", ""],  # blank row
    ["=1/0", "LV", "IKT", "e@e.lv"],
]


def test_nasty_sheet_cells_end_as_records_or_quarantine(store, config, emulator) -> None:
    from emulator_fixtures import create_spreadsheet
    from fast_retry import fast_policy

    from integration.sync.engine import run_sync

    gc = emulator.client(timeout=10)
    header = ["Uzņēmums", "Valsts", "Nozare", "E-pasts"]
    sid = create_spreadsheet(gc, "lv", {"Leads": [header, *NASTY_ROWS], "Agreements": [["Seller"]]})
    ws = gc.open_by_key(sid).worksheet("Leads")
    ws.update([[1234.5]], "A6", value_input_option="RAW")  # a real number where text is expected
    pc = dataclasses.replace(config.partners["lv"], spreadsheet_id=sid)
    cfg = dataclasses.replace(config, partners={**config.partners, "lv": pc})
    report = run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy())
    assert report.ok, report.tabs[0].error
    rows = ws.get_values(value_render_option="UNFORMATTED_VALUE")
    head = rows[0]
    status_col = next(i for i, h in enumerate(head) if "statuss" in str(h).lower())
    id_col = head.index("CRM ID")
    with store.session() as s:
        leads = {lead.id: lead for lead in s.scalars(select(Lead))}
        quarantined = list(s.scalars(select(QuarantineEntry)))
    quarantined_rows = {q.row_number for q in quarantined}
    filled = [
        (number, r)
        for number, r in enumerate(rows[1:], start=2)
        if any(str(c).strip() for c in r[:4])
    ]
    for number, row in filled:
        rid = row[id_col] if id_col < len(row) else ""
        status = row[status_col] if status_col < len(row) else ""
        if rid:
            # a row that became a record is clean: its status says exactly OK
            assert rid in leads and status == "OK", (number, row[:4], status)
            assert number not in quarantined_rows, number
        else:
            # a row without a record is in quarantine and its status says why
            assert number in quarantined_rows, f"row {number} neither stored nor quarantined"
            assert status and status != "OK" and ":" in status, (number, status)
    # every filled row is accounted for exactly once: a record or a quarantine entry
    assert len(leads) + len(quarantined) == len(filled), (len(leads), len(quarantined), filled)
    for lead in leads.values():
        assert "\x00" not in json.dumps(lead.data, ensure_ascii=False)
    assert rows[len(NASTY_ROWS)][0] == "=1/0"  # stays the text typed, never computed
    again = run_sync(cfg, store, "lv", tab="leads", client=gc, retry=fast_policy())
    assert again.ok and again.tabs[0].cells_written == 0, again.tabs[0].counts


# ------------------------------------------------------------ schemathesis


@pytest.fixture
def partner_schema(app, store):  # type: ignore[no-untyped-def]
    with store.session() as s:
        stored_lead(
            s,
            {"partner": "lv", "company_name": "SIA Fuzz", "country": "LV", "sector": "ict"},
            source="api",
        )
        stored_lead(
            s,
            {"partner": "ee", "company_name": "OÜ Fuzz", "country": "EE", "sector": "ict"},
            source="api",
        )
        _, secret = create_token(s, "fuzz lv", partner="lv")
    app.config["FUZZ_TOKEN"] = secret
    # CI-sized but with depth: 20 examples per operation per engine (the
    # bench/fuzz_bench.py run does a thousand).
    return openapi_cases(app, max_examples=20)


schema = schemathesis.pytest.from_fixture("partner_schema")

# The API's own run uses the admin token and the conformance checks; this one is
# a partner's token with the checks it leaves out (auth, methods, headers,
# resources that must exist or must be gone).
EXTRA_CHECKS = [
    not_a_server_error,
    ignored_auth,
    unsupported_method,
    missing_required_header,
    use_after_free,
    ensure_resource_availability,
]


@schema.parametrize()
@pytest.mark.slow
def test_partner_token_fuzzing_with_the_remaining_checks(case, app) -> None:  # type: ignore[no-untyped-def]
    if not case.path.startswith("/api/"):
        case.call_and_validate(checks=[not_a_server_error])
        return
    case.call_and_validate(
        headers={"Authorization": f"Bearer {app.config['FUZZ_TOKEN']}"}, checks=EXTRA_CHECKS
    )
