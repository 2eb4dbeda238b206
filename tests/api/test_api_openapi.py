"""The OpenAPI 3.1 document is valid, names every route, and the live app
answers as it says: schemathesis generates requests (valid and invalid) for
every operation and checks statuses, content types, headers and bodies."""

from __future__ import annotations

import pytest
import schemathesis
from openapi_fuzz import openapi_cases
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from integration.api.openapi import openapi_document

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def test_document_is_valid_openapi_31(app) -> None:  # type: ignore[no-untyped-def]
    doc = openapi_document(app)
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_api_and_webhook_route_is_described(app) -> None:
    described = set()
    for path, item in openapi_document(app)["paths"].items():
        for method in item:
            if method in ("get", "post", "patch", "delete", "put"):
                described.add((method.upper(), path))
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/", "/webhooks/", "/openapi", "/metrics")):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", f"{{{name}}}").replace(f"<{name}>", f"{{{name}}}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (
                method,
                path.replace("{entry_id}", "{id}")
                .replace("{conflict_id}", "{id}")
                .replace("{run_id}", "{id}")
                .replace("{request_id}", "{id}"),
            ) in described, (method, path)


@pytest.fixture
def api_schema(app, tokens, make_lead):  # type: ignore[no-untyped-def]
    # A few records so that reads and writes find something.
    make_lead("lv")
    make_lead("fi", country="AZ")
    return openapi_cases(app, max_examples=3)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@pytest.mark.slow
def test_live_responses_match_the_document(case, tokens) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(headers=tokens.admin, checks=CHECKS)
