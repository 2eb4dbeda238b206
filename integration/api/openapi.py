"""The OpenAPI 3.1 description of the JSON API and the webhooks (``/openapi.json``).

Built from the same JSON Schemas the validator uses (``schemas/*.schema.json``),
so a field added to a schema appears in the API description without a second
edit. A test runs schemathesis against this document and the live app.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from schemas import load_schema

READ_ONLY = ("id", "created_at", "updated_at")
DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _base(kind: str) -> dict[str, Any]:
    schema = copy.deepcopy(load_schema(kind))
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    return schema


def _resource(kind: str) -> dict[str, Any]:
    """A record as the API returns it: schema fields plus store metadata."""
    schema = _base(kind)
    props = schema["properties"]
    props["archived_at"] = {**DATE_TIME, "readOnly": True, "description": "Set when archived."}
    if kind == "lead":
        props["erased_at"] = {
            **DATE_TIME,
            "readOnly": True,
            "description": "Set when the person's data was erased (GDPR).",
        }
    props["version"] = {
        "type": "integer",
        "minimum": 1,
        "readOnly": True,
        "description": 'Bumped on every change; the ETag is W/"<version>".',
    }
    schema["required"] = sorted({*schema.get("required", []), *READ_ONLY, "version"})
    schema.pop("if", None)
    schema.pop("then", None)
    return schema


def _input(kind: str) -> dict[str, Any]:
    """A create body: schema fields without those the store sets. The owning
    partner may be left out by a partner token (it defaults to the token's)."""
    schema = _base(kind)
    for name in READ_ONLY:
        schema["properties"].pop(name, None)
    owner = "partner" if kind == "lead" else "reporting_partner"
    schema["required"] = [r for r in schema.get("required", []) if r != owner]
    schema["title"] = f"{schema.get('title', kind)} (new)"
    return schema


def _patch(kind: str) -> dict[str, Any]:
    """A JSON merge patch (RFC 7396): any subset of fields, ``null`` removes one."""
    schema = _base(kind)
    props = {}
    for name, prop in schema["properties"].items():
        if name in READ_ONLY:
            continue
        props[name] = {"anyOf": [prop, {"type": "null"}]}
    return {
        "title": f"{schema.get('title', kind)} patch",
        "description": "JSON merge patch: the fields to change; null removes a field.",
        "type": "object",
        "additionalProperties": False,
        "properties": props,
    }


def _page(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next_cursor"],
        "additionalProperties": False,
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "next_cursor": {
                "type": ["string", "null"],
                "description": "Pass as ?cursor= for the next page; null on the last page.",
            },
        },
    }


ISSUE = {
    "type": "object",
    "required": ["field", "code", "message"],
    "properties": {
        "field": {"type": "string", "description": "The field, or '' for the whole record."},
        "code": {"type": "string"},
        "message": {"type": "string", "description": "In English."},
        "messages": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "The message by language: en and the partner's (lv, et, fi).",
        },
    },
}

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri-reference"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": _ref("Issue")},
        "existing_id": {"type": "string"},
        "reason": {"type": "string"},
    },
}

KPI = {
    "type": "object",
    "required": ["target", "signed", "by_partner", "by_sector", "by_country", "by_month"],
    "properties": {
        "project": {"type": "string"},
        "window": {
            "type": "object",
            "properties": {
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date"},
            },
        },
        "as_of": {"type": "string", "format": "date"},
        "partner": {"type": ["string", "null"]},
        "target": {"type": "integer"},
        "signed": {"type": "integer"},
        "remaining": {"type": "integer"},
        "progress": {"type": ["number", "null"]},
        "expected_by_today": {"type": "number"},
        "days_left": {"type": "integer"},
        "by_partner": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["partner", "signed"],
                "properties": {
                    "partner": {"type": "string"},
                    "name": {"type": "string"},
                    "signed": {"type": "integer"},
                },
            },
        },
        "by_sector": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"sector": {"type": "string"}, "signed": {"type": "integer"}},
            },
        },
        "by_country": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"country": {"type": "string"}, "signed": {"type": "integer"}},
            },
        },
        "by_month": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                    "signed": {"type": "integer"},
                    "cumulative": {"type": "integer"},
                },
            },
        },
    },
}

