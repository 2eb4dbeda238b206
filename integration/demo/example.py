"""The demo's edit example: a partner's own script (plain gspread, the emulator
host and a token, none of this project's code) that moves one lead of the first
partner's sheet to its next stage, in the partner's words.

The lead is picked from the sheet as the first sync left it, so the change makes
sense (a lead that is ``contacted`` goes to ``qualified``, written as the
partner writes stages) and the sync takes it as an ordinary edit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gspread.utils import rowcol_to_a1

from integration.normalise.headers import find_header
from integration.normalise.identifiers import looks_like_lead_id
from integration.vocabulary import fold, label_table, value_word
from schemas import load_schema

EXAMPLE_FILE = "edit_example.py"

#: Stages a lead moves on from, in the schema's order (won and lost are final).
_FINAL_STAGES = ("won", "lost")


@dataclass(frozen=True)
class StageEdit:
    """One cell to change: ``cell`` (A1) of ``tab`` in spreadsheet ``spreadsheet_id``."""

    spreadsheet_id: str
    tab: str
    cell: str
    lead_id: str
    company: str
    old_word: str
    new_word: str
    new_stage: str


def next_stage(stage: str) -> str | None:
    """The stage after ``stage`` in the schema's order; None for a final one."""
    order = list(load_schema("lead")["properties"]["stage"]["enum"])
    if stage not in order or stage in _FINAL_STAGES:
        return None
    return order[order.index(stage) + 1]


def stage_edit(
    values: Sequence[Sequence[Any]],
    *,
    spreadsheet_id: str,
    tab: str,
    locale: str,
    columns: Mapping[str, str] | None = None,
    header_row: int | None = None,
) -> StageEdit | None:
    """The first lead of a tab's ``values`` (as read) with a CRM ID, a name and a
    stage that has a next one; None when there is none."""
    found = find_header(values, "lead", columns, header_row)
    wanted = ("id", "company_name", "stage")
    if not all(name in found.match.columns for name in wanted):
        return None
    id_col, name_col, stage_col = (found.match.columns[name] for name in wanted)
    stages = label_table("stage")
    for index in range(found.index + 1, len(values)):
        cells = list(values[index])
        if max(id_col, name_col, stage_col) >= len(cells):
            continue
        lead_id, company, word = (str(cells[c]).strip() for c in (id_col, name_col, stage_col))
        stage = stages.get(fold(word))
        following = next_stage(stage) if stage else None
        if looks_like_lead_id(lead_id) and company and following:
            return StageEdit(
                spreadsheet_id=spreadsheet_id,
                tab=tab,
                cell=rowcol_to_a1(index + 1, stage_col + 1),
                lead_id=lead_id,
                company=company,
                old_word=word,
                new_word=value_word("stage", following, locale),
                new_stage=following,
            )
    return None


def example_script(edit: StageEdit, emulator_host: str, token: str) -> str:
    """A partner's script, as it would talk to Google, pointed at the emulator."""
    return f'''"""A partner's own script against the lef-crm-sync demo: plain gspread.

Against Google, `gc = gspread.service_account()` would do; here one requests
session sends gspread's calls to the demo's Sheets emulator with a token.
"""

import gspread
import requests

EMULATOR = "http://{emulator_host}"
TOKEN = "{token}"


class Emulator(requests.Session):
    """Sends the calls gspread makes to Google's hosts to the emulator instead."""

    def request(self, method, url, *args, **kwargs):
        for google in ("https://sheets.googleapis.com", "https://www.googleapis.com"):
            url = url.replace(google, EMULATOR)
        return super().request(method, url, *args, **kwargs)


session = Emulator()
session.headers["Authorization"] = f"Bearer {{TOKEN}}"
gc = gspread.Client(auth=None, session=session)
sheet = gc.open_by_key("{edit.spreadsheet_id}").worksheet({edit.tab!r})
# {edit.company} ({edit.lead_id}): stage {edit.old_word!r} -> {edit.new_word!r}
sheet.update_acell("{edit.cell}", {edit.new_word!r})
print("{edit.cell}:", sheet.acell("{edit.cell}").value)
'''
