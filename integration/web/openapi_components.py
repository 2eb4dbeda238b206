"""The reusable schemas of ``/openapi.json`` (``components.schemas``).

Record schemas are derived from ``schemas/*.schema.json``, the same files the
validator uses, so a field added there appears in the API description without
a second edit. The partner codes come from the app's partners file, as the
validator's do (``PartnerCode``, and the records' partner fields), so a partner
added there is offered here too. The other bodies (pages, problems, KPI, review results)
have no schema file and are written out here; the webhook answers, in
:mod:`.openapi_webhook_bodies`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from integration.kinds import KINDS, STORE_FIELDS, record_kind
from integration.sync.stop_reasons import STOP_REASONS
from integration.web.openapi_webhook_bodies import WEBHOOK_BODIES
from schemas import load_schema, with_partner_codes

DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}


def ref(name: str) -> dict[str, str]:
    """A reference to one of :func:`components`."""
    return {"$ref": f"#/components/schemas/{name}"}


def partner_code(codes: Iterable[str]) -> dict[str, Any]:
    """The ``PartnerCode`` schema: one of the configured partners' codes."""
    return {
        "type": "string",
        "enum": sorted(set(codes)),
        "description": "Code of a partner chamber of the partners file.",
    }


def _base(kind: str, codes: Iterable[str]) -> dict[str, Any]:
    schema = with_partner_codes(load_schema(kind), codes)
    for key in ("$schema", "$id"):
        schema.pop(key, None)
    return schema


def _resource(kind: str, codes: Iterable[str]) -> dict[str, Any]:
    """A record as the API returns it: schema fields plus store metadata."""
    schema = _base(kind, codes)
    props = schema["properties"]
    props["archived_at"] = {**DATE_TIME, "readOnly": True, "description": "Set when archived."}
    if record_kind(kind).holds_persons:
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
    schema["required"] = sorted({*schema.get("required", []), *STORE_FIELDS, "version"})
    schema.pop("if", None)
    schema.pop("then", None)
    return schema


def _input(kind: str, codes: Iterable[str]) -> dict[str, Any]:
    """A create body: schema fields without those the store sets. The owning
    partner may be left out by a partner token (it defaults to the token's)."""
    schema = _base(kind, codes)
    for name in STORE_FIELDS:
        schema["properties"].pop(name, None)
    owner = record_kind(kind).owner_field
    schema["required"] = [r for r in schema.get("required", []) if r != owner]
    schema["title"] = f"{schema.get('title', kind)} (new)"
    return schema


def _patch(kind: str, codes: Iterable[str]) -> dict[str, Any]:
    """A JSON merge patch (RFC 7396): any subset of fields, ``null`` removes one."""
    schema = _base(kind, codes)
    props = {}
    for name, prop in schema["properties"].items():
        if name in STORE_FIELDS:
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
            "items": {"type": "array", "items": ref(item)},
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
        "message": {
            "type": "string",
            "description": "In the language Accept-Language asks for (en, lv, et, fi).",
        },
        "messages": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "The message by language: en, the partner's and the reader's.",
        },
        "params": {
            "type": "object",
            "description": "The problem as data: the value, limits, allowed values, country "
            "code, the other record's id; the message is rendered from code and params.",
        },
        "template": {
            "type": "string",
            "description": "The message's catalog key when it is not validation.<code>.",
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
        "errors": {"type": "array", "items": ref("Issue")},
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

HEADER_REPORT = {
    "type": ["object", "null"],
    "description": "What the tab's header row told the run; null when no header was read.",
    "required": ["row", "mapped", "unrecognised", "missing"],
    "properties": {
        "row": {"type": "integer", "minimum": 1, "description": "1-based sheet row."},
        "mapped": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["column", "header", "field", "source"],
                "properties": {
                    "column": {"type": "string", "description": "Column letter, e.g. C."},
                    "header": {"type": "string", "description": "The header as typed."},
                    "field": {"type": "string", "description": "The record field it fills."},
                    "source": {"type": "string", "enum": ["alias", "configured"]},
                },
            },
        },
        "unrecognised": {
            "type": "array",
            "description": "Headers matching no field: their columns are kept, not synced.",
            "items": {
                "type": "object",
                "required": ["column", "header"],
                "properties": {
                    "column": {"type": "string"},
                    "header": {"type": "string"},
                    "suggestion": {
                        "type": ["string", "null"],
                        "description": "The field this header probably means.",
                    },
                },
            },
        },
        "missing": {
            "type": "array",
            "description": "Fields the service expects a column for but found none.",
            "items": {"type": "string"},
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
        "error": {
            "type": ["string", "null"],
            "description": "The failing system's own words (English), for an admin token; "
            "always null for a partner's token, which reads `stop_reason`.",
        },
        "stop_reason": {
            "type": ["string", "null"],
            "enum": [*STOP_REASONS, None],
            "description": "Why the run stopped until a person acts; null when it "
            "worked or failed for a reason that may pass by itself.",
        },
        "header_report": ref("HeaderReport"),
    },
}