SYNC_RUN = {
    "type": "object",
    "required": ["id", "partner", "trigger", "started_at", "outcome"],
    "properties": {
        "id": {"type": "integer"},
        "partner": {"type": "string"},
        "tab": {"type": ["string", "null"]},
        "trigger": {"type": "string"},
        "started_at": DATE_TIME,
        "finished_at": NULLABLE_DATE_TIME,
        "seconds": {"type": ["number", "null"]},
        "outcome": {"type": "string"},
        "dry_run": {"type": "boolean"},
        "counts": {"type": "object"},
        "api_calls": {"type": "integer"},
        "cells_written": {"type": "integer"},
        "error": {"type": ["string", "null"]},
    },
}

QUARANTINE = {
    "type": "object",
    "required": ["id", "kind", "source", "raw", "errors", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "partner": {"type": ["string", "null"]},
        "kind": {"type": "string", "enum": ["lead", "agreement"]},
        "source": {"type": "string"},
        "tab": {"type": ["string", "null"]},
        "row_number": {"type": ["integer", "null"]},
        "raw": {"type": "object", "description": "What was received, keyed by field."},
        "errors": {"type": "array", "items": {"type": "object"}},
        "duplicate_of": {"type": ["string", "null"]},
        "created_at": DATE_TIME,
        "updated_at": NULLABLE_DATE_TIME,
        "resolved_at": NULLABLE_DATE_TIME,
        "resolution": {"type": ["string", "null"]},
    },
}

CONFLICT = {
    "type": "object",
    "required": ["id", "partner", "tab", "record_id", "field", "policy", "winner"],
    "properties": {
        "id": {"type": "integer"},
        "partner": {"type": "string"},
        "tab": {"type": "string"},
        "record_id": {"type": "string"},
        "field": {"type": "string"},
        "base_value": {},
        "sheet_value": {},
        "store_value": {},
        "resolved_value": {},
        "policy": {"type": "string"},
        "winner": {"type": "string"},
        "sync_run_id": {"type": ["integer", "null"]},
        "created_at": DATE_TIME,
        "resolved_at": NULLABLE_DATE_TIME,
        "resolution": {"type": ["string", "null"]},
    },
}

REVIEW_RESULT = {
    "type": "object",
    "required": ["action", "item"],
    "properties": {
        "action": {
            "type": "string",
            "enum": ["replayed", "sync_requested", "dismissed", "merged", "resolved"],
        },
        "record_id": {"type": ["string", "null"]},
        "changed": {"type": "array", "items": {"type": "string"}},
        "item": {"type": "object"},
        "record": {"anyOf": [_ref("Lead"), {"type": "null"}]},
    },
}

SYNC_BODY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "partner": {"type": "string", "enum": ["lv", "ee", "fi"]},
        "tab": {"type": "string", "enum": ["leads", "agreements"]},
        "reason": {"type": "string", "maxLength": 150},
    },
}

SYNC_QUEUED = {
    "type": "object",
    "required": ["status", "requests"],
    "properties": {
        "status": {"const": "queued"},
        "requests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "partner": {"type": "string"},
                    "tab": {"type": ["string", "null"]},
                },
            },
        },
    },
}

WEBHOOK_ACCEPTED = {
    "type": "object",
    "required": ["id", "status", "partner"],
    "properties": {
        "id": {"type": "string", "pattern": "^L-[0-9]{6}$"},
        "status": {"type": "string", "enum": ["created", "merged"]},
        "partner": {"type": "string"},
        "filled": {"type": "array", "items": {"type": "string"}},
        "ignored": {"type": "array", "items": {"type": "string"}},
    },
}

