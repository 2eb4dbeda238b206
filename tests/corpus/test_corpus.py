"""Partner tabs as chamber staff keep them, synced through the real path and judged
row by row against the corpus's own verdicts.

Each partner folder holds its Leads and Agreements tabs as CSV (one record per sheet
row, titles and blank rows included) and ``verdicts.toml``, which says what every data
row must become. The test loads the tabs into the emulator with the real gspread
client, runs the real sync under ``partners.toml`` and reads the outcome where staff
and the CRM see it: the sheet's CRM ID and status cells, the records and the
quarantine in the store. It judges from the verdicts file only, never from the
sync's own counts, and reports every row that differs, not just the first.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from emulator_fixtures import EmulatorHandle, create_spreadsheet
from fast_retry import fast_policy
from sqlalchemy import select

from integration.config import AppConfig, load_config
from integration.store.db import Store
from integration.store.models import Agreement, Lead, QuarantineEntry
from integration.sync.engine import SyncReport, run_sync

CORPUS = Path(__file__).resolve().parent
PARTNERS = ("lv", "ee", "fi")
CRM_ID = "CRM ID"
OK = "OK"
VERDICTS = {"ok", "invalid", "duplicate", "blank"}
#: How an agreement row names a party by the CRM ID staff copied from the Leads tab.
CRM_ID_OF_LEAD = re.compile(r"\{CRM ID of leads row (\d+)\}")
ID_PATTERN = {"lead": re.compile(r"^L-\d{6}$"), "agreement": re.compile(r"^A-\d{6}$")}
MODEL = {"lead": Lead, "agreement": Agreement}


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What one sheet row must become (see the head of any ``verdicts.toml``)."""

    row: int
    verdict: str
    why: str = ""
    fields: tuple[str, ...] = ()
    of: int | None = None
    seller: int | None = None
    buyer: int | None = None
    expect: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class TabCorpus:
    """One tab as typed and its verdicts."""

    kind: str  # lead | agreement
    rows: list[list[str]]
    header_row: int
    verdicts: dict[int, Verdict]

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [list(r) for r in csv.reader(f)]


def trimmed(row: Sequence[Any]) -> list[Any]:
    """The row without its trailing blank cells (the API leaves them out)."""
    cells = list(row)
    while cells and cells[-1] in (None, ""):
        cells.pop()
    return cells


def is_blank(row: Sequence[Any]) -> bool:
    return all(c in (None, "") for c in row)


def load_tab(partner: str, file: str, kind: str, doc: dict[str, Any]) -> TabCorpus:
    rows = read_csv(CORPUS / partner / file)
    verdicts = {}
    for item in doc["rows"]:
        v = Verdict(**{**item, "fields": tuple(item.get("fields", ()))})
        assert v.verdict in VERDICTS, f"{partner}/{file} row {v.row}: verdict {v.verdict!r}"
        assert v.row not in verdicts, f"{partner}/{file} row {v.row}: two verdicts"
        verdicts[v.row] = v
    return TabCorpus(kind, rows, doc["header_row"], verdicts)


def check_corpus(partner: str, tab: TabCorpus) -> None:
    """The corpus is consistent: one verdict per data row, "blank" exactly for blank
    rows, invalid rows name fields, duplicates point at an earlier "ok" row."""
    data_rows = range(tab.header_row + 1, len(tab.rows) + 1)
    assert sorted(tab.verdicts) == list(data_rows), (partner, tab.kind, sorted(tab.verdicts))
    for n, v in tab.verdicts.items():
        where = f"{partner} {tab.kind} row {n}"
        assert (v.verdict == "blank") == is_blank(tab.rows[n - 1]), where
        assert (v.verdict == "invalid") == bool(v.fields), where
        if v.verdict == "duplicate":
            assert v.of is not None and v.of < n, where
            assert tab.verdicts[v.of].verdict == "ok", where
        if tab.kind == "agreement" and v.verdict == "ok":
            assert v.seller is not None and v.buyer is not None, where


def corpus_config(base_config: AppConfig, store: Store, emulator: EmulatorHandle) -> AppConfig:
    """The corpus's partners file, loaded and validated the way start-up does it."""
    config = load_config(CORPUS / "partners.toml", environ=base_config.environ)
    return dataclasses.replace(config, database_url=store.url, emulator_host=emulator.host_port)


def tab_values(gc: Any, sid: str, title: str) -> list[list[Any]]:
    data = gc.http_client.values_batch_get(
        sid, [f"'{title}'"], params={"valueRenderOption": "UNFORMATTED_VALUE"}
    )
    return data["valueRanges"][0].get("values", [])


