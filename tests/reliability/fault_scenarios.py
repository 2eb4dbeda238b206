"""Seeded fault scenarios: partners edit their sheets (Leads and Agreements) while
webhooks and API calls arrive and Google fails in every way it does; after the
faults stop and one clean sync runs, nothing any side created or accepted is lost
or duplicated.

Used by ``tests/reliability/test_fault_campaign.py`` (a CI-sized run) and by
``bench/fault_campaign.py`` (the long run). Everything is real: gspread over HTTP
against the emulator, the Flask app's webhook and API endpoints, PostgreSQL, and
for the SIGKILL scenarios a sync in a separate process killed while its sheet
write is done and its store transaction is still open.

How a kill is placed exactly between the sheet write and the store commit: the
emulator holds the sync's cell write for half a second; meanwhile the campaign
takes ``LOCK TABLE sync_shadow IN SHARE MODE`` (reads pass, writes wait), so
the write lands and the sync then blocks inside its store transaction; the campaign sees the
write in the emulator's stats and the blocked backend in ``pg_stat_activity``,
and kills the process. Its transaction never commits.

The scenario keeps its own model of what must be true, built only from what the
scenario did and what the partner sees in the sheet (never from the engine's
shadow rows, pending marks or reported outcomes): every record by its (unique)
company name, the value every accepted edit left, and the fields both sides
changed since the last sync that completed. Only such a field may lose an edit,
and then a conflict with both values must be logged: with ``sheet_wins`` the
sheet's value stands, with ``store_wins`` the store's, with ``newest_wins``
either (which side is newer depends on timing the model does not control).
Any other missing edit, deleted row come back, conflict nobody caused, lost
record or duplicate is a problem; nothing is excused.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from emulator_fixtures import EmulatorHandle, create_spreadsheet, run_emulator
from fast_retry import fast_policy
from pg_databases import PG_ADMIN_URL, temporary_pg_database
from sqlalchemy import create_engine, select, text

from integration import create_app
from integration.auth import create_token
from integration.config import AppConfig, load_config
from integration.normalise.record import normalise_record
from integration.store import migrate
from integration.store.db import Store
from integration.store.models import Agreement, Base, Conflict, Lead
from integration.store.setup import sync_partner_rows
from integration.sync import sheet_rows
from integration.sync.engine import run_sync
from integration.webhooks.signatures import standard_headers

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "partners.example.toml"
RUNNER = Path(__file__).resolve().parent / "sync_runner.py"

TEST_ENVIRON = {
    "LV_WEBHOOK_SECRET": "whsec_" + "bHYtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
    "EE_WEBHOOK_SECRET": "whsec_" + "ZWUtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
    "FI_WEBHOOK_SECRET": "whsec_" + "Zmktc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
    "CRM_SECRET_KEY": "campaign-secret-key",
}

# The Leads columns, and the local headers the partners really use for them
# (matched by alias, never by position); None is a column of the partner's own.
FIELDS = (
    "company_name",
    "country",
    "sector",
    "contact_name",
    "email",
    "notes",
    None,
    "phone",
    "website",
    "stage",
    "role",
    "gdpr_consent_date",
    "event",
)
HEADERS = {
    "lv": [
        "Uzņēmums",
        "Valsts",
        "Nozare",
        "Kontaktpersona",
        "E-pasts",
        "Piezīmes",
        "Mūsu komentārs",
        "Tālrunis",
        "Mājaslapa",
        "Posms",
        "Loma",
        "Piekrišanas datums",
        "Pasākums",
    ],
    "ee": [
        "Ettevõte",
        "Riik",
        "Valdkond",
        "Kontaktisik",
        "E-post",
        "Märkused",
        "Meie märkus",
        "Telefon",
        "Veebileht",
        "Etapp",
        "Roll",
        "Nõusoleku kuupäev",
        "Üritus",
    ],
}
COUNTRY = {"lv": "LV", "ee": "EE"}
LOCALE = {"lv": "lv", "ee": "et"}
SECTOR_CELL = {"lv": "IKT", "ee": "IKT"}
#: every kind of field a partner or an API client edits: free text, e-mail, phone,
#: URL, enums (typed as the partner's label or the plain value) and a date
EDIT_FIELDS = (
    "contact_name",
    "notes",
    "event",
    "email",
    "phone",
    "website",
    "stage",
    "role",
    "gdpr_consent_date",
)
# The Agreements columns: the parties by name as staff type them, the subject
# (the model's key for an agreement), and every kind of field an agreement has.
AGREEMENT_FIELDS = (
    "seller",
    "buyer",
    "subject",
    "status",
    "signed_date",
    "value",
    "currency",
    "notes",
    None,
)
AGREEMENT_HEADERS = {
    "lv": [
        "Pārdevējs",
        "Pircējs",
        "Priekšmets",
        "Statuss",
        "Parakstīšanas datums",
        "Vērtība",
        "Valūta",
        "Piezīmes",
        "Mūsu komentārs",
    ],
    "ee": [
        "Müüja",
        "Ostja",
        "Lepingu ese",
        "Staatus",
        "Allkirjastamise kuupäev",
        "Väärtus",
        "Valuuta",
        "Märkused",
        "Meie märkus",
    ],
}
AGREEMENT_EDITS = ("status", "signed_date", "value", "currency", "notes")
ENUMS = {
    "stage": ("new", "contacted", "qualified", "meeting", "negotiation", "won", "lost"),
    "role": ("seller", "buyer", "both"),
    "status": ("draft", "negotiating", "signed", "cancelled"),
    "currency": ("EUR", "USD", "AZN", "GBP", "SEK"),
}
MOBILE = {"lv": "+3712", "ee": "+3725"}


@dataclass(frozen=True)
class TabSpec:
    """One tab of a partner's spreadsheet as the campaign drives it."""

    kind: str  # "lead" | "agreement"
    title: str  # the worksheet
    sync_tab: str  # the sync's name for it
    fields: tuple[str | None, ...]
    headers: dict[str, list[str]]
    edits: tuple[str, ...]
    key: str  # the field that names a record in the model

    @property
    def col(self) -> dict[str, int]:
        return {f: i for i, f in enumerate(self.fields) if f}


TABS = {
    "lead": TabSpec("lead", "Leads", "leads", FIELDS, HEADERS, EDIT_FIELDS, "company_name"),
    "agreement": TabSpec(
        "agreement",
        "Agreements",
        "agreements",
        AGREEMENT_FIELDS,
        AGREEMENT_HEADERS,
        AGREEMENT_EDITS,
        "subject",
    ),
}
KIND_OF_TAB = {spec.sync_tab: kind for kind, spec in TABS.items()}


def new_value(rng: random.Random, partner: str, fname: str, side: str, avoid: set[str]) -> str:
    """A new schema value for ``fname`` (never one of ``avoid``: an "edit" to the
    value a side already holds is no edit); "" when every value is taken."""
    if fname in ENUMS:
        choices = [v for v in ENUMS[fname] if v not in avoid]
        return rng.choice(choices) if choices else ""
    n = rng.randint(0, 10**6)
    if fname == "email":
        value = f"{side}{n}@edit.example"
    elif fname == "phone":
        value = f"{MOBILE[partner]}{n:07d}"
    elif fname == "website":
        value = f"https://{side}{n}.example.com"
    elif fname in ("gdpr_consent_date", "signed_date"):  # never in the future
        value = (date(2024, 1, 1) + timedelta(days=n % 700)).isoformat()
    elif fname == "value":
        value = str(float(n % 100_000) + 0.5)
    else:
        value = f"{side} {fname} {n}"
    return "" if value in avoid else value


