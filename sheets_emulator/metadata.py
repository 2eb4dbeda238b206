"""Spreadsheet metadata as Google returns it: defaults and JSON shapes.

Google omits default values (``hidden: false``, empty lists) from responses,
and always includes the spreadsheet's locale, time zone, default format and
theme; these constants are those of a new en_US spreadsheet.
"""

from __future__ import annotations

import copy
from typing import Any

DEFAULT_FORMAT: dict[str, Any] = {
    "backgroundColor": {"red": 1, "green": 1, "blue": 1},
    "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
    "verticalAlignment": "BOTTOM",
    "wrapStrategy": "OVERFLOW_CELL",
    "textFormat": {
        "foregroundColor": {},
        "fontFamily": "arial,sans,sans-serif",
        "fontSize": 10,
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "foregroundColorStyle": {"rgbColor": {}},
    },
    "backgroundColorStyle": {"rgbColor": {"red": 1, "green": 1, "blue": 1}},
}
#: A new spreadsheet's theme colours as (red, green, blue); Google leaves out a
#: zero component, so black is ``{}``.
_THEME_COLORS: dict[str, tuple[float, float, float]] = {
    "TEXT": (0, 0, 0),
    "BACKGROUND": (1, 1, 1),
    "ACCENT1": (0.25882354, 0.52156866, 0.95686275),
    "ACCENT2": (0.91764706, 0.2627451, 0.20784314),
    "ACCENT3": (0.9843137, 0.7372549, 0.015686275),
    "ACCENT4": (0.20392157, 0.65882355, 0.3254902),
    "ACCENT5": (1, 0.42745098, 0.003921569),
    "ACCENT6": (0.27450982, 0.7411765, 0.7764706),
    "LINK": (0.06666667, 0.33333334, 0.8),
}
SPREADSHEET_THEME: dict[str, Any] = {
    "primaryFontFamily": "Arial",
    "themeColors": [
        {
            "colorType": color_type,
            "color": {
                "rgbColor": {
                    name: value
                    for name, value in zip(("red", "green", "blue"), rgb, strict=True)
                    if value
                }
            },
        }
        for color_type, rgb in _THEME_COLORS.items()
    ],
}

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
OWNER_EMAIL = "owner@emulator.local"  # the account every emulated file belongs to
DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
MAX_CELLS = 10_000_000
CELL_LIMIT_MESSAGE = (
    "This action would increase the number of cells in the workbook above the limit of "
    "10000000 cells."
)
DEFAULT_PIXEL_ROW = 21
DEFAULT_PIXEL_COL = 100


def default_properties(title: str) -> dict[str, Any]:
    """Properties of a new spreadsheet (Google's order of keys)."""
    return {
        "title": title,
        "locale": "en_US",
        "autoRecalc": "ON_CHANGE",
        "timeZone": "Etc/GMT",
        "defaultFormat": copy.deepcopy(DEFAULT_FORMAT),
        "spreadsheetTheme": copy.deepcopy(SPREADSHEET_THEME),
    }


def spreadsheet_url(spreadsheet_id: str) -> str:
    return f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"