FORM_SUBMISSION = {
    "description": "A lead from a form, in one of three shapes.",
    "oneOf": [
        {
            "title": "Plain JSON",
            "type": "object",
            "description": "Lead field names or header aliases (any of en/lv/et/fi) -> values; "
            'may also be wrapped as {"lead": {...}}.',
            "not": {
                "anyOf": [
                    {"required": ["form_response"]},
                    {"required": ["source"], "properties": {"source": {"const": "google-forms"}}},
                ]
            },
            "additionalProperties": True,
        },
        {
            "title": "Google Forms (shipped Apps Script)",
            "type": "object",
            "required": ["source", "response_id", "answers"],
            "properties": {
                "source": {"const": "google-forms"},
                "form_id": {"type": "string"},
                "response_id": {"type": "string"},
                "submitted_at": {"type": "string", "format": "date-time"},
                "respondent_email": {"type": ["string", "null"]},
                "answers": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["title"],
                        "properties": {"title": {"type": "string"}, "answer": {}},
                    },
                },
            },
        },
        {
            "title": "Typeform form_response",
            "type": "object",
            "required": ["event_id", "event_type", "form_response"],
            "properties": {
                "event_id": {"type": "string"},
                "event_type": {"type": "string"},
                "form_response": {
                    "type": "object",
                    "properties": {
                        "form_id": {"type": "string"},
                        "definition": {"type": "object"},
                        "answers": {"type": "array", "items": {"type": "object"}},
                        "hidden": {"type": "object"},
                    },
                },
            },
        },
    ],
}

ERASURE = {
    "type": "object",
    "required": ["id", "scope", "partner", "erased", "already_erased", "detail"],
    "properties": {
        "id": {"type": "string"},
        "scope": {"type": "string", "enum": ["partner", "network"]},
        "partner": {
            "type": ["string", "null"],
            "description": "The partner whose data the erasure reached; null: every partner.",
        },
        "erased": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Leads erased now (network-wide: every lead of the person).",
        },
        "already_erased": {"type": "boolean"},
        "detail": {"type": "string"},
    },
}

WEBHOOK_DUPLICATE = {
    "type": "object",
    "required": ["status", "duplicate_of", "partner", "quarantine_id", "message"],
    "properties": {
        "status": {"type": "string", "enum": ["duplicate"]},
        "duplicate_of": {"type": "string", "description": "The other partner's lead."},
        "partner": {"type": "string"},
        "quarantine_id": {"type": "integer"},
        "message": {"type": "string", "description": "Duplicate of L-000123 (EE)"},
        "messages": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

SHEET_NOTICE = {
    "type": "object",
    "description": "Sent by the shipped Apps Script; no cell values.",
    "properties": {
        "event": {"type": "string", "enum": ["edit", "change"]},
        "sheet": {"type": "string", "description": "Tab title; absent: both tabs."},
        "range": {"type": "string"},
        "change_type": {"type": "string"},
        "spreadsheet_id": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
    },
}

STATUS_BODY = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"type": "string"},
        "reason": {"type": "string"},
        "tab": {"type": ["string", "null"]},
        "sync_request": {"type": "integer"},
        "event_type": {"type": ["string", "null"]},
    },
}

_DESCRIPTIONS = {
    400: "Malformed request (bad JSON, bad query parameter).",
    401: "Missing, unknown or revoked credentials / bad signature.",
    403: "Visible, but not this token's to change (see docs/security.md).",
    404: "No such resource (or not visible to this token).",
    405: "Method not allowed.",
    409: "Conflict with the current state.",
    412: "If-Match did not match the record's version.",
    413: "Body over 256 KiB.",
    415: "Wrong content type.",
    422: "Validation failed; `errors` names the fields.",
    503: "Store temporarily unavailable; retry later.",
}


def _problems(*codes: int) -> dict[str, Any]:
    return {
        str(code): {
            "description": _DESCRIPTIONS[code],
            "content": {"application/problem+json": {"schema": _ref("Problem")}},
        }
        for code in codes
    }