def typed(rng: random.Random, partner: str, fname: str, value: str, kind: str = "lead") -> Any:
    """What a partner types for a schema value: sometimes the plain value, sometimes
    the local form (the enum's label, a spaced phone number, a local date, an
    amount as a number or in the local format)."""
    if fname == "value" and value:
        if rng.random() < 0.5:
            return float(value)
        whole, frac = f"{float(value):.2f}".split(".")
        return f"{int(whole):,}".replace(",", "\u00a0") + f",{frac}"
    if not value or rng.random() < 0.5:
        return value
    if fname in ENUMS:
        return str(sheet_rows.to_cell(kind, fname, value, LOCALE[partner]))
    if fname == "phone":
        return f"{value[:4]} {value[4:8]} {value[8:]}"
    if fname in ("gdpr_consent_date", "signed_date"):
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    return value


def read_cell(partner: str, fname: str, cell: Any, kind: str = "lead") -> str:
    """The schema value a sheet cell holds, as the sync reads it."""
    if cell in ("", None):
        return ""
    record, _ = normalise_record(kind, {fname: cell}, LOCALE[partner], partner=partner)
    return _text(record.get(fname, cell))


def _text(value: Any) -> str:
    """A schema value as the model keeps it (numbers as ``str(float)``)."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(float(value))
    return str(value)


#: the calls of a sync: the read, the tab's metadata and its one write (new columns,
#: changed cells and appended rows in one ``spreadsheets.batchUpdate``)
ENDPOINTS = ("values.batchGet", "spreadsheets.get", "spreadsheets.batchUpdate")
WRITE_ENDPOINTS = ("spreadsheets.batchUpdate",)
#: "... after": the write is applied, then the answer is an error or never comes
FAULT_KINDS = ("429 storm", "500", "503", "slow", "drop", "500 after", "503 after", "drop after")
POLICIES = ("sheet_wins", "store_wins", "newest_wins")
CLIENT_TIMEOUT = 0.25
SLOW_DELAY = 0.4
LEASE_SECONDS = 1.0
HOLD_WRITE = 0.3  # seconds the emulator holds a SIGKILL scenario's sheet write
#: how late the answer to an overlapped sync's read comes: past its lease, and
#: long enough for a second sync to take the lease and finish meanwhile
OVERLAP_DELAY = LEASE_SECONDS + 2.0
OVERLAP_SHARE = 0.12  # scenarios with two overlapping syncs of one spreadsheet
#: scenarios with a sync held past its lease while a record waits to be appended
#: (drawn from a generator of their own: the other scenarios stay as they were)
OUTLIVED_SHARE = 0.2
#: what staff do to the Leads tab while a sync is between its read and its write
WINDOW_EDITS = (
    "insert_above",
    "delete_above",
    "sort",
    "copy_above",
    "copy_below",
    "clear_id",
    "undo_delete",
)


@dataclass
class Outcome:
    """What one scenario (or a whole campaign) did and found."""

    scenarios: int = 0
    faults: int = 0  # faults that fired (the emulator's count), not rules installed
    faults_after: int = 0  # of which the write was applied and its answer lost
    kills: int = 0
    kills_mid_write: int = 0
    kills_mid_write_sqlite: int = 0  # of which on the SQLite store
    overlaps: int = 0  # a sync outlived its lease while another one ran
    outlived: int = 0  # of which the stale sync had only a record to append
    mass_clears: int = 0  # a partner cleared the list by mistake, then undid it
    header_deletions: int = 0  # the header row deleted, deletions accepted, undone
    window_edits: int = 0  # staff changed rows between a sync's read and its write
    failed_syncs: int = 0
    records_checked: int = 0
    edits_checked: int = 0
    conflicts_checked: int = 0
    lost: int = 0
    duplicated: int = 0
    edits_missing: int = 0
    conflicts_missing: int = 0
    conflicts_spurious: int = 0  # logged where the model saw no two-sided change
    resurrected: int = 0  # a row the partner deleted came back
    not_converged: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        for f in dataclasses.fields(self):
            if f.name == "problems":
                getattr(self, f.name).extend(getattr(other, f.name))
            else:
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def ok(self) -> bool:
        return not (
            self.lost
            or self.duplicated
            or self.edits_missing
            or self.conflicts_missing
            or self.conflicts_spurious
            or self.resurrected
            or self.not_converged
            or self.problems
        )


@dataclass
class Rec:
    """One record of the model, known by its unique company name (a lead) or
    subject (an agreement)."""

    name: str
    partner: str
    values: dict[str, str]
    in_sheet: bool  # a partner typed it (else it came from a webhook or the API)
    deleted: bool = False
    kind: str = "lead"
    country: str = ""  # a lead's; the partner's own country unless set
    party: bool = False  # a party to the agreements: never deleted
    #: an agreement's parties, by company name
    parties: tuple[str, str] = ("", "")
    #: field -> the values a newest_wins conflict may have left (either side's)
    either: dict[str, set[str]] = field(default_factory=dict)


def truncate(url: str) -> None:
    """Empty every table (and restart the id sequences) between scenarios."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
            if conn.execute(
                text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
            ).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))
        else:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@contextlib.contextmanager
def temporary_sqlite_database() -> Iterator[str]:
    """A fresh, migrated SQLite store in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="lefcrm-campaign-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'store.sqlite'}"
        s = Store(url)
        migrate.upgrade(s)
        s.dispose()
        yield url


class WarmRunner:
    """A sync process started ahead of time, waiting for its job on stdin."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(RUNNER)],
            cwd=str(ROOT),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("CAMPAIGN_DEBUG") else subprocess.DEVNULL,
            text=True,
            # the project and tests/ (the runner takes the tests' retry policy)
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")])},
        )
        self.ready = threading.Event()
        self.result: dict[str, Any] | None = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.strip()
            if line == "ready":
                self.ready.set()
            elif line.startswith("{"):
                self.result = json.loads(line)
        # the process ended: wake a start() still waiting, so it fails at once
        self.ready.set()

    def start(self, job: dict[str, Any]) -> None:
        if not self.ready.wait(30) or self.proc.poll() is not None:
            code = self.proc.poll()
            raise RuntimeError(
                "sync runner did not start"
                + ("" if code is None else f" (exited {code}; CAMPAIGN_DEBUG=1 shows why)")
            )
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()


class Campaign:
    """The long-lived parts: emulator, store, app; one scenario at a time."""

    def __init__(self, emulator: EmulatorHandle, database_url: str) -> None:
        self.emulator = emulator
        self.url = database_url
        self.config = load_config(EXAMPLE, environ=dict(TEST_ENVIRON))
        self.config = dataclasses.replace(
            self.config,
            database_url=database_url,
            emulator_host=emulator.host_port,
            sync=dataclasses.replace(self.config.sync, lease_seconds=LEASE_SECONDS),
        )
        self.store = Store(database_url)
        self.app = create_app(self.config, store=self.store)
        self.app.config.update(TESTING=True)
        self.http = self.app.test_client()
        self.gc = emulator.client(timeout=10)
        self.fault_gc = emulator.client(timeout=CLIENT_TIMEOUT)
        self.runner: WarmRunner | None = None

    def close(self) -> None:
        if self.runner is not None:
            self.runner.close()
        self.store.dispose()

    def warm_runner(self) -> WarmRunner:
        if self.runner is None or self.runner.proc.poll() is not None:
            self.runner = WarmRunner()
        return self.runner

    def run(self, seed: int, *, steps: int = 4, kill_share: float = 0.5) -> Outcome:
        return Scenario(self, seed, steps=steps, kill_share=kill_share).run()


