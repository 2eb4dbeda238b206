"""A report as JSON (codes, for programs), CSV and XLSX (words, for people).

JSON keeps the schema's codes and ISO dates, so a program can compare reports.
CSV and XLSX put every header and value in the report's language (sectors,
stages, countries, events by their name, yes/no) and keep types: in XLSX dates
are dates and amounts numbers (one sheet per table); CSV follows the locale's
conventions (:func:`integration.csv_export.conventions`: ``;`` and a decimal
comma for lv, et, fi), one block per table. No text cell is ever a formula:
XLSX text cells are written as text, CSV cells are escaped as in every export.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date
from typing import Any

from integration import messages
from integration.config import AppConfig
from integration.csv_export import to_csv
from integration.events import event_by_id
from integration.reports.definition import Column, Report, Table
from integration.vocabulary import country_name as country_label
from integration.vocabulary import value_word as value_label

#: Characters an XLSX file cannot hold (openpyxl refuses them).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def text(key: str, lang: str, **params: Any) -> str:
    return messages.text("report." + key, lang, **params)


def scope_label(report: Report, config: AppConfig) -> str:
    """Whose figures these are: one partner's name, or all partners."""
    partner = report.request.partner
    if partner is None:
        return text("all_partners", report.request.lang)
    return config.partners[partner].name if partner in config.partners else partner


def header(table: Table, lang: str) -> list[str]:
    return [text("column." + c.key, lang) for c in table.columns]


def title(table: Table, lang: str) -> str:
    return text("table." + table.key, lang)


def localized(column: Column, value: Any, lang: str, config: AppConfig) -> Any:
    """One value as a reader of ``lang`` sees it, keeping numbers and dates typed."""
    kind = column.kind
    if value is None:
        return text("no_event", lang) if kind == "event" else None
    if kind == "partner":
        partner = config.partners.get(value)
        return partner.name if partner else value
    if kind in ("sector", "stage", "source"):  # currencies stay ISO codes (EUR)
        return value_label(kind, value, lang)
    if kind == "country":
        return country_label(value, lang)
    if kind == "event":
        event = event_by_id(config.events).get(value)
        return event.name(lang) if event else value
    if kind == "event_kind":
        return text("event_kind." + value, lang)
    if kind == "bool":
        return text("yes" if value else "no", lang)
    if kind == "item":
        return text("item." + value, lang)
    return value


def localized_rows(report: Report, table: Table, config: AppConfig) -> list[list[Any]]:
    """The table's rows and then its total rows, in the report's language."""
    lang = report.request.lang
    rows = []
    for row in table.rows:
        cells = [localized(c, v, lang, config) for c, v in zip(table.columns, row, strict=True)]
        if table.key == "summary":
            cells[1] = _summary_value(row, report, config)
        rows.append(cells)
    total = text("total", lang, scope=scope_label(report, config))
    for row in table.totals:
        cells = [localized(c, v, lang, config) for c, v in zip(table.columns, row, strict=True)]
        cells[0] = total
        rows.append(cells)
    return rows


def _summary_value(row: tuple[Any, ...], report: Report, config: AppConfig) -> Any:
    item, value = row
    if item == "scope":
        return scope_label(report, config)
    lang = report.request.lang
    if item == "source":
        return value_label("source", value, lang) if value else text("all_sources", lang)
    if item == "event":
        event = event_by_id(config.events).get(value) if value else None
        return event.name(lang) if event else text("all_events", lang)
    return value


# ---------------------------------------------------------------- JSON


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def to_json(report: Report, config: AppConfig) -> dict[str, Any]:
    """The report with codes and ISO dates; ``scope`` says whose figures they are."""
    request = report.request
    out: dict[str, Any] = {
        "from": request.start.isoformat(),
        "to": request.end.isoformat(),
        "by": request.by,
        "lang": request.lang,
        "as_of": request.today.isoformat(),
        "scope": {"partner": request.partner, "label": scope_label(report, config)},
        "filters": {"source": request.source, "event": request.event},
        "tables": {},
    }
    for table in report.tables:
        keys = [c.key for c in table.columns]
        out["tables"][table.key] = {
            "title": title(table, request.lang),
            "columns": keys,
            "rows": [dict(zip(keys, map(_json_value, row), strict=True)) for row in table.rows],
            "totals": [dict(zip(keys, map(_json_value, row), strict=True)) for row in table.totals],
        }
    return out


# ---------------------------------------------------------------- CSV


def to_csv_text(report: Report, config: AppConfig) -> str:
    """One block per table (its title, header, rows and totals), blocks apart by
    an empty line, in the language's separators."""
    lang = report.request.lang
    blocks = [
        to_csv(
            [title(table, lang)],
            [header(table, lang), *localized_rows(report, table, config)],
            lang,
        )
        for table in report.tables
    ]
    return "\ufeff" + "\r\n".join(block.removeprefix("\ufeff") for block in blocks)


# ---------------------------------------------------------------- XLSX

_FORMATS = {"date": "yyyy-mm-dd", "amount": "#,##0.00", "number": "0.00"}


def _sheet_title(name: str, taken: set[str]) -> str:
    clean = re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:31] or "Sheet"
    candidate, n = clean, 2
    while candidate.lower() in taken:
        suffix = f" {n}"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def to_xlsx(report: Report, config: AppConfig) -> bytes:
    """The workbook: one sheet per table, typed cells, text never a formula."""
    # deferred: openpyxl (~0.25 s) loads only when a workbook is asked for
    from openpyxl import Workbook
    from openpyxl.styles import Font

    lang = report.request.lang
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for table in report.tables:
        sheet = book.create_sheet(_sheet_title(title(table, lang), taken))
        sheet.append(header(table, lang))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r, row in enumerate(localized_rows(report, table, config), start=2):
            for c, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
                _put(sheet.cell(row=r, column=c), column, value, lang)
            if r - 2 >= len(table.rows):
                for cell in sheet[r]:
                    cell.font = Font(bold=True)
        for c, name in enumerate(header(table, lang), start=1):
            letter = sheet.cell(row=1, column=c).column_letter
            sheet.column_dimensions[letter].width = min(max(len(name) + 2, 12), 50)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _put(cell: Any, column: Column, value: Any, lang: str) -> None:
    if isinstance(value, str):
        cell.value = _NOT_XML.sub("", value)
        cell.data_type = "s"  # never a formula, whatever the text starts with
        return
    cell.value = value
    kind = "date" if isinstance(value, date) else column.kind
    if column.kind == "percent" or (column.kind == "any" and isinstance(value, float)):
        kind = "number"
    if kind in _FORMATS and value is not None:
        cell.number_format = _FORMATS[kind]


def render(report: Report, config: AppConfig, fmt: str) -> tuple[bytes, str]:
    """The report as ``fmt`` (json, csv, xlsx): its bytes and media type."""
    if fmt == "xlsx":
        return (
            to_xlsx(report, config),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    if fmt == "csv":
        return to_csv_text(report, config).encode("utf-8"), "text/csv; charset=utf-8"

    body = json.dumps(to_json(report, config), ensure_ascii=False, indent=2)
    return body.encode("utf-8"), "application/json"