def _json(schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _path_param(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


PAGING = [
    _query("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Page size (default 50)."),
    _query("cursor", {"type": "string"}, "next_cursor of the previous page."),
]
PARTNER_Q = _query("partner", {"type": "string", "enum": ["lv", "ee", "fi"]}, "Partner code.")
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Retry-safe creation (IETF draft): same key and body replays the first "
    "response; same key, other body: 422; while the first runs: 409.",
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "ETag of the version you edited; 412 if the record changed since.",
}
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}, "description": 'W/"<version>"'}}
LEAD_ID = {"type": "string", "pattern": "^L-[0-9]{6}$"}
AGREEMENT_ID = {"type": "string", "pattern": "^A-[0-9]{6}$"}
INT_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def _record_paths(kind: str, plural: str, id_schema: dict[str, Any]) -> dict[str, Any]:
    title = kind.capitalize()
    filters = [PARTNER_Q]
    sector = load_schema(kind)["properties"]["sector"]
    filters.append(_query("sector", {"type": "string", "enum": sector["enum"]}, "Sector."))
    if kind == "lead":
        props = load_schema("lead")["properties"]
        filters += [
            _query("country", {"type": "string", "enum": props["country"]["enum"]}, "Country."),
            _query("stage", {"type": "string", "enum": props["stage"]["enum"]}, "Stage."),
            _query(
                "q",
                {"type": "string", "maxLength": 200},
                "Text search: company name, registration code, e-mail.",
            ),
        ]
    else:
        props = load_schema("agreement")["properties"]
        filters += [
            _query("status", {"type": "string", "enum": props["status"]["enum"]}, "Status."),
            _query("q", {"type": "string", "maxLength": 200}, "Text search: ids of the parties."),
        ]
    filters += [
        _query(
            "updated_since",
            {"type": "string", "format": "date-time"},
            "Only records changed at or after this time.",
        ),
        _query("include_archived", {"type": "boolean"}, "Include archived records."),
        *PAGING,
    ]
    item_ops: dict[str, Any] = {
        "parameters": [_path_param("id", id_schema)],
        "get": {
            "operationId": f"get{title}",
            "summary": f"One {kind}",
            "responses": {
                "200": _json(_ref(title), f"The {kind}.", headers=ETAG_HEADER),
                **_problems(401, 404, 503),
            },
        },
        "patch": {
            "operationId": f"patch{title}",
            "summary": f"Change a {kind} (JSON merge patch)",
            "parameters": [IF_MATCH],
            "requestBody": {
                "required": True,
                "content": {
                    "application/merge-patch+json": {"schema": _ref(f"{title}Patch")},
                    "application/json": {"schema": _ref(f"{title}Patch")},
                },
            },
            "responses": {
                "200": _json(_ref(title), f"The changed {kind}.", headers=ETAG_HEADER),
                **_problems(400, 401, 403, 404, 409, 412, 413, 415, 422, 503),
            },
        },
    }
    if kind == "lead":
        item_ops["delete"] = {
            "operationId": "eraseLead",
            "summary": "GDPR erasure of the lead's person",
            "description": "Personal fields are erased in the store, a hashed tombstone keeps "
            "the person from coming back, the audit keeps only the fact, and the sheet cells "
            "are blanked by the next sync (requested here). Repeating it is harmless. A "
            "partner token erases its own lead, and its tombstone blocks only its own sheet, "
            "forms and API; an admin token's erasure reaches every partner's copies of the "
            "person. The answer says which.",
            "responses": {
                "200": _json(_ref("Erasure"), "Erased; how far it reached."),
                **_problems(401, 403, 404, 503),
            },
        }
    return {
        f"/api/v1/{plural}": {
            "get": {
                "operationId": f"list{title}s",
                "summary": f"List {plural} (cursor pagination, ordered by id)",
                "parameters": filters,
                "responses": {
                    "200": _json(_ref(f"{title}Page"), f"A page of {plural}."),
                    **_problems(400, 401, 404, 503),
                },
            },
            "post": {
                "operationId": f"create{title}",
                "summary": f"Create a {kind}",
                "parameters": [IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(f"{title}Input")}},
                },
                "responses": {
                    "201": _json(
                        _ref(title),
                        f"The new {kind}.",
                        headers={**ETAG_HEADER, "Location": {"schema": {"type": "string"}}},
                    ),
                    **(
                        {
                            "202": _json(
                                _ref("WebhookDuplicate"),
                                "The firm is another partner's lead: nothing of it was "
                                "changed; the input was kept for this partner as a "
                                "duplicate linked to it, for review.",
                            )
                        }
                        if kind == "lead"
                        else {}
                    ),
                    **_problems(400, 401, 409, 413, 415, 422, 503),
                },
            },
        },
        f"/api/v1/{plural}/{{id}}": item_ops,
    }