class Scenario:
    def __init__(self, campaign: Campaign, seed: int, *, steps: int, kill_share: float) -> None:
        self.c = campaign
        self.seed = seed
        self.rng = random.Random(seed)
        self.steps = steps
        self.kill_share = kill_share
        self.out = Outcome(scenarios=1)
        self.recs: dict[str, Rec] = {}
        self.counter = 0
        self.partners = ["lv"] if self.rng.random() < 0.6 else ["lv", "ee"]
        self.policy = {p: self.rng.choice(POLICIES) for p in self.partners}
        self.config = campaign.config
        self.token = ""
        # edits since the last completed sync of each partner: (name, field) -> value
        self.sheet_edits: dict[str, dict[tuple[str, str], str]] = {p: {} for p in self.partners}
        self.store_edits: dict[str, dict[tuple[str, str], str]] = {p: {} for p in self.partners}
        # (name, field, sheet value, store value) of every two-sided change
        self.expected_conflicts: set[tuple[str, str, str, str]] = set()
        # every such pair a sync could see (a sync that did not commit may log it
        # before its sheet write overwrites the partner's value)
        self.possible_conflicts: set[tuple[str, str, str, str]] = set()
        # the last sync of the partner completed and no record was created since
        # (so a sync now appends nothing: see act_accidental_clear)
        self.settled: dict[str, bool] = {p: False for p in self.partners}
        self.trace: list[str] = [f"policy:{self.policy}"]
        # a firm's name as a form re-spelt it -> the name the model knows the firm
        # by (see act_webhook_namesake): both name one record
        self.aliases: dict[str, str] = {}

    # ------------------------------------------------------------------ set-up
    def _new_name(self, partner: str, origin: str) -> str:
        self.counter += 1
        return f"{origin} {partner.upper()} {self.seed}-{self.counter}"

    def _row(self, rec: Rec) -> list[Any]:
        p = rec.partner
        if rec.kind == "agreement":
            fixed = {"seller": rec.parties[0], "buyer": rec.parties[1], "subject": rec.name}
        else:
            country = rec.country or COUNTRY[p]
            fixed = {"company_name": rec.name, "country": country, "sector": SECTOR_CELL[p]}
        return [
            fixed[f]
            if f in fixed
            else typed(self.rng, p, f, rec.values.get(f, ""), rec.kind)
            if f
            else f"own column {self.rng.randint(0, 99)}"
            for f in TABS[rec.kind].fields
        ]

    def _new_sheet_rec(self, partner: str) -> Rec:
        name = self._new_name(partner, "Firm")
        n = self.counter
        rec = Rec(
            name,
            partner,
            {
                "contact_name": f"Person {n}",
                "email": f"p{n}.s{self.seed}@firm{n}.example",
                "phone": f"{MOBILE[partner]}{n:07d}",
                "stage": self.rng.choice(ENUMS["stage"]),
            },
            in_sheet=True,
        )
        self.recs[name] = rec
        return rec

    def _new_agreement(self, partner: str, seller: str, buyer: str) -> Rec:
        name = self._new_name(partner, "Deal")
        n = self.counter
        rec = Rec(
            name,
            partner,
            {
                "status": self.rng.choice(ENUMS["status"]),
                "signed_date": new_value(self.rng, partner, "signed_date", "", set()),
                "value": str(float(n * 1000) + 0.5),
                "currency": "EUR",
            },
            in_sheet=True,
            kind="agreement",
            parties=(seller, buyer),
        )
        self.recs[name] = rec
        return rec

    def setup(self) -> None:
        c = self.c
        c.emulator.reset()
        self._fired_seen = (0, 0)
        truncate(c.url)
        sync_partner_rows(c.store, c.config)
        with c.store.session() as s:
            _, self.token = create_token(s, "campaign", partner=None)
        partners = dict(c.config.partners)
        for p in self.partners:
            recs = [self._new_sheet_rec(p) for _ in range(self.rng.randint(2, 6))]
            seller = self._new_sheet_rec(p)
            buyer = self._new_sheet_rec(p)
            seller.party = buyer.party = True
            buyer.country = "AZ"  # the parties are from different countries
            recs[self.rng.randint(0, len(recs)) :] += [seller, buyer]
            deals = [
                self._new_agreement(p, seller.name, buyer.name)
                for _ in range(self.rng.randint(1, 3))
            ]
            leads = [HEADERS[p]] + [self._row(r) for r in recs]
            agreements = [AGREEMENT_HEADERS[p]] + [self._row(r) for r in deals]
            sid = create_spreadsheet(
                c.gc, f"{p} CRM {self.seed}", {"Leads": leads, "Agreements": agreements}
            )
            partners[p] = dataclasses.replace(
                partners[p], spreadsheet_id=sid, conflict_policy=self.policy[p]
            )
        self.config = dataclasses.replace(c.config, partners=partners)
        for p in self.partners:
            self.sync(p)

    # ---------------------------------------------------------------- helpers
    def ws(self, partner: str, kind: str = "lead") -> Any:
        sid = self.config.partners[partner].spreadsheet_id
        return self.c.gc.open_by_key(sid).worksheet(TABS[kind].title)

    def sheet_rows(self, partner: str, kind: str = "lead") -> list[list[Any]]:
        """The tab's cells: leads as shown, agreements unformatted (numbers as numbers)."""
        if kind == "lead":
            return self.ws(partner).get_values()
        return self.ws(partner, kind).get_values(value_render_option="UNFORMATTED_VALUE")

    def rows_by_name(self, partner: str, kind: str) -> dict[str, tuple[int, list[Any]]]:
        """Model name -> (0-based index, cells) of the first row naming it."""
        rows = self.sheet_rows(partner, kind)
        key = TABS[kind].col[TABS[kind].key]
        out: dict[str, tuple[int, list[Any]]] = {}
        for i, r in enumerate(rows[1:], start=1):
            if key < len(r) and r[key] in self.recs:
                out.setdefault(str(r[key]), (i, r))
        return out

    def sync(
        self,
        partner: str,
        *,
        client: Any = None,
        retry: Any = None,
        final: bool = False,
        accept_deletions: bool = False,
    ) -> str:
        self.note_conflicts(partner)
        report = run_sync(
            self.config,
            self.c.store,
            partner,
            client=client or self.c.gc,
            retry=retry or fast_policy(),
            wait_for_lease=LEASE_SECONDS + 3,
            accept_deletions=accept_deletions,
        )
        done = {KIND_OF_TAB[t.tab] for t in report.tabs if t.outcome == "completed"}
        failed = [t for t in report.tabs if t.outcome != "completed"]
        outcome = failed[0].outcome if failed else "completed"
        self.trace.append(f"sync:{partner}={outcome}")
        if done:
            self.cycle_done(partner, done)
        if failed:
            self.settled[partner] = False  # the caller settles what its write delivered
            if final:
                self.out.problems.append(
                    f"seed {self.seed}: clean sync of {partner} {outcome}: {failed[0].error}"
                )
        return outcome

    def note_conflicts(self, partner: str) -> None:
        """A sync is about to see the edits of this cycle: note each two-sided one."""
        sheet, store = self.sheet_edits[partner], self.store_edits[partner]
        for key in set(sheet) & set(store):
            if sheet[key] != store[key]:
                self.possible_conflicts.add((*key, sheet[key], store[key]))

    def cycle_done(self, partner: str, kinds: Any = ("lead", "agreement")) -> None:
        """A sync of ``partner``'s tabs of ``kinds`` committed: settle the edits of
        this cycle. A field only one side changed takes that side's value; a field
        both sides changed to different values is a conflict the policy decides and
        the log shows."""
        sheet, store = self.sheet_edits[partner], self.store_edits[partner]
        policy = self.policy[partner]
        for key in set(sheet) | set(store):
            name, fname = key
            rec = self.recs[name]
            if rec.kind not in kinds:
                continue
            rec.either.pop(fname, None)
            if key in sheet and key in store and sheet[key] != store[key]:
                self.expected_conflicts.add((name, fname, sheet[key], store[key]))
                if policy == "newest_wins":
                    rec.either[fname] = {sheet[key], store[key]}
                rec.values[fname] = store[key] if policy == "store_wins" else sheet[key]
            else:
                rec.values[fname] = sheet.get(key, store.get(key, ""))
            sheet.pop(key, None)
            store.pop(key, None)
        self.settled[partner] = "lead" in kinds and "agreement" in kinds

    def delivered(self, partner: str) -> None:
        """After a sync that did not commit: settle the store edits its sheet write
        put into the rows anyway (a write that timed out on the client but landed, or
        a sync killed after its write). The partner now sees the store's value, so a
        later sheet edit of that field replaces it knowingly: a one-sided edit, not a
        two-sided conflict (the engine knows it from the pending base the write left).

        A field the sheet side also changed this cycle to another value is a
        conflict; if the row now shows the store's value, the write decided it for
        the store (only ``store_wins`` or ``newest_wins`` may), so that conflict,
        with the two values the write saw, must be in the log (the engine logs it
        before the write) and the partner's edit is settled as overridden. A later
        store edit of the field is then one-sided: the partner sees the delivered
        value, not their own. Under ``sheet_wins`` such a row is never excused."""
        self.settled[partner] = False
        at = {kind: self.rows_by_name(partner, kind) for kind in TABS}
        store, sheet = self.store_edits[partner], self.sheet_edits[partner]
        for key, value in list(store.items()):
            name, fname = key
            kind = self.recs[name].kind
            found = at[kind].get(name)
            col = TABS[kind].col[fname]
            if found is None or col >= len(found[1]):
                continue
            if key in sheet and sheet[key] != value and self.policy[partner] == "sheet_wins":
                continue
            if read_cell(partner, fname, found[1][col], kind) == value:
                if key in sheet and sheet[key] != value:
                    self.expected_conflicts.add((name, fname, sheet[key], value))
                sheet.pop(key, None)
                self.recs[name].values[fname] = value
                self.recs[name].either.pop(fname, None)  # an older conflict's either way
                del store[key]

    def live(self, partner: str) -> list[Rec]:
        return [r for r in self.recs.values() if r.partner == partner and not r.deleted]

    # ---------------------------------------------------------------- actions
    def act_sheet_edit(self, partner: str) -> None:
        kind = "agreement" if self.rng.random() < 0.3 else "lead"
        rows = self.rows_by_name(partner, kind)
        if not rows:
            return
        name = self.rng.choice(sorted(rows))
        fname = self.rng.choice(TABS[kind].edits)
        self.type_edit(partner, name, fname, *rows[name])

    def type_edit(
        self, partner: str, name: str, fname: str, index: int, cells: list[Any], avoid: str = ""
    ) -> None:
        """The partner types a new value into a field of the row at ``index``."""
        kind = self.recs[name].kind
        col = TABS[kind].col[fname]
        shown = read_cell(partner, fname, cells[col] if col < len(cells) else "", kind)
        base = self.recs[name].values.get(fname, "")
        value = new_value(self.rng, partner, fname, "sheet", {shown, base, avoid})
        if not value:
            return
        self.ws(partner, kind).update(
            [[typed(self.rng, partner, fname, value, kind)]],
            f"{chr(65 + col)}{index + 1}",
            value_input_option="RAW",
        )
        self.sheet_edits[partner][(name, fname)] = value

    def act_sheet_insert(self, partner: str, index: int = 0) -> None:
        rec = self._new_sheet_rec(partner)
        rows = self.sheet_rows(partner)
        index = index or self.rng.randint(2, len(rows) + 1)
        self.ws(partner).insert_row(self._row(rec), index=index, value_input_option="RAW")

    def act_sheet_sort(self, partner: str) -> None:
        ws = self.ws(partner)
        rows = ws.get_values()
        if len(rows) < 3:
            return
        col = self.rng.choice([0, 3, 4])
        ws.sort((col + 1, self.rng.choice(["asc", "des"])), range=f"A2:Z{len(rows)}")

    def act_sheet_delete(self, partner: str) -> None:
        rows = self.sheet_rows(partner)
        pending = {n for (n, _f) in self.store_edits[partner]} | {
            n for (n, _f) in self.sheet_edits[partner]
        }
        candidates = [
            (i + 1, r[0])
            for i, r in enumerate(rows)
            if i > 0
            and r
            and r[0] in self.recs
            and r[0] not in pending
            and not self.recs[r[0]].party
        ]
        if len(candidates) < 2:
            return
        row, name = self.rng.choice(candidates)
        self.ws(partner).delete_rows(row)
        self.recs[name].deleted = True

    def act_webhook(self, partner: str, http: Any = None) -> None:
        name = self._new_name(partner, "Webform")
        n = self.counter
        values = {"contact_name": f"Web person {n}", "email": f"w{n}.s{self.seed}@web{n}.example"}
        payload = {
            "company_name": name,
            "country": COUNTRY[partner],
            "sector": "ict",
            **values,
        }
        body = json.dumps(payload).encode()
        secret = self.config.environ[f"{partner.upper()}_WEBHOOK_SECRET"]
        msg = f"msg_{self.seed}_{n}"
        for _ in range(self.rng.choice([1, 1, 2])):  # senders retry deliveries
            resp = (http or self.c.http).post(
                f"/webhooks/forms/{partner}",
                data=body,
                headers=standard_headers(secret, msg, body),
                content_type="application/json",
            )
            if resp.status_code not in (200, 201):
                self.out.problems.append(f"seed {self.seed}: webhook {resp.status_code}")
                return
        self.recs[name] = Rec(name, partner, values, in_sheet=False)
        self.settled[partner] = False

    def act_webhook_namesake(self, partner: str) -> None:
        """A form for a firm the store has, with no e-mail and no code, its name
        re-spelt (case, quotes, a legal form): the company name finds the firm.
        The model expects no new record: ``partner``'s own firm is merged (and
        nothing filled: the form brings no blank field), another partner's is
        kept in ``partner``'s quarantine as a linked duplicate."""
        stored = sorted(
            name
            for name, rec in self.recs.items()
            if rec.kind == "lead" and not rec.in_sheet and not rec.deleted
        )
        if not stored:
            return
        rec = self.recs[self.rng.choice(stored)]
        spelling = self.rng.choice(["{} SIA", '"{}" AS', "OÜ {}", "{}, LLC"])
        variant = spelling.format(self.rng.choice([rec.name.upper(), rec.name.lower()]))
        country = rec.country or COUNTRY[rec.partner]
        payload = {"company_name": variant, "country": country, "sector": "ict"}
        body = json.dumps(payload).encode()
        secret = self.config.environ[f"{partner.upper()}_WEBHOOK_SECRET"]
        self.counter += 1
        msg = f"msg_{self.seed}_{self.counter}_namesake"
        resp = self.c.http.post(
            f"/webhooks/forms/{partner}",
            data=body,
            headers=standard_headers(secret, msg, body),
            content_type="application/json",
        )
        expected = 200 if partner == rec.partner else 202
        if resp.status_code != expected:
            self.out.problems.append(
                f"seed {self.seed}: a form for {rec.name!r} as {variant!r} from {partner}: "
                f"{resp.status_code}, expected {expected}"
            )
        self.aliases[variant] = rec.name
        self.settled[partner] = False

    def act_api_create(self, partner: str, http: Any = None) -> None:
        name = self._new_name(partner, "Api")
        n = self.counter
        values = {"notes": f"api notes {n}"}
        resp = (http or self.c.http).post(
            "/api/v1/leads",
            json={
                "partner": partner,
                "company_name": name,
                "country": COUNTRY[partner],
                "sector": "green_tech",
                **values,
            },
            headers={
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": f"k-{self.seed}-{n}",
            },
        )
        if resp.status_code != 201:
            self.out.problems.append(f"seed {self.seed}: api create {resp.status_code}")
            return
        self.recs[name] = Rec(name, partner, values, in_sheet=False)
        self.settled[partner] = False

    def stored(self, partner: str, kind: str) -> dict[str, tuple[str, dict[str, Any]]]:
        """Model name -> (id, data) of the partner's live records of ``kind``."""
        model = Lead if kind == "lead" else Agreement
        owner = Lead.partner if kind == "lead" else Agreement.reporting_partner
        key = TABS[kind].key
        with self.c.store.session() as s:
            return {
                str(r.data.get(key)): (r.id, dict(r.data))
                for r in s.scalars(
                    select(model).where(owner == partner, model.archived_at.is_(None))
                )
            }

    def act_api_edit(
        self, partner: str, kind: str = "", name: str = "", fname: str = ""
    ) -> tuple[str, str] | None:
        """An API client edits a field (of ``name``, if given); the edit's key."""
        kind = kind or ("agreement" if self.rng.random() < 0.3 else "lead")
        records = self.stored(partner, kind)
        names = [r.name for r in self.live(partner) if r.name in records and r.kind == kind]
        # never edit a record whose row the partner deleted in this cycle
        if not names or (name and name not in names):
            return None
        name = name or self.rng.choice(names)
        fname = fname or self.rng.choice(TABS[kind].edits)
        record_id, data = records[name]
        avoid = {_text(data.get(fname)), self.recs[name].values.get(fname, "")}
        value = new_value(self.rng, partner, fname, "api", avoid)
        if not value:
            return None
        resp = self.c.http.patch(
            f"/api/v1/{kind}s/{record_id}",
            json={fname: float(value) if fname == "value" else value},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        if resp.status_code != 200:
            self.out.problems.append(f"seed {self.seed}: api patch {resp.status_code}")
            return None
        self.store_edits[partner][(name, fname)] = value
        return name, fname

    def act_interrupted_store_edits(self, partner: str) -> None:
        """An API edit is written into its row by a sync whose answer is lost (no
        commit); the API edits the same field again, and the sync that plans that
        newer value into the row fails before its write lands. Whatever the row
        shows, the newer edit must win at the next sync, without a conflict."""
        key = self.act_api_edit(partner, "lead")
        if key is None:
            return
        self.write_fails(partner, after=True)
        if self.act_api_edit(partner, "lead", *key) is not None:
            self.write_fails(partner, after=False)

    def write_fails(self, partner: str, *, after: bool) -> None:
        """A sync whose every cell write fails: applied and the answer lost
        (``after``), or never applied."""
        c = self.c
        c.emulator.clear_faults()
        c.emulator.inject_fault(
            endpoint="spreadsheets.batchUpdate", status=503, after=after, times=50
        )
        outcome = self.sync(partner, retry=fast_policy(max_attempts=2, budget_seconds=1.0))
        c.emulator.clear_faults()
        self.count_fired()
        if outcome != "completed":
            self.out.failed_syncs += 1
            self.delivered(partner)

    def act_conflict(self, partner: str) -> None:
        """The partner and an API client change the same field of one record."""
        before = set(self.store_edits[partner])
        self.act_api_edit(partner)
        new = set(self.store_edits[partner]) - before
        if not new:
            return
        name, fname = new.pop()
        found = self.rows_by_name(partner, self.recs[name].kind).get(name)
        if not found:
            return  # not in the sheet yet (a webhook's lead before its first sync)
        avoid = self.store_edits[partner][(name, fname)]  # a different value: a conflict
        self.type_edit(partner, name, fname, *found, avoid)

    def act_api_agreement(self, partner: str) -> None:
        """An API client reports a new agreement between the partner's two parties."""
        parties = self.stored(partner, "lead")
        seller, buyer = self._parties(partner)
        if seller not in parties or buyer not in parties:
            return
        name = self._new_name(partner, "Deal")
        n = self.counter
        values = {
            "status": self.rng.choice(ENUMS["status"]),
            "signed_date": new_value(self.rng, partner, "signed_date", "", set()),
            "value": str(float(n * 100) + 0.5),
            "currency": self.rng.choice(ENUMS["currency"]),
        }
        resp = self.c.http.post(
            "/api/v1/agreements",
            json={
                "reporting_partner": partner,
                "seller_id": parties[seller][0],
                "buyer_id": parties[buyer][0],
                "subject": name,
                **{k: float(v) if k == "value" else v for k, v in values.items()},
            },
            headers={
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": f"a-{self.seed}-{n}",
            },
        )
        if resp.status_code != 201:
            self.out.problems.append(
                f"seed {self.seed}: api agreement {resp.status_code} {resp.get_data(as_text=True)}"
            )
            return
        self.recs[name] = Rec(
            name, partner, values, in_sheet=False, kind="agreement", parties=(seller, buyer)
        )
        self.settled[partner] = False

    def _parties(self, partner: str) -> tuple[str, str]:
        deal = next(r for r in self.recs.values() if r.partner == partner and r.parties[0])
        return deal.parties

    def random_fault(self) -> dict[str, Any]:
        kind = self.rng.choice(FAULT_KINDS)
        after = kind.endswith(" after")
        spec: dict[str, Any] = {"times": self.rng.randint(1, 6)}
        if after:  # a write lands, its answer is lost
            spec["endpoint"] = self.rng.choice(WRITE_ENDPOINTS)
            spec["after"] = True
        elif self.rng.random() < 0.7:
            spec["endpoint"] = self.rng.choice(ENDPOINTS)
        else:  # anywhere in the sync, at random
            spec = {"probability": 0.3, "seed": self.rng.randint(0, 10**6)}
        kind = kind.removesuffix(" after")
        if kind == "429 storm":
            spec.update(status=429, times=spec.get("times", 1) + 3)
        elif kind in ("500", "503"):
            spec["status"] = int(kind)
        elif kind == "slow":
            spec["delay"] = SLOW_DELAY
        else:
            spec["drop"] = True
        return spec

    def count_fired(self) -> None:
        """Add the faults that fired since the last count (the emulator's own tally)."""
        fired = self.c.emulator.stats()["faults_fired"]
        by_kind = fired["by_kind"]
        after = _answers_lost(by_kind)
        self.out.faults += fired["total"] - self._fired_seen[0]
        self.out.faults_after += after - self._fired_seen[1]
        self._fired_seen = (fired["total"], after)

    def act_faulted_sync(self, partner: str) -> None:
        specs = [self.random_fault() for _ in range(self.rng.choice([1, 1, 2]))]
        for spec in specs:
            self.c.emulator.inject_fault(**spec)
        outcome = self.sync(
            partner,
            client=self.c.fault_gc,
            retry=fast_policy(max_attempts=3, budget_seconds=1.5),
        )
        self.c.emulator.clear_faults()
        if outcome != "completed":
            self.out.failed_syncs += 1
        if any(s.get("delay") for s in specs):
            # a timed-out request still lands after its delay: wait until the emulator
            # has gone quiet, so no late write overtakes a partner's next edit
            time.sleep(SLOW_DELAY)
            _wait_quiet(self.c.emulator)
        self.count_fired()
        if outcome != "completed":
            self.delivered(partner)

    def act_killed_sync(self, partner: str) -> None:
        """A sync in another process, SIGKILLed between sheet write and store commit.

        The emulator holds the sync's ``spreadsheets.batchUpdate`` for a moment (a delay
        fault: the write is applied after it); once that request has arrived, every
        earlier store write of the sync (ids, pending bases) is committed, and the
        campaign takes a lock the sync's commit needs: on PostgreSQL the shadow
        table (the sync is killed once it waits on it), on SQLite the database's
        write lock (the sync is killed once the emulator has applied its write).
        """
        c = self.c
        runner = c.warm_runner()
        c.runner = None
        self.note_conflicts(partner)
        sqlite = c.url.startswith("sqlite")
        # webhooks and API calls keep arriving while the sync runs (on SQLite they
        # arrive just before: the lock that holds the sync would hold them too)
        calls = [f for f in (self.act_webhook, self.act_api_create) if self.rng.random() < 0.5]
        if sqlite:
            for f in calls:
                f(partner)
            calls = []
        c.emulator.clear_faults()
        c.emulator.inject_fault(endpoint="spreadsheets.batchUpdate", delay=HOLD_WRITE, times=1)
        stats = c.emulator.stats()
        fired_before = stats["faults_fired"]["total"]
        writes_before = stats["by_endpoint"].get("spreadsheets.batchUpdate", 0)
        runner.start(
            {
                "environ": dict(self.config.environ),
                "spreadsheets": {p: self.config.partners[p].spreadsheet_id for p in self.partners},
                "partner": partner,
                "database_url": c.url,
                "emulator_host": c.emulator.host_port,
                "lease_seconds": LEASE_SECONDS,
                "policies": self.policy,
            }
        )
        arriving = threading.Thread(
            target=lambda: [f(partner, http=self.c.app.test_client()) for f in calls]
        )
        arriving.start()
        lock = _SqliteWriteLock(c.url) if sqlite else _ShadowTableLock(c.url)
        killed = False
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                if runner.proc.poll() is not None:
                    break
                if not lock.held:
                    stats = c.emulator.stats()
                    if stats["faults_fired"]["total"] > fired_before:
                        noticed = time.monotonic()
                        lock.take()
                        if time.monotonic() - noticed > HOLD_WRITE * 0.8:
                            lock.release()  # too late to be sure: let the sync finish
                            runner.proc.wait(30)
                            break
                elif lock.sync_waits(c.emulator, writes_before, self.sheet_rows, partner):
                    runner.kill()
                    killed = True
                    self.out.kills_mid_write += 1
                    self.out.kills_mid_write_sqlite += int(sqlite)
                    break
                time.sleep(0.005)
            else:
                runner.kill()
                killed = True
                self.out.problems.append(f"seed {self.seed}: runner never reached the store write")
        finally:
            lock.release()
            arriving.join(30)
            c.emulator.clear_faults()
            # the hold that placed the kill is no fault of Google's: not counted
            fired = c.emulator.stats()["faults_fired"]["by_kind"]
            after = _answers_lost(fired)
            self._fired_seen = (sum(fired.values()), after)
        self.out.kills += int(killed)
        self.trace.append(f"killed:{partner}={'yes' if killed else runner.result}")
        # pre-start the next runner while this scenario goes on
        c.runner = WarmRunner()
        if killed:
            self.out.failed_syncs += 1
            self.delivered(partner)
        else:
            runner.proc.wait(10)
            deadline = time.monotonic() + 10
            while runner.result is None and time.monotonic() < deadline:
                time.sleep(0.01)  # the reader thread has the last line soon
            if runner.result and runner.result.get("outcome") == "completed":
                self.cycle_done(partner, ("lead",))

    def act_accidental_clear(self, partner: str) -> None:
        """The partner clears the whole list by mistake, a sync runs, an API client
        edits one of those records meanwhile, and the partner undoes the clear.
        Nothing may be archived or lost: the records were never meant to go.
        Only when the sync has nothing to append: the partner's undo would paste
        the old rows over rows the sync appended where the list had been."""
        if not self.settled[partner]:
            return
        rows = self.sheet_rows(partner)
        if not rows or "CRM ID" not in rows[0]:
            return
        id_col = rows[0].index("CRM ID")
        with_id = [r for r in rows[1:] if id_col < len(r) and r[id_col] and r[0] in self.recs]
        if len(with_id) < 5:
            return
        self.out.mass_clears += 1
        ws = self.ws(partner)
        ws.batch_clear([f"A2:Z{len(rows)}"])
        self.sync(partner)
        name = self.rng.choice([r[0] for r in with_id])
        rec, fname = self.recs[name], self.rng.choice(EDIT_FIELDS)
        with self.c.store.session() as s:
            lead = s.get(Lead, with_id[[r[0] for r in with_id].index(name)][id_col])
            current = str(lead.data.get(fname) or "") if lead is not None else ""
        value = new_value(self.rng, partner, fname, "api", {current, rec.values.get(fname, "")})
        if value and lead is not None:
            resp = self.c.http.patch(
                f"/api/v1/leads/{lead.id}",
                json={fname: value},
                headers={"Authorization": f"Bearer {self.token}"},
            )
            if resp.status_code != 200:
                self.out.problems.append(
                    f"seed {self.seed}: API edit of {name!r}, whose row was cleared by "
                    f"mistake: {resp.status_code}"
                )
            else:
                self.store_edits[partner][(name, fname)] = value
        ws.update(rows[1:], "A2", value_input_option="RAW")  # undo

    def act_header_deleted(self, partner: str) -> None:
        """Staff delete the Leads tab's header row by mistake; a sync runs with
        deletions accepted (staff believe rows went on purpose); staff undo.
        Every record is still in the sheet: the check wants none archived."""
        rows = self.sheet_rows(partner)
        if len(rows) < 3 or "CRM ID" not in rows[0]:
            return
        self.out.header_deletions += 1
        ws = self.ws(partner)
        ws.delete_rows(1)
        self.sync(partner, accept_deletions=True)
        ws.insert_row(rows[0], index=1, value_input_option="RAW")  # undo

    def act_overlapping_syncs(self, partner: str) -> None:
        """Two syncs of one spreadsheet. The first reads the tab, but the answer
        arrives late, after its lease ran out; meanwhile the partner inserts a row
        at the top and a second sync takes the lease and completes (appending a
        webhook's lead, writing an API edit). The first must then write nothing:
        its copy of the sheet is stale, its row numbers point at other rows."""
        c = self.c
        self.act_webhook(partner)  # a lead to append: a stale sync would not see its row
        self.act_api_edit(partner, "lead")  # a cell for the stale sync to write
        self.count_fired()
        c.emulator.clear_faults()
        fired_before = self._fired_seen[0]
        c.emulator.inject_fault(endpoint="values.batchGet", delay=OVERLAP_DELAY, after=True)
        self.note_conflicts(partner)
        first, reports = self.leads_sync_started(partner)
        self.wait_fault_fired(first, fired_before)
        self.out.overlaps += 1
        self.act_sheet_insert(partner, index=2)  # every row moves down
        self.sync(partner)  # waits for the first one's lease to run out
        first.join(60)
        self.leads_sync_done(partner, reports, "overlapped")

    def act_outlived_lease(self, partner: str) -> None:
        """A sync outlives its lease while the store holds a lead the sheet does
        not show yet, and writes only if the lease check lets it. The first sync's
        read answers late, past its lease; meanwhile a second sync takes the lease,
        reads, plans the same append, and its write is held. The first then plans
        the append from a store the second has not committed to yet: it must
        stop at its lease. Its plan addresses no row the second changes (it only
        appends), so re-reading the tab cannot refuse it; only the lease can. Had
        it written, the second's write, let go once the first is done, would put
        the lead into the sheet a second time. A sync first settles the tab, so
        neither plan has anything else to write."""
        if self.sync(partner) != "completed":
            return
        c = self.c
        if self.rng.random() < 0.5:
            self.act_webhook(partner)  # the lead to append
        else:
            self.act_api_create(partner)
        self.count_fired()
        c.emulator.clear_faults()
        fired_before = self._fired_seen[0]
        c.emulator.inject_fault(endpoint="values.batchGet", delay=OVERLAP_DELAY, after=True)
        c.emulator.inject_fault(endpoint="spreadsheets.batchUpdate", hold=True)
        self.note_conflicts(partner)
        first, reports = self.leads_sync_started(partner)
        self.wait_fault_fired(first, fired_before)
        self.out.overlaps += 1
        self.out.outlived += 1
        second = threading.Thread(target=self.sync, args=(partner,))
        second.start()  # waits for the first one's lease to run out
        try:
            first.join(60)
        finally:
            deadline = time.monotonic() + 30
            while second.is_alive() and not c.emulator.held():
                if time.monotonic() > deadline:
                    break
                time.sleep(0.01)
            c.emulator.release()
            second.join(60)
            c.emulator.clear_faults()
        self.leads_sync_done(partner, reports, "outlived")

    def wait_fault_fired(self, sync: threading.Thread, fired_before: int) -> None:
        """Wait (30 s at most) until the emulator has fired a fault since
        ``fired_before`` faults, or ``sync`` is over: the late read is under way."""
        deadline = time.monotonic() + 30
        while self.c.emulator.stats()["faults_fired"]["total"] <= fired_before:
            if time.monotonic() > deadline or not sync.is_alive():
                break
            time.sleep(0.01)

    def leads_sync_started(self, partner: str) -> tuple[threading.Thread, list[Any]]:
        """A sync of the partner's Leads tab running in a thread; its report is
        in the list once the thread is done."""
        reports: list[Any] = []

        def sync() -> None:
            reports.append(
                run_sync(
                    self.config,
                    self.c.store,
                    partner,
                    tab="leads",
                    client=self.c.gc,
                    retry=fast_policy(),
                    wait_for_lease=LEASE_SECONDS + 3,
                )
            )

        thread = threading.Thread(target=sync)
        thread.start()
        return thread, reports

    def leads_sync_done(self, partner: str, reports: list[Any], what: str) -> None:
        """Settle the model after a :meth:`leads_sync_started` sync ended."""
        self.count_fired()
        outcome = reports[0].tabs[0].outcome if reports else "crashed"
        self.trace.append(f"{what}:{partner}={outcome}")
        if outcome == "completed":
            self.cycle_done(partner, ("lead",))
        else:
            self.delivered(partner)

    def act_edit_in_window(self, partner: str) -> None:
        """Staff change the Leads tab's structure while a sync is between its read
        and its write (the emulator holds the read's answer): a row inserted or
        deleted above, the tab sorted, a row copied above or below its original
        and typed over as another firm (its CRM ID copied along), a CRM ID cleared,
        a row deleted and the deletion undone. The model says only what staff did;
        the check then wants every firm on its own record, nothing archived that
        is still in the sheet, and no record with another firm's data."""
        edit = self.rng.choice(WINDOW_EDITS)
        rows = self.sheet_rows(partner)
        if len(rows) < 3 or "CRM ID" not in rows[0]:
            return
        id_col = rows[0].index("CRM ID")
        with_id = [
            i + 1
            for i, r in enumerate(rows)
            if i > 0 and r and r[0] in self.recs and id_col < len(r) and r[id_col]
        ]
        if not with_id:
            return
        self.out.window_edits += 1
        self.trace.append(f"window:{partner}:{edit}")
        self.count_fired()
        self.c.emulator.clear_faults()
        self.c.emulator.inject_fault(endpoint="values.batchGet", after=True, hold=True)
        self.note_conflicts(partner)
        thread, reports = self.leads_sync_started(partner)
        try:
            self.c.emulator.wait_held()
            self.window_edit(partner, edit, rows, with_id, id_col)
        finally:
            self.c.emulator.release()
            thread.join(60)
        self.leads_sync_done(partner, reports, "window-sync")

    def window_edit(
        self, partner: str, edit: str, rows: list[list[Any]], with_id: list[int], id_col: int
    ) -> None:
        """One of :data:`WINDOW_EDITS` on the partner's Leads tab, and what the
        model learns from it."""
        ws = self.ws(partner)
        if edit == "insert_above":
            self.act_sheet_insert(partner, index=2)
        elif edit == "delete_above":
            self.act_sheet_delete(partner)
        elif edit == "sort":
            self.act_sheet_sort(partner)
        elif edit in ("copy_above", "copy_below"):
            row = self.rng.choice(with_id)
            original = rows[row - 1]
            rec = self._new_sheet_rec(partner)
            copy = self._row(rec)
            # the service columns come along with the copy: the original's CRM ID
            copy += [""] * (len(original) - len(copy))
            copy[len(FIELDS) :] = original[len(FIELDS) :]
            at = row if edit == "copy_above" else row + 1
            ws.insert_row(copy, index=at, value_input_option="RAW")
        elif edit == "clear_id":
            row = self.rng.choice(with_id)
            ws.update([[""]], f"{chr(65 + id_col)}{row}", value_input_option="RAW")
        elif edit == "undo_delete":
            row = self.rng.choice(with_id)
            ws.delete_rows(row)
            ws.insert_row(rows[row - 1], index=row, value_input_option="RAW")

    # ------------------------------------------------------------------ run
    def run(self) -> Outcome:
        self.setup()
        actions = [
            (self.act_sheet_edit, 3),
            (self.act_sheet_insert, 2),
            (self.act_sheet_sort, 1),
            (self.act_sheet_delete, 1),
            (self.act_webhook, 2),
            (self.act_api_create, 1),
            (self.act_api_edit, 3),
            (self.act_conflict, 2),
            (self.act_faulted_sync, 3),
            (self.act_accidental_clear, 2),
            (self.act_api_agreement, 1),
            (self.act_interrupted_store_edits, 1),
            (self.act_webhook_namesake, 1),
            (self.act_edit_in_window, 3),
            (self.act_header_deleted, 1),
        ]
        fns = [a for a, _ in actions]
        weights = [w for _, w in actions]
        kill_at = self.rng.randrange(self.steps) if self.rng.random() < self.kill_share else -1
        overlap_at = self.rng.randrange(self.steps) if self.rng.random() < OVERLAP_SHARE else -1
        own = random.Random(f"outlived-{self.seed}")
        outlived_at = own.randrange(max(self.steps, 1)) if own.random() < OUTLIVED_SHARE else -1
        for step in range(self.steps):
            if step == overlap_at:
                self.act_overlapping_syncs(self.rng.choice(self.partners))
            if step == outlived_at:
                self.trace.append("outlived_lease")
                self.act_outlived_lease(self.rng.choice(self.partners))
            for _ in range(self.rng.randint(1, 3)):
                partner = self.rng.choice(self.partners)
                fn = self.rng.choices(fns, weights)[0]
                self.trace.append(f"{fn.__name__[4:]}:{partner}")
                fn(partner)
            partner = self.rng.choice(self.partners)
            if step == kill_at:
                self.act_killed_sync(partner)
            else:
                self.act_faulted_sync(partner)
        self.c.emulator.clear_faults()
        for p in self.partners:
            self.sync(p, final=True)
        self.check()
        if self.out.problems:
            self.out.problems.append(f"seed {self.seed} trace: {' '.join(self.trace)}")
        return self.out

    # ----------------------------------------------------------------- check
    def check(self) -> None:
        """Compare both sides with the model (and only with the model)."""
        out = self.out
        with self.c.store.session() as s:
            stored: dict[str, list[Any]] = {
                "lead": list(s.scalars(select(Lead))),
                "agreement": list(s.scalars(select(Agreement))),
            }
            logged = list(s.scalars(select(Conflict)))
        name_of: dict[str, str] = {}
        by_name: dict[str, dict[str, list[Any]]] = {kind: {} for kind in TABS}
        for kind, records in stored.items():
            for r in records:
                name = str(r.data.get(TABS[kind].key, ""))
                name = self.aliases.get(name, name) if kind == "lead" else name
                name_of[r.id] = name
                by_name[kind].setdefault(name, []).append(r)
        seen = {
            (
                name_of.get(c.record_id, c.record_id),
                c.field,
                _text(c.sheet_value),
                _text(c.store_value),
            )
            for c in logged
        }
        for name, fname, sheet_value, store_value in sorted(self.expected_conflicts):
            out.conflicts_checked += 1
            if (name, fname, sheet_value, store_value) not in seen:
                out.conflicts_missing += 1
                out.problems.append(
                    f"seed {self.seed}: conflict on {name!r}.{fname} (sheet {sheet_value!r}, "
                    f"store {store_value!r}) not logged"
                )
        for key in sorted(seen - self.expected_conflicts - self.possible_conflicts, key=str):
            out.conflicts_spurious += 1
            out.problems.append(
                f"seed {self.seed}: conflict logged on {key[0]!r}.{key[1]} (sheet {key[2]!r}, "
                f"store {key[3]!r}) though only one side changed it"
            )
        for p in self.partners:
            for kind in TABS:
                self.check_tab(p, kind, by_name[kind])
        # converged: one more sync changes nothing and writes no cells
        for p in self.partners:
            report = run_sync(self.config, self.c.store, p, client=self.c.gc, retry=fast_policy())
            for tab in report.tabs:
                if tab.outcome != "completed" or tab.cells_written:
                    out.not_converged += 1
                    out.problems.append(
                        f"seed {self.seed}: second clean sync of {p} {tab.tab}: {tab.outcome}, "
                        f"{tab.cells_written} cells"
                    )

    def check_tab(self, p: str, kind: str, store_by_name: dict[str, list[Any]]) -> None:
        out, spec = self.out, TABS[kind]
        rows = self.sheet_rows(p, kind)
        id_col = rows[0].index("CRM ID")
        key_col = spec.col[spec.key]
        sheet_by_name: dict[str, list[list[Any]]] = {}
        for row in rows[1:]:
            if row and any(x not in ("", None) for x in row):
                name = str(row[key_col]) if key_col < len(row) else ""
                name = self.aliases.get(name, name) if kind == "lead" else name
                sheet_by_name.setdefault(name, []).append(row)
        for name in sheet_by_name:
            if name not in self.recs:
                out.problems.append(f"seed {self.seed}: unknown row {name!r} in {p} {kind}s")
        for rec in (r for r in self.recs.values() if r.partner == p and r.kind == kind):
            out.records_checked += 1
            in_store = store_by_name.get(rec.name, [])
            live = [x for x in in_store if x.archived_at is None]
            in_sheet = sheet_by_name.get(rec.name, [])
            if len(in_store) > 1 or len(in_sheet) > 1:
                out.duplicated += 1
                out.problems.append(
                    f"seed {self.seed}: {rec.name!r} duplicated (store {len(in_store)}, "
                    f"sheet {len(in_sheet)})"
                )
                continue
            if rec.deleted:
                if live or in_sheet:
                    out.resurrected += 1
                    out.problems.append(
                        f"seed {self.seed}: deleted {rec.name!r} came back "
                        f"(store {len(live)}, sheet {len(in_sheet)})"
                    )
                continue
            if not live or not in_sheet:
                out.lost += 1
                out.problems.append(
                    f"seed {self.seed}: {rec.name!r} lost (store {len(live)}, "
                    f"sheet {len(in_sheet)})"
                )
                continue
            record, row = live[0], in_sheet[0]
            carrying = sum(1 for r in rows[1:] if id_col < len(r) and r[id_col] == record.id)
            if carrying > 1:  # another firm's row with this record's id
                out.duplicated += 1
                out.problems.append(
                    f"seed {self.seed}: {rec.name!r}'s id {record.id} is in {carrying} rows"
                )
            if id_col >= len(row) or row[id_col] != record.id:
                out.not_converged += 1
                out.problems.append(f"seed {self.seed}: {rec.name!r} sheet id != {record.id}")
            for fname, value in rec.values.items():
                out.edits_checked += 1
                col = spec.col[fname]
                cell = read_cell(p, fname, row[col] if col < len(row) else "", kind)
                got = _text(record.data.get(fname))
                allowed = rec.either.get(fname, {value})
                if got != cell or got not in allowed:
                    out.edits_missing += 1
                    out.problems.append(
                        f"seed {self.seed}: {rec.name!r}.{fname} expected "
                        f"{' or '.join(map(repr, sorted(allowed)))}, store {got!r}, sheet {cell!r}"
                    )


def _answers_lost(by_kind: dict[str, int]) -> int:
    """Fired faults that applied a write and lost its answer (not the late reads)."""
    return sum(n for k, n in by_kind.items() if k.startswith("after:") and k != "after:delay")


class _ShadowTableLock:
    """PostgreSQL: ``LOCK TABLE sync_shadow IN SHARE MODE`` (reads pass, writes
    wait); the sync is caught once its backend waits on that lock."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)
        self.conn = self.engine.connect()
        # a second connection: pg_stat_activity is a snapshot per transaction
        self.probe = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self.trans: Any = None

    @property
    def held(self) -> bool:
        return self.trans is not None

    def take(self) -> None:
        self.trans = self.conn.begin()
        self.conn.execute(text("LOCK TABLE sync_shadow IN SHARE MODE"))

    def sync_waits(self, *_: Any) -> bool:
        return bool(
            self.probe.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname ="
                    " current_database() AND wait_event_type = 'Lock'"
                    " AND query LIKE '%sync_shadow%'"
                )
            ).scalar()
        )

    def release(self) -> None:
        if self.trans is not None:
            self.trans.rollback()
            self.trans = None
        self.conn.close()
        self.probe.close()
        self.engine.dispose()


class _SqliteWriteLock:
    """SQLite: ``BEGIN IMMEDIATE`` holds the database's write lock, so the sync's
    commit after its sheet write waits (busy timeout). SQLite cannot show who
    waits; the sync is caught once the emulator has applied its held write (the
    write counted, then a read served after it: one lock serialises requests)."""

    def __init__(self, url: str) -> None:
        self.path = url.removeprefix("sqlite:///")
        self.conn: sqlite3.Connection | None = None

    @property
    def held(self) -> bool:
        return self.conn is not None

    def take(self) -> None:
        self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.conn.execute("BEGIN IMMEDIATE")

    def sync_waits(
        self, emulator: EmulatorHandle, writes_before: int, read: Any, partner: str
    ) -> bool:
        if emulator.stats()["by_endpoint"].get("spreadsheets.batchUpdate", 0) <= writes_before:
            return False
        read(partner)
        return True

    def release(self) -> None:
        if self.conn is not None:
            self.conn.rollback()
            self.conn.close()
            self.conn = None


def _wait_quiet(emulator: EmulatorHandle, quiet: float = 0.15, limit: float = 5.0) -> None:
    """Return once the emulator has answered no request for ``quiet`` seconds."""
    end = time.monotonic() + limit
    last = emulator.stats()["total"]
    while time.monotonic() < end:
        time.sleep(quiet)
        now = emulator.stats()["total"]
        if now == last:
            return
        last = now


def run_campaign(
    emulator: EmulatorHandle,
    database_url: str,
    seeds: range | list[int],
    *,
    steps: int = 4,
    kill_share: float = 0.5,
    progress: Any = None,
    sqlite_url: str | None = None,
) -> Outcome:
    """Run one scenario per seed; the summed outcome. With ``sqlite_url``, every
    fourth seed (seed % 4 == 3) runs on that SQLite store instead."""
    total = Outcome()
    campaign = Campaign(emulator, database_url)
    on_sqlite = Campaign(emulator, sqlite_url) if sqlite_url else None
    try:
        for i, seed in enumerate(seeds):
            which = on_sqlite if on_sqlite is not None and seed % 4 == 3 else campaign
            try:
                result = which.run(seed, steps=steps, kill_share=kill_share)
            except Exception as exc:  # a crash is a finding, not the end of the run
                result = Outcome(scenarios=1, not_converged=1)
                result.problems.append(f"seed {seed}: crashed: {type(exc).__name__}: {exc}")
            total.add(result)
            if progress:
                progress(i + 1, total)
    finally:
        campaign.close()
        if on_sqlite is not None:
            on_sqlite.close()
    return total


def run_campaign_on_fresh_stores(
    seeds: range | list[int],
    *,
    steps: int,
    kill_share: float,
    progress: Any = None,
    admin_url: str = PG_ADMIN_URL,
) -> Outcome:
    """:func:`run_campaign` on an emulator, a PostgreSQL database and a SQLite
    store of its own, all thrown away afterwards: how the long campaign and the
    mutation check run it, each process on its own."""
    with (
        run_emulator(quiet=True) as emu,
        temporary_pg_database(admin_url) as url,
        temporary_sqlite_database() as sqlite_url,
    ):
        return run_campaign(
            emu,
            url,
            seeds,
            steps=steps,
            kill_share=kill_share,
            progress=progress,
            sqlite_url=sqlite_url,
        )


__all__ = [
    "AppConfig",
    "Campaign",
    "Outcome",
    "run_campaign",
    "run_campaign_on_fresh_stores",
    "temporary_pg_database",
    "temporary_sqlite_database",
]
