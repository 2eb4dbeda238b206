"""The bodies webhook senders get back and send, as named in ``/openapi.json``:
what a form, a sheet notice or an erasure request looks like, and the answers
(accepted, duplicate, status). They have no schema file; the webhook views
refer to them by name (:func:`.openapi_components.ref`).
"""

from __future__ import annotations

from typing import Any

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

#: component name -> schema, merged into ``components.schemas``
WEBHOOK_BODIES: dict[str, dict[str, Any]] = {
    "WebhookAccepted": WEBHOOK_ACCEPTED,
    "StatusBody": STATUS_BODY,
    "FormSubmission": FORM_SUBMISSION,
    "SheetNotice": SHEET_NOTICE,
    "Erasure": ERASURE,
    "WebhookDuplicate": WEBHOOK_DUPLICATE,
}