def cell(rows: Sequence[Sequence[Any]], row: int, col: int | None) -> Any:
    """The value at 1-based ``row`` and 0-based ``col`` ("" past the data)."""
    if col is None or row > len(rows) or col >= len(rows[row - 1]):
        return ""
    return rows[row - 1][col]


def column(rows: Sequence[Sequence[Any]], header_row: int, title: str) -> int | None:
    header = rows[header_row - 1] if header_row <= len(rows) else []
    return header.index(title) if title in header else None


def crm_ids(rows: Sequence[Sequence[Any]], header_row: int) -> dict[int, str]:
    """Sheet row -> the CRM ID in it (rows without one left out)."""
    col = column(rows, header_row, CRM_ID)
    if col is None:
        return {}
    ids = {n: cell(rows, n, col) for n in range(header_row + 1, len(rows) + 1)}
    return {n: v for n, v in ids.items() if v}


def with_lead_ids(rows: list[list[str]], lead_ids: dict[int, str]) -> list[list[str]]:
    """The agreements tab as staff fill it once the leads have ids: each
    ``{CRM ID of leads row N}`` becomes the id the Leads tab shows in row N (left as
    typed when that row has none, which the verdicts then report)."""

    def fill(text: str) -> str:
        return CRM_ID_OF_LEAD.sub(lambda m: lead_ids.get(int(m.group(1)), m.group(0)), text)

    return [[fill(c) for c in r] for r in rows]


def sync(config: AppConfig, store: Store, gc: Any, partner: str, **kw: Any) -> SyncReport:
    report = run_sync(config, store, partner, client=gc, retry=fast_policy(), **kw)
    assert report.ok, [(t.tab, t.outcome, t.error) for t in report.tabs]
    return report


def judge_tab(
    partner: str,
    tab: TabCorpus,
    typed: list[list[str]],
    sheet: list[list[Any]],
    status_header: str,
    store: Store,
    lead_ids: dict[int, str],
) -> list[str]:
    """Every way the synced tab differs from the verdicts, one line each."""
    name = f"{partner} {tab.kind}s"
    problems: list[str] = []
    id_col = column(sheet, tab.header_row, CRM_ID)
    status_col = column(sheet, tab.header_row, status_header)
    if id_col is None or status_col is None:
        header = sheet[tab.header_row - 1] if tab.header_row <= len(sheet) else []
        return [f"{name}: no {CRM_ID!r}/{status_header!r} in header row {tab.header_row}: {header}"]
    # Staff's cells stay as typed; rows above the header are never written.
    for n, typed_row in enumerate(typed, start=1):
        if n < tab.header_row:
            got = trimmed(sheet[n - 1] if n <= len(sheet) else [])
            wanted = trimmed(typed_row)
        else:
            got = [cell(sheet, n, i) for i in range(tab.width)]
            wanted = typed_row + [""] * (tab.width - len(typed_row))
        if got != wanted:
            problems.append(f"{name} row {n}: cells changed: {wanted} -> {got}")
    ids = crm_ids(sheet, tab.header_row)
    kind = tab.kind
    with store.session() as s:
        records = {
            r.id: r
            for r in s.scalars(select(MODEL[kind]))
            if (r.partner if kind == "lead" else r.reporting_partner) == partner
        }
        open_entries = {
            e.row_number: e
            for e in s.scalars(
                select(QuarantineEntry).where(
                    QuarantineEntry.partner == partner,
                    QuarantineEntry.kind == kind,
                    QuarantineEntry.resolved_at.is_(None),
                )
            )
        }
    for n, v in sorted(tab.verdicts.items()):
        where = f"{name} row {n} ({v.verdict}{': ' + v.why if v.why else ''})"
        crm_id, status = cell(sheet, n, id_col), cell(sheet, n, status_col)
        entry = open_entries.get(n)
        if v.verdict == "blank":
            row = sheet[n - 1] if n <= len(sheet) else []
            if not is_blank(row) or entry is not None:
                problems.append(f"{where}: not left blank: {row}")
            continue
        if v.verdict == "ok":
            record = records.get(crm_id)
            if not ID_PATTERN[kind].match(str(crm_id)) or record is None or status != OK:
                problems.append(f"{where}: CRM ID {crm_id!r}, status {status!r}")
                continue
            expect = dict(v.expect)
            if kind == "agreement":
                expect["seller_id"] = lead_ids.get(v.seller or 0, f"(leads row {v.seller})")
                expect["buyer_id"] = lead_ids.get(v.buyer or 0, f"(leads row {v.buyer})")
            data = record.data
            wrong = {k: (w, data.get(k)) for k, w in expect.items() if data.get(k) != w}
            if wrong:
                problems.append(f"{where}: stored (wanted, got): {wrong}")
            if entry is not None:
                problems.append(f"{where}: still in quarantine: {entry.errors}")
            continue
        if crm_id:
            problems.append(f"{where}: got CRM ID {crm_id!r}, status {status!r}")
            continue
        if entry is None:
            problems.append(f"{where}: no open quarantine entry; status {status!r}")
            continue
        lost = [c for c in typed[n - 1] if c and c not in entry.raw.values()]
        if lost:
            problems.append(f"{where}: quarantine lost typed cells {lost}")
        if v.verdict == "invalid":
            fields = {e.get("field") for e in entry.errors}
            if fields != set(v.fields) or status in ("", OK):
                problems.append(f"{where}: fields {sorted(fields)}, status {status!r}")
        else:  # duplicate
            first = ids.get(v.of or 0)
            if not first or first not in str(status) or entry.duplicate_of != first:
                problems.append(
                    f"{where}: row {v.of} has {first!r}; status {status!r}, "
                    f"duplicate_of {entry.duplicate_of!r}"
                )
    wanted_ids = {ids.get(n) for n, v in tab.verdicts.items() if v.verdict == "ok"} - {None}
    extra = sorted(set(records) - wanted_ids)
    if extra:
        problems.append(f"{name}: records no ok row shows: {extra}")
    return problems