def _review_paths() -> dict[str, Any]:
    status_q = _query(
        "status",
        {"type": "string", "enum": ["open", "resolved", "all"]},
        "Open (default), resolved or all.",
    )
    kind_q = _query("kind", {"type": "string", "enum": ["lead", "agreement"]}, "Record kind.")
    action = {
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        "responses": {
            "200": _json(_ref("ReviewResult"), "Done."),
            **_problems(400, 401, 403, 404, 409, 413, 415, 422, 503),
        },
    }

    def op(operation_id: str, summary: str, schema: dict[str, Any] | None = None) -> dict:
        out = copy.deepcopy(action)
        out["operationId"] = operation_id
        out["summary"] = summary
        if schema is not None:
            out["requestBody"]["content"]["application/json"]["schema"] = schema
        return out

    return {
        "/api/v1/quarantine": {
            "get": {
                "operationId": "listQuarantine",
                "summary": "Rows and payloads that failed validation",
                "parameters": [PARTNER_Q, status_q, kind_q, *PAGING],
                "responses": {
                    "200": _json(_ref("QuarantinePage"), "A page of entries."),
                    **_problems(400, 401, 404, 503),
                },
            }
        },
        "/api/v1/quarantine/{id}": {
            "parameters": [_path_param("id", INT_ID)],
            "get": {
                "operationId": "getQuarantineEntry",
                "summary": "One quarantine entry",
                "responses": {
                    "200": _json(_ref("QuarantineEntry"), "The entry."),
                    **_problems(401, 404, 503),
                },
            },
        },
        "/api/v1/quarantine/{id}/replay": {
            "parameters": [_path_param("id", INT_ID)],
            "post": op(
                "replayQuarantineEntry",
                "Try again after a fix (payloads: with corrected fields; sheet rows: a sync)",
                {
                    "type": "object",
                    "properties": {
                        "data": {
                            "type": "object",
                            "description": "field -> corrected value; null clears it",
                        }
                    },
                },
            ),
        },
        "/api/v1/quarantine/{id}/dismiss": {
            "parameters": [_path_param("id", INT_ID)],
            "post": op("dismissQuarantineEntry", "Give up on an entry"),
        },
        "/api/v1/quarantine/{id}/merge": {
            "parameters": [_path_param("id", INT_ID)],
            "post": op(
                "mergeQuarantineEntry",
                "Merge a duplicate into an existing lead (fills blank fields only)",
                {"type": "object", "properties": {"into": LEAD_ID}},
            ),
        },
        "/api/v1/conflicts": {
            "get": {
                "operationId": "listConflicts",
                "summary": "Fields changed on both sides since the last sync",
                "parameters": [PARTNER_Q, status_q, *PAGING],
                "responses": {
                    "200": _json(_ref("ConflictPage"), "A page of conflicts."),
                    **_problems(400, 401, 404, 503),
                },
            }
        },
        "/api/v1/conflicts/{id}/resolve": {
            "parameters": [_path_param("id", INT_ID)],
            "post": op(
                "resolveConflict",
                "Settle a conflict by choosing the sheet's or the store's value",
                {
                    "type": "object",
                    "required": ["side"],
                    "properties": {"side": {"type": "string", "enum": ["sheet", "store"]}},
                },
            ),
        },
    }


