"""``GET /api/v1/report``: the project report (:mod:`integration.reports`) as JSON,
CSV or XLSX, with the same parameters as ``crm-sync report``.

A partner token gets its own share only: without ``partner`` the report covers
the token's partner, and another partner's code is answered like an unknown one
(404), so the figures of one chamber never reach another. The report's
``scope`` says whose figures they are.
"""

from __future__ import annotations

from flask import Response, jsonify, request

from integration.api.context import arg, bad_param, check_partner_param, store_session, token
from integration.auth import is_admin
from integration.messages import LOCALES
from integration.normalise.enums import enum_values
from integration.reports import make_report
from integration.reports.render import render, to_json
from integration.reports.request import FORMATS, PERIODS, ReportError, report_request
from integration.web.openapi_components import ref
from integration.web.openapi_operations import describe, problems, query
from integration.web.services import services

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

REPORT_SCHEMA = {
    "type": "object",
    "required": ["from", "to", "by", "lang", "as_of", "scope", "tables"],
    "properties": {
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "by": {"type": "string", "enum": list(PERIODS)},
        "lang": {"type": "string"},
        "as_of": {"type": "string", "format": "date"},
        "filters": {
            "type": "object",
            "properties": {
                "source": {"type": ["string", "null"]},
                "event": {"type": ["string", "null"]},
            },
        },
        "scope": {
            "type": "object",
            "required": ["partner", "label"],
            "properties": {
                "partner": {"type": ["string", "null"]},
                "label": {"type": "string"},
            },
        },
        "tables": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "required": ["title", "columns", "rows", "totals"],
                "properties": {
                    "title": {"type": "string"},
                    "columns": {"type": "array", "items": {"type": "string"}},
                    "rows": {"type": "array", "items": {"type": "object"}},
                    "totals": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
}


def _date(name: str) -> str | None:
    """A date parameter: absent means the default, present it must be a date."""
    value = arg(name)
    if value is None and name in request.args:
        raise bad_param(name, "must be a date (YYYY-MM-DD)")
    return value


def _choice(name: str) -> str | None:
    """A filter parameter: absent means all, present it must name something
    (:func:`report_request` checks what)."""
    value = arg(name)
    if value is None and name in request.args:
        raise bad_param(name, "must not be empty")
    return value


@describe(
    operationId="getReport",
    summary="The project report for a period",
    description=(
        "Agreements signed (count and value per currency) by partner, sector, period and "
        "seller/buyer country, with the list of signed agreements; firms by country and "
        "sector; leads by source, event, stage and partner; progress against the target "
        "at an even pace. `format=csv` and `format=xlsx` give the same report as a file "
        "with headers and values in `lang` (CSV with `;` and a decimal comma for lv, et, "
        "fi). A partner token sees its own partner's share only; `scope` says whose "
        "figures they are."
    ),
    parameters=[
        query("from", {"type": "string", "format": "date"}, "First day (default: project start)."),
        query("to", {"type": "string", "format": "date"}, "Last day (default: today)."),
        query("by", {"type": "string", "enum": list(PERIODS)}, "Periods (default quarter)."),
        query("partner", ref("PartnerCode"), "Only this partner's share."),
        query("lang", {"type": "string", "enum": list(LOCALES)}, "Language of words."),
        query(
            "source",
            {"type": "string", "enum": list(enum_values("lead", "source"))},
            "Only leads of this source, and agreements with a party of it.",
        ),
        query(
            "event",
            {"type": "string"},
            "Only leads met at this event (an id of the partners file's events), and "
            "agreements with a party met there.",
        ),
        query("format", {"type": "string", "enum": list(FORMATS)}, "json (default), csv, xlsx."),
    ],
    responses={
        "200": {
            "description": "The report.",
            "content": {
                "application/json": {"schema": REPORT_SCHEMA},
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problems(400, 401, 404, 503),
    },
)
def report() -> Response:
    config = services().config
    fmt = arg("format", FORMATS) or "json"
    partner = check_partner_param(arg("partner"))
    if partner is None and not is_admin(token()):
        partner = token().partner
    try:
        request = report_request(
            config,
            start=_date("from"),
            end=_date("to"),
            by=arg("by", PERIODS),
            partner=partner,
            lang=arg("lang", LOCALES),
            source=_choice("source"),
            event=_choice("event"),
        )
    except ReportError as exc:
        raise bad_param(exc.field, exc.reason) from None
    with store_session() as session:
        made = make_report(session, config, request)
    if fmt == "json":
        return jsonify(to_json(made, config))
    body, media = render(made, config, fmt)
    name = f"report-{request.start}-{request.end}.{fmt}"
    return Response(
        body,
        mimetype=media.split(";")[0],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