@pytest.mark.parametrize("partner", PARTNERS)
def test_partner_tabs_sync_with_the_verdict_of_every_row(
    partner: str, base_config: AppConfig, store: Store, emulator: EmulatorHandle
) -> None:
    doc = tomllib.loads((CORPUS / partner / "verdicts.toml").read_text(encoding="utf-8"))
    assert doc["partner"] == partner
    leads = load_tab(partner, "leads.csv", "lead", doc["leads"])
    agreements = load_tab(partner, "agreements.csv", "agreement", doc["agreements"])
    for tab in (leads, agreements):
        check_corpus(partner, tab)

    config = corpus_config(base_config, store, emulator)
    pc = config.partners[partner]
    gc = emulator.client(timeout=5)
    sid = create_spreadsheet(
        gc, f"{pc.name} - LEF", {pc.leads_tab: leads.rows, pc.agreements_tab: []}
    )
    config = dataclasses.replace(
        config,
        partners={**config.partners, partner: dataclasses.replace(pc, spreadsheet_id=sid)},
    )

    # The leads first: staff copy the ids they get into the agreements tab.
    sync(config, store, gc, partner, tab="leads")
    lead_ids = crm_ids(tab_values(gc, sid, pc.leads_tab), leads.header_row)
    typed_agreements = with_lead_ids(agreements.rows, lead_ids)
    gc.open_by_key(sid).worksheet(pc.agreements_tab).update(
        typed_agreements, "A1", value_input_option="RAW"
    )
    report = sync(config, store, gc, partner)
    leads_again = next(t for t in report.tabs if t.tab == "leads")

    sheets = {
        "leads": tab_values(gc, sid, pc.leads_tab),
        "agreements": tab_values(gc, sid, pc.agreements_tab),
    }
    problems = judge_tab(
        partner, leads, leads.rows, sheets["leads"], doc["status_header"], store, lead_ids
    )
    problems += judge_tab(
        partner,
        agreements,
        typed_agreements,
        sheets["agreements"],
        doc["status_header"],
        store,
        lead_ids,
    )
    if (leads_again.cells_written, leads_again.rows_appended) != (0, 0):
        problems.append(
            f"{partner} leads: the second sync wrote {leads_again.cells_written} cells "
            f"and {leads_again.rows_appended} rows"
        )
    assert not problems, "\n".join(problems)

    # Nothing changed since: the next sync writes nothing.
    again = sync(config, store, gc, partner)
    assert [(t.tab, t.cells_written, t.rows_appended) for t in again.tabs] == [
        ("leads", 0, 0),
        ("agreements", 0, 0),
    ]
    assert tab_values(gc, sid, pc.leads_tab) == sheets["leads"]
    assert tab_values(gc, sid, pc.agreements_tab) == sheets["agreements"]
