"""The operations of ``/api/v1/leads`` and ``/api/v1/agreements``, described
once per kind: the two are twins that differ in their filters, their id
pattern, and the lead's GDPR erasure. Filter values come from the record
schemas, so a new sector or stage is offered without an edit here."""

from __future__ import annotations

from typing import Any

from integration.kinds import record_kind
from integration.web.openapi_components import ref
from integration.web.openapi_operations import (
    AGREEMENT_ID,
    ETAG_HEADER,
    IDEMPOTENCY,
    IF_MATCH,
    LEAD_ID,
    PAGING,
    PARTNER_Q,
    json_response,
    path_param,
    problems,
    query,
)
from schemas import load_schema

ID_SCHEMAS = {"lead": LEAD_ID, "agreement": AGREEMENT_ID}


def _lead_filters(props: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        query("country", {"type": "string", "enum": props["country"]["enum"]}, "Country."),
        query("stage", {"type": "string", "enum": props["stage"]["enum"]}, "Stage."),
        query("source", {"type": "string", "enum": props["source"]["enum"]}, "Source."),
        query(
            "event",
            {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"},
            "An event's id from the partners file's [[events]]: the leads whose event "
            "names it in any language or alias.",
        ),
        query(
            "q",
            {"type": "string", "maxLength": 200},
            "Text search: CRM ID, company name, company key, registration code, "
            "e-mail, contact name.",
        ),
    ]


def _agreement_filters(props: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        query("status", {"type": "string", "enum": props["status"]["enum"]}, "Status."),
        query(
            "q",
            {"type": "string", "maxLength": 200},
            "Text search: CRM ID, subject, party ids, party company names.",
        ),
    ]


#: The query parameters only one kind has.
_OWN_FILTERS = {"lead": _lead_filters, "agreement": _agreement_filters}


def _filters(kind: str) -> list[dict[str, Any]]:
    """The list operation's query parameters (the API rejects any other name)."""
    props = load_schema(kind)["properties"]
    filters = [
        PARTNER_Q,
        query("sector", {"type": "string", "enum": props["sector"]["enum"]}, "Sector."),
        *_OWN_FILTERS[kind](props),
    ]
    return [
        *filters,
        query(
            "updated_since",
            {"type": "string", "format": "date-time"},
            "Only records changed at or after this time.",
        ),
        query("include_archived", {"type": "boolean"}, "Include archived records."),
        *PAGING,
    ]


def item_parameters(kind: str) -> list[dict[str, Any]]:
    """The ``{id}`` of ``/<plural>/{id}``."""
    return [path_param("id", ID_SCHEMAS[kind])]


def list_operation(kind: str, plural: str) -> dict[str, Any]:
    title = kind.capitalize()
    return {
        "operationId": f"list{title}s",
        "summary": f"List {plural} (cursor pagination, ordered by id)",
        "parameters": _filters(kind),
        "responses": {
            "200": json_response(ref(f"{title}Page"), f"A page of {plural}."),
            **problems(400, 401, 404, 503),
        },
    }


def create_operation(kind: str) -> dict[str, Any]:
    title = kind.capitalize()
    return {
        "operationId": f"create{title}",
        "summary": f"Create a {kind}",
        "parameters": [IDEMPOTENCY],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ref(f"{title}Input")}},
        },
        "responses": {
            "201": json_response(
                ref(title),
                f"The new {kind}.",
                headers={**ETAG_HEADER, "Location": {"schema": {"type": "string"}}},
            ),
            **(
                {
                    "202": json_response(
                        ref("WebhookDuplicate"),
                        "The firm is another partner's lead: nothing of it was changed; "
                        "the input was kept for this partner as a duplicate linked to it, "
                        "for review.",
                    )
                }
                if record_kind(kind).is_firm
                else {}
            ),
            **problems(400, 401, 409, 413, 415, 422, 503),
        },
    }


def get_operation(kind: str) -> dict[str, Any]:
    title = kind.capitalize()
    return {
        "operationId": f"get{title}",
        "summary": f"One {kind}",
        "responses": {
            "200": json_response(ref(title), f"The {kind}.", headers=ETAG_HEADER),
            **problems(401, 404, 503),
        },
    }


def patch_operation(kind: str) -> dict[str, Any]:
    title = kind.capitalize()
    body = {"schema": ref(f"{title}Patch")}
    return {
        "operationId": f"patch{title}",
        "summary": f"Change a {kind} (JSON merge patch)",
        "parameters": [IF_MATCH],
        "requestBody": {
            "required": True,
            "content": {"application/merge-patch+json": body, "application/json": body},
        },
        "responses": {
            "200": json_response(ref(title), f"The changed {kind}.", headers=ETAG_HEADER),
            **problems(400, 401, 403, 404, 409, 412, 413, 415, 422, 503),
        },
    }


ERASE_LEAD = {
    "operationId": "eraseLead",
    "summary": "GDPR erasure of the lead's person",
    "description": "Personal fields are erased in the store, a hashed tombstone keeps "
    "the person from coming back, the audit keeps only the fact, and the sheet cells "
    "are blanked by the next sync (requested here). Repeating it is harmless. A "
    "partner token erases its own lead, and its tombstone blocks only its own sheet, "
    "forms and API; an admin token's erasure reaches every partner's copies of the "
    "person. The answer says which.",
    "responses": {
        "200": json_response(ref("Erasure"), "Erased; how far it reached."),
        **problems(401, 403, 404, 503),
    },
}
