"""A read-only page of a spreadsheet, at Google's address shape
(``/spreadsheets/d/<id>/edit``), so an "Open sheet" link pointed at the
emulator shows the partner's tabs in a browser instead of Google's 404.

Each tab is a table of its displayed values (what ``values.get`` answers);
``#gid=<sheetId>&range=A<row>``, the fragment Google's links carry, marks the
tab and the row. Nothing here writes: edits go through the API, as a
partner's script or the tests make them.
"""

from __future__ import annotations

import html
import re
from typing import Any

#: The page's address: Google's ``/spreadsheets/d/<id>`` with or without ``/edit``.
VIEW_PATH = re.compile(r"^/spreadsheets/d/(?P<id>[^/]+)(?:/edit)?/?$")

_SCRIPT = """<script>
function mark() {
  document.querySelectorAll('.marked').forEach(function (e) { e.classList.remove('marked'); });
  var m = /gid=(\\d+)(?:&range=[A-Z]+(\\d+))?/.exec(location.hash);
  if (!m) return;
  var tab = document.getElementById('gid-' + m[1]);
  if (!tab) return;
  var row = m[2] && tab.querySelector('tr[data-row="' + m[2] + '"]');
  (row || tab).classList.add('marked');
  (row || tab).scrollIntoView();
}
mark();
window.addEventListener('hashchange', mark);
</script>"""


def _letters(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def _tab(sheet_id: int, title: str, values: list[list[Any]]) -> str:
    width = max((len(r) for r in values), default=0)
    head = "".join(f"<th>{_letters(i)}</th>" for i in range(1, width + 1))
    rows = []
    for number, row in enumerate(values, 1):
        cells = "".join(f"<td>{html.escape(str(v))}</td>" for v in row)
        cells += "<td></td>" * (width - len(row))
        rows.append(f'<tr data-row="{number}"><th>{number}</th>{cells}</tr>')
    return (
        f'<section id="gid-{sheet_id}"><h2>{html.escape(title)}</h2>'
        f"<table><thead><tr><th></th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</section>"
    )


def page(emulator: Any, spreadsheet_id: str) -> str:
    """The page of ``spreadsheet_id``; raises the API's :class:`ApiError` (404)
    for one the emulator does not hold."""
    _status, meta = emulator.handle("spreadsheets.get", {"id": spreadsheet_id}, {}, b"")
    tabs = []
    for sheet in meta.get("sheets", []):
        props = sheet["properties"]
        quoted = "'" + props["title"].replace("'", "''") + "'"
        _status, got = emulator.handle(
            "values.get", {"id": spreadsheet_id, "range": quoted}, {}, b""
        )
        tabs.append(_tab(props["sheetId"], props["title"], got.get("values", [])))
    title = html.escape(meta.get("properties", {}).get("title", spreadsheet_id))
    style = (
        "body{font:14px sans-serif;margin:1rem}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;white-space:nowrap}"
        "thead th,tbody th{background:#f3f3f3}.marked,.marked td{background:#fff3b0}"
    )
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head><body><h1>{title}</h1>"
        "<p>Sheets emulator: a read-only view; edit through the API.</p>"
        f"{''.join(tabs)}{_SCRIPT}</body></html>"
    )