QUARANTINE = {
    "type": "object",
    "required": ["id", "kind", "source", "raw", "errors", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "partner": {"type": ["string", "null"]},
        "kind": {"type": "string", "enum": [k.value for k in KINDS]},
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
        "filled": {"type": "array", "items": {"type": "string"}},
        "replaced": {"type": "array", "items": {"type": "string"}},
        "kept": {"type": "array", "items": {"type": "string"}},
        "message": {"type": "string"},
        "item": {"type": "object"},
        "record": {"anyOf": [ref("Lead"), {"type": "null"}]},
    },
}

#: A lead's or an agreement's id.
RECORD_ID = {"type": "string", "pattern": "^[LA]-[0-9]{6}$"}

VANISHED_ROW = {
    "type": "object",
    "additionalProperties": False,
    "required": ["record_id", "kind", "partner", "tab", "vanished_at", "state"],
    "properties": {
        "record_id": RECORD_ID,
        "kind": {"type": "string", "enum": [k.value for k in KINDS]},
        "partner": ref("PartnerCode"),
        "tab": {"type": "string", "enum": ["leads", "agreements"]},
        "name": {
            "type": ["string", "null"],
            "description": "The firm (a lead) or the subject (an agreement).",
        },
        "row_number": {
            "type": ["integer", "null"],
            "description": "The sheet row it was last seen on.",
        },
        "vanished_at": {"type": "string", "format": "date-time"},
        "state": {
            "type": "string",
            "enum": ["held", "archived"],
            "description": "held: the deletion stop holds it (the record is live); "
            "archived: the sync archived it when its row vanished.",
        },
    },
}

VANISHED_ROW_LIST = {
    "type": "object",
    "required": ["items"],
    "additionalProperties": False,
    "properties": {"items": {"type": "array", "items": ref("VanishedRow")}},
}

VANISHED_RESULT = {
    "type": "object",
    "required": ["action", "record_id"],
    "additionalProperties": False,
    "properties": {
        "action": {"type": "string", "enum": ["restored", "archived"]},
        "record_id": RECORD_ID,
    },
}


SYNC_BODY = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "partner": ref("PartnerCode"),
        "tab": {"type": "string", "enum": ["leads", "agreements"]},
        "reason": {"type": "string", "maxLength": 150},
        "accept_deletions": {
            "type": "boolean",
            "description": "The rows that vanished from the tab were deleted on purpose: "
            "the next sync archives their records (only the partner's own) instead of "
            "stopping the tab.",
        },
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


def components(partner_codes: Iterable[str]) -> dict[str, Any]:
    """Every named schema the operations refer to with ``ref``, for an app whose
    partners file configures ``partner_codes``."""
    codes = frozenset(partner_codes)
    return {
        "PartnerCode": partner_code(codes),
        "Lead": _resource("lead", codes),
        "LeadInput": _input("lead", codes),
        "LeadPatch": _patch("lead", codes),
        "LeadPage": _page("Lead"),
        "Agreement": _resource("agreement", codes),
        "AgreementInput": _input("agreement", codes),
        "AgreementPatch": _patch("agreement", codes),
        "AgreementPage": _page("Agreement"),
        "Issue": ISSUE,
        "Problem": PROBLEM,
        "Kpi": KPI,
        "SyncRun": SYNC_RUN,
        "SyncRunPage": _page("SyncRun"),
        "HeaderReport": HEADER_REPORT,
        "QuarantineEntry": QUARANTINE,
        "QuarantinePage": _page("QuarantineEntry"),
        "Conflict": CONFLICT,
        "ConflictPage": _page("Conflict"),
        "ReviewResult": REVIEW_RESULT,
        "VanishedRow": VANISHED_ROW,
        "VanishedRowList": VANISHED_ROW_LIST,
        "VanishedResult": VANISHED_RESULT,
        "SyncRequestBody": SYNC_BODY,
        "SyncQueued": SYNC_QUEUED,
        **WEBHOOK_BODIES,
    }