def _ops_paths() -> dict[str, Any]:
    return {
        "/api/v1/kpi": {
            "get": {
                "operationId": "getKpi",
                "summary": "Signed agreements in the project window vs. target",
                "parameters": [PARTNER_Q],
                "responses": {
                    "200": _json(_ref("Kpi"), "The numbers."),
                    **_problems(400, 401, 503),
                },
            }
        },
        "/api/v1/sync-runs": {
            "get": {
                "operationId": "listSyncRuns",
                "summary": "Sync runs, newest first",
                "parameters": [PARTNER_Q, *PAGING],
                "responses": {
                    "200": _json(_ref("SyncRunPage"), "A page of runs."),
                    **_problems(400, 401, 404, 503),
                },
            }
        },
        "/api/v1/sync-runs/{id}": {
            "parameters": [_path_param("id", INT_ID)],
            "get": {
                "operationId": "getSyncRun",
                "summary": "One sync run",
                "responses": {
                    "200": _json(_ref("SyncRun"), "The run."),
                    **_problems(401, 404, 503),
                },
            },
        },
        "/api/v1/sync": {
            "post": {
                "operationId": "requestSync",
                "summary": "Ask for a sync soon (debounced by the scheduler)",
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": _ref("SyncRequestBody")}},
                },
                "responses": {
                    "202": _json(_ref("SyncQueued"), "Queued."),
                    **_problems(400, 401, 404, 413, 415, 422, 503),
                },
            }
        },
    }


def _webhook_paths() -> dict[str, Any]:
    signed = [
        {
            "name": h,
            "in": "header",
            "required": False,
            "schema": {"type": "string"},
            "description": d,
        }
        for h, d in (
            ("webhook-id", "Standard Webhooks: delivery id (idempotency key)."),
            ("webhook-timestamp", "Standard Webhooks: Unix time, within 300 s of now."),
            ("webhook-signature", "Standard Webhooks: v1,<base64 HMAC-SHA256>."),
            ("Typeform-Signature", "Typeform: sha256=<base64 HMAC-SHA256 of the body>."),
        )
    ]
    partner = _path_param("partner", {"type": "string"})

    def body(name: str) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}

    return {
        "/webhooks/forms/{partner}": {
            "post": {
                "operationId": "receiveFormSubmission",
                "summary": "A lead from a form (plain JSON, Google Forms, Typeform)",
                "security": [],
                "parameters": [partner, *signed],
                "requestBody": body("FormSubmission"),
                "responses": {
                    "201": _json(_ref("WebhookAccepted"), "Lead created."),
                    "200": _json(
                        {"anyOf": [_ref("WebhookAccepted"), _ref("StatusBody")]},
                        "Merged into the partner's own lead for the firm (or a "
                        "non-submission event ignored).",
                    ),
                    "202": _json(
                        _ref("WebhookDuplicate"),
                        "The firm is another partner's lead: that lead is not changed; the "
                        "submission is kept for review, linked to it.",
                    ),
                    **_problems(400, 401, 404, 409, 413, 415, 422, 503),
                },
            }
        },
        "/webhooks/sheets/{partner}": {
            "post": {
                "operationId": "receiveSheetEdit",
                "summary": "A partner sheet was edited (Apps Script trigger)",
                "security": [],
                "parameters": [partner, *signed[:3]],
                "requestBody": body("SheetNotice"),
                "responses": {
                    "202": _json(_ref("StatusBody"), "Sync requested."),
                    "200": _json(_ref("StatusBody"), "Not about a synced tab; ignored."),
                    **_problems(400, 401, 404, 413, 415, 503),
                },
            }
        },
        "/webhooks/drive": {
            "post": {
                "operationId": "receiveDriveNotification",
                "summary": "Google Drive push notification for a watched spreadsheet",
                "security": [],
                "parameters": [
                    {"name": h, "in": "header", "required": False, "schema": {"type": "string"}}
                    for h in (
                        "X-Goog-Channel-ID",
                        "X-Goog-Channel-Token",
                        "X-Goog-Resource-State",
                        "X-Goog-Resource-ID",
                        "X-Goog-Message-Number",
                    )
                ],
                "responses": {
                    "200": _json(_ref("StatusBody"), "Acknowledged (queued, sync or stale)."),
                    **_problems(400, 401, 413, 503),
                },
            }
        },
    }


