"""The Reports page: the project report (:mod:`integration.reports`) for a chosen
period on screen, and the same report as an XLSX, CSV or JSON download.

A partner's token sees its own partner's share only, whatever the address
asks for; an admin chooses all partners or one.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request

from integration.auth import is_admin
from integration.dashboard import bp
from integration.dashboard.access import current_token, login_required
from integration.dashboard.web import services, ui_locale
from integration.messages import LOCALE_NAMES
from integration.normalise.enums import enum_values
from integration.reports import make_report
from integration.reports.render import (
    header,
    localized_rows,
    render,
    scope_label,
    text,
    title,
)
from integration.reports.request import (
    FORMATS,
    PERIODS,
    ReportError,
    ReportRequest,
    report_request,
)
from integration.vocabulary import value_word


def _scope_partner() -> str | None:
    """The partner the report covers: the admin's choice, else the token's own."""
    token = current_token()
    assert token is not None
    chosen = request.args.get("partner") or None
    if is_admin(token):
        return chosen
    return token.partner


def _request() -> tuple[ReportRequest | None, str | None]:
    """The checked request from the address, or the reason it cannot be made."""
    args = request.args
    try:
        return (
            report_request(
                services().config,
                start=args.get("from"),
                end=args.get("to"),
                by=args.get("by") or None,
                partner=_scope_partner(),
                lang=args.get("lang") or ui_locale(),
                source=args.get("source") or None,
                event=args.get("event") or None,
            ),
            None,
        )
    except ReportError as exc:
        return None, f"{exc.field}: {exc.reason}"


def _source_options(lang: str) -> list[tuple[str, str]]:
    """The source filter's choices: code and the word for it in ``lang``."""
    return [(code, value_word("source", code, lang)) for code in enum_values("lead", "source")]


def _event_options(lang: str) -> list[tuple[str, str]]:
    """The event filter's choices: id and the event's name in ``lang``, oldest first."""
    events = sorted(services().config.events, key=lambda e: (e.date, e.id))
    return [(e.id, e.name(lang)) for e in events]


@bp.get("/reports")
@login_required
def reports() -> Any:
    config = services().config
    wanted, error = _request()
    tables: list[dict[str, Any]] = []
    scope = ""
    if wanted is not None:
        with services().store.session() as db:
            made = make_report(db, config, wanted)
        scope = scope_label(made, config)
        tables = [
            {
                "key": table.key,
                "title": title(table, wanted.lang),
                "header": header(table, wanted.lang),
                "kinds": [c.kind for c in table.columns],
                "rows": localized_rows(made, table, config),
                "totals_from": len(table.rows),
            }
            for table in made.tables
        ]
    token = current_token()
    assert token is not None
    body = render_template(
        "dashboard/reports.html",
        wanted=wanted,
        error=error,
        tables=tables,
        scope=scope,
        periods=PERIODS,
        formats=FORMATS,
        languages=LOCALE_NAMES,
        choose_partner=is_admin(token),
        sources=_source_options(wanted.lang if wanted else ui_locale()),
        events=_event_options(wanted.lang if wanted else ui_locale()),
        args=request.args,
        rt=lambda key: text(key, wanted.lang if wanted else ui_locale()),
        active="reports",
    )
    return Response(body, status=400 if error else 200, mimetype="text/html")


@bp.get("/reports.<fmt>")
@login_required
def report_file(fmt: str) -> Any:
    if fmt not in FORMATS:
        abort(404)
    wanted, error = _request()
    if wanted is None:
        return Response(error or "", status=400, mimetype="text/plain")
    config = services().config
    with services().store.session() as db:
        made = make_report(db, config, wanted)
    body, media = render(made, config, fmt)
    name = f"report-{wanted.start}-{wanted.end}.{fmt}"
    response = Response(body, mimetype=media.split(";")[0])
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