def _service_paths() -> dict[str, Any]:
    text = {"text/plain": {"schema": {"type": "string"}}}
    health = {
        "type": "object",
        "properties": {"status": {"type": "string"}, "checks": {"type": "object"}},
    }
    return {
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "security": [],
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document.")},
            }
        },
        "/metrics": {
            "get": {
                "operationId": "getMetrics",
                "summary": "Prometheus metrics (text exposition format)",
                "security": [],
                "responses": {
                    "200": {"description": "Metrics.", "content": text},
                    **_problems(503),
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "getHealth",
                "summary": "Liveness",
                "security": [],
                "responses": {"200": _json(health, "Up.")},
            }
        },
        "/readyz": {
            "get": {
                "operationId": "getReadiness",
                "summary": "Readiness: store reachable, migrations current",
                "security": [],
                "responses": {
                    "200": _json(health, "Ready."),
                    "503": _json(health, "Not ready."),
                },
            }
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "lef-crm-sync API",
            "version": "1.0.0",
            "description": "Leads and agreements of the LEF Network partner chambers, "
            "quarantine and conflict review, sync requests, KPI; and the inbound webhooks. "
            "Errors are application/problem+json (RFC 9457).",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            **_record_paths("lead", "leads", LEAD_ID),
            **_record_paths("agreement", "agreements", AGREEMENT_ID),
            **_review_paths(),
            **_ops_paths(),
            **_webhook_paths(),
            **_service_paths(),
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Made with `crm-sync tokens create --partner lv` or --admin.",
                }
            },
            "schemas": {
                "Lead": _resource("lead"),
                "LeadInput": _input("lead"),
                "LeadPatch": _patch("lead"),
                "LeadPage": _page("Lead"),
                "Agreement": _resource("agreement"),
                "AgreementInput": _input("agreement"),
                "AgreementPatch": _patch("agreement"),
                "AgreementPage": _page("Agreement"),
                "Issue": ISSUE,
                "Problem": PROBLEM,
                "Kpi": KPI,
                "SyncRun": SYNC_RUN,
                "SyncRunPage": _page("SyncRun"),
                "QuarantineEntry": QUARANTINE,
                "QuarantinePage": _page("QuarantineEntry"),
                "Conflict": CONFLICT,
                "ConflictPage": _page("Conflict"),
                "ReviewResult": REVIEW_RESULT,
                "SyncRequestBody": SYNC_BODY,
                "SyncQueued": SYNC_QUEUED,
                "WebhookAccepted": WEBHOOK_ACCEPTED,
                "StatusBody": STATUS_BODY,
                "FormSubmission": FORM_SUBMISSION,
                "SheetNotice": SHEET_NOTICE,
                "Erasure": ERASURE,
                "WebhookDuplicate": WEBHOOK_DUPLICATE,
            },
        },
    }


def _openapi_path(rule: str) -> str:
    """Flask rule -> OpenAPI path template (``/leads/<id>`` -> ``/leads/{id}``)."""
    import re

    path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)
    return re.sub(r"\{(entry_id|conflict_id|run_id)\}", "{id}", path)


@cache
def query_parameters(method: str, rule: str) -> frozenset[str]:
    """Query parameter names the document allows for one operation."""
    item = openapi_document()["paths"].get(_openapi_path(rule), {})
    operation = item.get(method.lower(), {})
    params = [*item.get("parameters", []), *operation.get("parameters", [])]
    return frozenset(p["name"] for p in params if p.get("in") == "query")
