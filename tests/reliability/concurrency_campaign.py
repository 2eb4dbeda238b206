"""The concurrency campaign: seeded rounds of concurrent actors acting on one
partner's leads through real HTTP against the real app on PostgreSQL, and an
oracle that judges each round from its own model.

Each round starts from an empty store and a new spreadsheet for LV (the real
gspread client against the project's emulator), creates a few LV leads through
the API (and one EE lead whose firm LV must never take), syncs them into the
sheet, then releases its actors together. Each actor runs a schedule drawn from
the round's seed: ``PATCH`` with and without ``If-Match``, an admin's move of a
lead to another partner, an erasure, signed form submissions (valid, invalid,
for another partner's firm), merges and replays of quarantine entries, and the
staff's sheet edits and syncs. The oracle records what each actor sent and was
told (2xx accepted, with the values it sent; 4xx refused) and when (the time it
sent the request and the time it had the answer), and after the round and a
final sync checks, never asking the system's bookkeeping (audit log, versions):

- **no accepted change lost**: the final value of each field is the value of an
  accepted write that no other accepted write of it followed in real time
  (sent after its answer came); two conditional writes accepted on one ETag are
  a lost update too;
- **no move reverted**: a lead's partner is that of such a last accepted move;
- **no erased identifier** (e-mail case-insensitively, phone in any format the
  actors sent it in, registration code) of an erased lead anywhere in the store
  (every table, quarantine included) or in LV's sheet, except the cells staff
  typed it into themselves; an erased lead keeps no personal field;
- **no lead carrying another partner's firm keys** (e-mail, registration code);
- no answer 5xx or a traceback; the final sync completes.

There is no "known gap" bucket: every breach is a violation. Importable by the
bench (``bench/concurrency_campaign.py``) and the mutation check
(``bench/concurrency_mutations.py``); the CI-sized run is
``test_concurrency_campaign.py``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from emulator_fixtures import EmulatorHandle, create_spreadsheet, run_emulator
from fast_retry import fast_policy
from gspread.utils import rowcol_to_a1
from live_server import serving
from pg_databases import PG_ADMIN_URL, temporary_pg_database
from signed_forms import post_signed_form
from sqlalchemy import select, text

from integration import create_app
from integration.auth import create_token
from integration.config import AppConfig, load_config
from integration.identity import leaves
from integration.store.db import Store
from integration.store.models import Base, Lead
from integration.store.records import PERSONAL_FIELDS
from integration.store.setup import sync_partner_rows
from integration.sync.engine import run_sync

EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"
ENVIRON = {
    "LV_WEBHOOK_SECRET": "whsec_" + "bHYtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
    "EE_WEBHOOK_SECRET": "whsec_" + "ZWUtc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
    "FI_WEBHOOK_SECRET": "whsec_" + "Zmktc2VjcmV0LWZvci10ZXN0cy0wMTIzNDU2Nzg5",
    "CRM_SECRET_KEY": "concurrency-campaign-secret-key",
}
#: tables a round keeps: the tokens its actors hold and the configured partners
KEPT_TABLES = frozenset({"api_tokens", "partners"})
#: LV's Leads tab as staff keep it (matched by alias, not position)
HEADERS = {
    "company_name": "Uzņēmums",
    "country": "Valsts",
    "registration_code": "Reģistrācijas numurs",
    "sector": "Nozare",
    "contact_name": "Kontaktpersona",
    "email": "E-pasts",
    "phone": "Tālrunis",
    "website": "Mājaslapa",
    "stage": "Posms",
    "role": "Loma",
    "notes": "Piezīmes",
}
#: fields the API actors patch; ``role`` is the staff's (sheet) field
API_FIELDS = ("notes", "website", "stage", "contact_name", "phone")
STAGES = ("new", "contacted", "qualified", "meeting", "negotiation", "won", "lost")
ROLES = ("seller", "buyer", "both")
#: valid LV registration codes (python-stdnum's check digit)
LV_CODES = ("40003000002", "40003000017", "40003000021", "40003000036", "40003000040")
EE_CODE = "10000001"
LEASE_WAIT = 30.0
HTTP_TIMEOUT = 60


# ------------------------------------------------------------------ outcome


@dataclass
class Tally:
    """What a campaign did and found, summed over its rounds."""

    rounds: int = 0
    actions: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)
    checks: Counter = field(default_factory=Counter)
    violations: list[str] = field(default_factory=list)
    violating_rounds: int = 0
    first_violation_round: int | None = None
    seconds: float = 0.0
    #: each violating round's actions in the order they were answered
    traces: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        if other.first_violation_round is not None and self.first_violation_round is None:
            self.first_violation_round = self.rounds + other.first_violation_round
        self.rounds += other.rounds
        self.actions.update(other.actions)
        self.refusals.update(other.refusals)
        self.checks.update(other.checks)
        self.violations += other.violations
        self.traces += other.traces
        self.violating_rounds += other.violating_rounds
        self.seconds += other.seconds

    def as_json(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self),
            "actions": dict(self.actions),
            "refusals": dict(self.refusals),
            "checks": dict(self.checks),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tally:
        out = cls(
            **{k: v for k, v in data.items() if k in {f.name for f in dataclasses.fields(cls)}}
        )
        out.actions, out.refusals, out.checks = (
            Counter(data["actions"]),
            Counter(data["refusals"]),
            Counter(data["checks"]),
        )
        return out


# ------------------------------------------------------------------- model


@dataclass
class Write:
    """One accepted write of one field: the value, and when it was sent and answered."""

    value: Any
    sent: float
    answered: float
    what: str


@dataclass
class LeadModel:
    """What the oracle knows of one lead: only what actors sent and were told."""

    index: int
    id: str
    created: dict[str, Any]
    writes: dict[str, list[Write]] = field(default_factory=dict)
    moves: list[Write] = field(default_factory=list)
    #: (etag sent with If-Match, fields) of each accepted conditional write that
    #: changed the record (answered with another ETag)
    conditional: list[tuple[str, str]] = field(default_factory=list)
    erased: Write | None = None
    #: every phone value accepted onto the lead, in each form an actor sent it
    phones: set[str] = field(default_factory=set)

    def accept(self, name: str, value: Any, sent: float, answered: float, what: str) -> None:
        self.writes.setdefault(name, []).append(Write(value, sent, answered, what))
        if name == "phone" and value:
            self.phones.add(str(value))


def last_writes(writes: list[Write]) -> list[Write]:
    """The writes no other write followed in real time (none sent after its answer)."""
    return [w for w in writes if not any(o.sent > w.answered for o in writes if o is not w)]


def lv_phone(n: int) -> str:
    # +3712X and six digits: Latvian mobile ranges, all valid but 23 (not allocated)
    lead = "012456789"[(n // 10**6) % 9]
    return f"+3712{lead}{n % 10**6:06d}"


def spaced(phone: str) -> str:
    """``+37121234567`` as a person types it: ``+371 2123 4567``."""
    return f"{phone[:4]} {phone[4:8]} {phone[8:]}"


_NUMBER = re.compile(r"\+?\d[\d \-()]{5,}\d")


def digits_in(value: str) -> set[str]:
    """The digits of each number-like run of ``value`` (a phone in any spacing)."""
    return {re.sub(r"\D", "", m) for m in _NUMBER.findall(value)}


@dataclass(frozen=True)
class Identifier:
    """An erased identifier, as the oracle looks for it."""

    kind: str  # email | phone | registration_code
    value: str  # casefolded e-mail, phone digits, compact code

    def in_text(self, value: str) -> bool:
        if self.kind == "email":
            return self.value in value.casefold()
        return self.value in digits_in(value)


# ------------------------------------------------------------------ campaign


class Campaign:
    """The long-lived parts (store, emulator, app on a port, tokens); one round at a time."""

    def __init__(self, emulator: EmulatorHandle, database_url: str) -> None:
        self.emulator = emulator
        self.url = database_url
        config = load_config(EXAMPLE, environ=dict(ENVIRON))
        self.config: AppConfig = dataclasses.replace(
            config, database_url=database_url, emulator_host=emulator.host_port
        )
        self.store = Store(database_url)
        sync_partner_rows(self.store, self.config)
        self.app = create_app(self.config, store=self.store)
        self._serving = serving(self.app)
        self.base = self._serving.__enter__()
        with self.store.session() as s:
            self.tokens = {
                who: create_token(s, f"campaign-{who}", None if who == "admin" else who)[1]
                for who in ("lv", "ee", "admin")
            }
        self.gc = emulator.client(timeout=30)
        self.tables = [t.name for t in Base.metadata.sorted_tables if t.name not in KEPT_TABLES]

    def close(self) -> None:
        self._serving.__exit__(None, None, None)
        self.store.dispose()

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def reset(self) -> None:
        names = ", ".join(f'"{t}"' for t in self.tables)
        with self.store.session() as s:
            s.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        self.emulator.reset()

    def run(self, seed: int) -> Tally:
        return Round(self, seed).run()


class Round:
    """One seeded round: set-up, concurrent actors, final sync, oracle."""

    def __init__(self, campaign: Campaign, seed: int) -> None:
        self.c = campaign
        self.seed = seed
        self.rng = random.Random(seed)
        self.out = Tally(rounds=1)
        self.leads: list[LeadModel] = []
        self.ee_lead: dict[str, Any] = {}
        self.lock = threading.Lock()
        #: (lead id, field) cells staff typed an erased or foreign value into
        self.typed_cells: set[tuple[str, str]] = set()
        self.config = campaign.config
        self.counter = 0
        self.trace: list[str] = []

    # ----------------------------------------------------------- helpers
    def problem(self, text_: str) -> None:
        with self.lock:
            self.out.violations.append(f"seed {self.seed}: {text_}")

    def count(self, action: str, refusal: str | None = None) -> None:
        with self.lock:
            self.trace.append(f"{action}={refusal or 'ok'}")
            self.out.actions[action] += 1
            if refusal:
                self.out.refusals[f"{action}: {refusal}"] += 1

    def unique(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def answered(self, action: str, resp: requests.Response) -> None:
        """Every answer: never a 5xx, never a traceback."""
        if resp.status_code >= 500 or "Traceback" in resp.text:
            self.problem(f"{action} answered {resp.status_code}: {resp.text[:200]}")

    def http(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        return session

    def sync(self, gc: Any = None) -> str:
        report = run_sync(
            self.config,
            self.c.store,
            "lv",
            tab="leads",
            client=gc or self.c.emulator.client(timeout=30),
            retry=fast_policy(),
            wait_for_lease=LEASE_WAIT,
        )
        return report.tabs[0].outcome if report.tabs else "none"

    def worksheet(self) -> Any:
        sid = self.config.partners["lv"].spreadsheet_id
        return self.c.gc.open_by_key(sid).worksheet("Leads")

    # ------------------------------------------------------------ set-up
    def setup(self) -> None:
        c = self.c
        c.reset()
        sid = create_spreadsheet(c.gc, f"LV CRM {self.seed}", {"Leads": [list(HEADERS.values())]})
        partners = dict(c.config.partners)
        partners["lv"] = dataclasses.replace(partners["lv"], spreadsheet_id=sid)
        self.config = dataclasses.replace(c.config, partners=partners)
        http = self.http()
        ee = {
            "company_name": f"Meri {self.seed} OÜ",
            "country": "EE",
            "registration_code": EE_CODE,
            "sector": "ict",
            "email": f"info{self.seed}@meri.example.ee",
        }
        resp = http.post(f"{c.base}/api/v1/leads", json=ee, headers=c.auth("ee"), timeout=30)
        assert resp.status_code == 201, resp.text
        self.ee_lead = {**ee, "id": resp.json()["id"]}
        for i in range(self.rng.randint(3, 4)):
            body = {
                "company_name": f"Firma {self.seed}-{i} SIA",
                "country": "LV",
                "sector": "ict",
                "contact_name": f"Persona {i}",
                "email": f"k{i}.r{self.seed}@firma{i}.example.lv",
                "phone": lv_phone(self.seed * 10 + i),
                "website": f"https://firma{i}.example.lv",
                "stage": "new",
                "role": "seller",
                "notes": f"sākums {i}",
            }
            if i < 2:
                body["registration_code"] = LV_CODES[(self.seed + i) % len(LV_CODES)]
                if i == 1 and body["registration_code"] == LV_CODES[self.seed % len(LV_CODES)]:
                    body["registration_code"] = LV_CODES[(self.seed + 2) % len(LV_CODES)]
            resp = http.post(f"{c.base}/api/v1/leads", json=body, headers=c.auth("lv"), timeout=30)
            assert resp.status_code == 201, resp.text
            lead = LeadModel(i, resp.json()["id"], body)
            for name, value in body.items():
                lead.accept(name, value, 0.0, 0.0, "create")
            self.leads.append(lead)
        http.close()
        outcome = self.sync(c.gc)
        if outcome != "completed":
            self.problem(f"the set-up sync {outcome}")

    # ------------------------------------------------------------ schedule
    def schedule(self) -> list[list[tuple[str, int]]]:
        """Each actor's actions as (kind, lead index), drawn from the seed."""
        rng = self.rng
        kinds = [
            ("patch_if_match", 6),
            ("patch_blind", 6),
            ("form_valid", 2),
            ("form_invalid", 2),
            ("form_foreign", 1),
            ("form_new", 1),
            ("merge", 2),
            ("replay", 2),
            ("patch_erased_email", 1),
        ]
        names = [k for k, _ in kinds]
        weights = [w for _, w in kinds]
        hot = len(self.leads)

        def target() -> int:
            return 0 if rng.random() < 0.4 else rng.randrange(hot)

        actors = [
            [(k, target()) for k in rng.choices(names, weights, k=rng.randint(2, 3))]
            for _ in range(rng.randint(2, 3))
        ]
        if rng.random() < 0.5:  # an erasure races the others
            actors[rng.randrange(len(actors))].insert(rng.randint(0, 1), ("erase", target()))
        if rng.random() < 0.4:  # an admin moves a lead away
            actors.append([("admin_move", target())])
        staff = [
            (rng.choice(("staff_edit", "staff_edit", "staff_erased", "staff_foreign")), target())
        ]
        staff.append(("sync", 0))
        if rng.random() < 0.5:
            staff.append(("staff_edit", target()))
        actors.append(staff)
        return actors

    # ------------------------------------------------------------- actions
    def act(self, kind: str, index: int, http: requests.Session) -> None:
        with self.lock:
            self.trace.append(f"[{kind} {self.leads[index].id}]")
        getattr(self, f"act_{kind}")(self.leads[index], http)

    def _patch(
        self, lead: LeadModel, http: requests.Session, body: dict[str, Any], *, conditional: bool
    ) -> requests.Response | None:
        c = self.c
        url = f"{c.base}/api/v1/leads/{lead.id}"
        headers = c.auth("lv")
        etag = None
        action = "patch_if_match" if conditional else "patch_blind"
        if conditional:
            got = http.get(url, headers=headers, timeout=HTTP_TIMEOUT)
            self.answered("get", got)
            if got.status_code != 200:
                self.count(action, f"{got.status_code} before the patch (moved away)")
                return None
            etag = got.headers["ETag"]
            headers = {**headers, "If-Match": etag}
        sent = time.monotonic()
        resp = http.patch(url, json=body, headers=headers, timeout=HTTP_TIMEOUT)
        done = time.monotonic()
        self.answered(action, resp)
        if resp.status_code == 200:
            self.count(action)
            with self.lock:
                for name, value in body.items():
                    lead.accept(name, value, sent, done, action)
                # a write that changed nothing keeps the ETag (and the version)
                if etag is not None and resp.headers.get("ETag") != etag:
                    lead.conditional.append((etag, ",".join(sorted(body))))
        else:
            self.count(action, str(resp.status_code))
        return resp

    def _value(self, name: str) -> Any:
        n = self.unique()
        if name == "stage":
            return self.rng.choice(STAGES)
        if name == "website":
            return f"https://w{self.seed}-{n}.example.lv"
        if name == "phone":
            return lv_phone(self.seed * 1000 + 500 + n)
        if name == "contact_name":
            return f"Persona {self.seed}-{n}"
        return f"piezīme {self.seed}-{n}"

    def act_patch_if_match(self, lead: LeadModel, http: requests.Session) -> None:
        name = self.rng.choice(API_FIELDS)
        self._patch(lead, http, {name: self._value(name)}, conditional=True)

    def act_patch_blind(self, lead: LeadModel, http: requests.Session) -> None:
        names = self.rng.sample(API_FIELDS, self.rng.randint(1, 2))
        self._patch(lead, http, {n: self._value(n) for n in names}, conditional=False)

    def act_patch_erased_email(self, lead: LeadModel, http: requests.Session) -> None:
        """The e-mail of a person erased meanwhile, in another case, into another lead."""
        with self.lock:
            gone = [x for x in self.leads if x.erased is not None and x is not lead]
        if not gone:
            return self.act_patch_if_match(lead, http)
        email = gone[0].created["email"].upper()
        resp = http.patch(
            f"{self.c.base}/api/v1/leads/{lead.id}",
            json={"email": email},
            headers=self.c.auth("lv"),
            timeout=HTTP_TIMEOUT,
        )
        self.answered("patch_erased_email", resp)
        self.count("patch_erased_email", None if resp.ok else str(resp.status_code))
        # accepted or not, the scan of the store says whether the e-mail came back

    def act_admin_move(self, lead: LeadModel, http: requests.Session) -> None:
        to = self.rng.choice(("ee", "fi"))
        sent = time.monotonic()
        resp = http.patch(
            f"{self.c.base}/api/v1/leads/{lead.id}",
            json={"partner": to},
            headers=self.c.auth("admin"),
            timeout=HTTP_TIMEOUT,
        )
        done = time.monotonic()
        self.answered("admin_move", resp)
        if resp.status_code == 200:
            self.count("admin_move")
            with self.lock:
                lead.moves.append(Write(to, sent, done, "admin_move"))
        else:
            self.count("admin_move", str(resp.status_code))

    def act_erase(self, lead: LeadModel, http: requests.Session) -> None:
        sent = time.monotonic()
        resp = http.delete(
            f"{self.c.base}/api/v1/leads/{lead.id}", headers=self.c.auth("lv"), timeout=HTTP_TIMEOUT
        )
        done = time.monotonic()
        self.answered("erase", resp)
        if resp.status_code == 200:
            self.count("erase")
            with self.lock:
                lead.erased = Write(None, sent, done, "erase")
        else:
            self.count("erase", str(resp.status_code))

    def _form(
        self, action: str, payload: dict[str, Any], http: requests.Session
    ) -> requests.Response:
        resp = post_signed_form(
            http.post,
            f"{self.c.base}/webhooks/forms/lv",
            ENVIRON["LV_WEBHOOK_SECRET"],
            payload,
            timeout=HTTP_TIMEOUT,
        )
        self.answered(action, resp)
        self.count(action, None if resp.status_code in (200, 201) else str(resp.status_code))
        return resp

    def person(self, lead: LeadModel) -> dict[str, Any]:
        """The lead's firm and person as a form sends them (e-mail in another
        case, the phone spaced), with nothing a patch changes."""
        body = {
            "company_name": lead.created["company_name"],
            "country": "LV",
            "sector": "ict",
            "email": lead.created["email"].upper(),
            "phone": spaced(lead.created["phone"]),
        }
        if "registration_code" in lead.created:
            body["registration_code"] = lead.created["registration_code"]
        return body

    def act_form_valid(self, lead: LeadModel, http: requests.Session) -> None:
        self._form("form_valid", self.person(lead), http)

    def act_form_invalid(self, lead: LeadModel, http: requests.Session) -> None:
        self._form("form_invalid", {**self.person(lead), "sector": "no-such-sector"}, http)

    def act_form_foreign(self, lead: LeadModel, http: requests.Session) -> None:
        ee = self.ee_lead
        payload = {k: ee[k] for k in ("company_name", "country", "registration_code", "sector")}
        self._form("form_foreign", {**payload, "email": ee["email"].upper()}, http)

    def act_form_new(self, lead: LeadModel, http: requests.Session) -> None:
        n = self.unique()
        payload = {
            "company_name": f"Jauna {self.seed}-{n} SIA",
            "country": "LV",
            "sector": "ict",
            "email": f"jauna{n}.r{self.seed}@jauna.example.lv",
        }
        resp = self._form("form_new", payload, http)
        if resp.status_code == 201:
            with self.lock:
                self.out.checks["created by a form, checked present"] += 1
                self.new_leads.append(resp.json()["id"])

    def _entries(self, http: requests.Session) -> list[dict[str, Any]]:
        resp = http.get(
            f"{self.c.base}/api/v1/quarantine", headers=self.c.auth("lv"), timeout=HTTP_TIMEOUT
        )
        self.answered("list quarantine", resp)
        return resp.json()["items"] if resp.ok else []

    def _owner_of(self, entry: dict[str, Any]) -> LeadModel | None:
        text_ = json.dumps(entry.get("raw") or {}).casefold()
        for lead in self.leads:
            if lead.created["email"].casefold() in text_:
                return lead
        return None

    def act_merge(self, lead: LeadModel, http: requests.Session) -> None:
        entries = self._entries(http)
        if not entries:
            return self.act_form_invalid(lead, http)
        entry = self.rng.choice(entries)
        owner = self._owner_of(entry)
        if owner is None:  # another partner's firm (or an emptied entry): into a lead
            # with no registration code, which the entry's code would fill
            owner = self.leads[2 + lead.index % (len(self.leads) - 2)]
        sent = time.monotonic()
        resp = http.post(
            f"{self.c.base}/api/v1/quarantine/{entry['id']}/merge",
            json={"into": owner.id},
            headers=self.c.auth("lv"),
            timeout=HTTP_TIMEOUT,
        )
        done = time.monotonic()
        self.answered("merge", resp)
        if resp.status_code == 200:
            self.count("merge")
            body = resp.json()
            record = body.get("record") or {}
            with self.lock:
                for name in body.get("filled", []) + body.get("replaced", []):
                    owner.accept(name, record.get(name), sent, done, "merge")
        else:
            self.count("merge", str(resp.status_code))

    def act_replay(self, lead: LeadModel, http: requests.Session) -> None:
        entries = [e for e in self._entries(http) if e.get("raw")]
        if not entries:
            return self.act_form_invalid(lead, http)
        entry = self.rng.choice(entries)
        resp = http.post(
            f"{self.c.base}/api/v1/quarantine/{entry['id']}/replay",
            json={"data": {"sector": "ict"}},
            headers=self.c.auth("lv"),
            timeout=HTTP_TIMEOUT,
        )
        self.answered("replay", resp)
        self.count("replay", None if resp.ok else str(resp.status_code))

    # the staff's sheet
    def _type(self, lead: LeadModel, name: str, value: str) -> bool:
        ws = self.worksheet()
        rows = ws.get_values()
        header = rows[0]
        if "CRM ID" not in header:
            return False
        id_col, col = header.index("CRM ID"), header.index(HEADERS[name])
        for r, row in enumerate(rows[1:], start=2):
            if id_col < len(row) and row[id_col] == lead.id:
                ws.update([[value]], rowcol_to_a1(r, col + 1), value_input_option="RAW")
                return True
        return False

    def act_staff_edit(self, lead: LeadModel, http: requests.Session) -> None:
        value = self.rng.choice(ROLES)
        sent = time.monotonic()
        if self._type(lead, "role", value):
            self.count("staff_edit")
            with self.lock:
                lead.accept("role", value, sent, time.monotonic(), "staff_edit")

    def act_staff_erased(self, lead: LeadModel, http: requests.Session) -> None:
        """Staff type an erased person's e-mail (another case) into another row."""
        with self.lock:
            gone = [x for x in self.leads if x.erased is not None and x is not lead]
        if not gone:
            return self.act_staff_edit(lead, http)
        if self._type(lead, "email", gone[0].created["email"].title()):
            self.count("staff_erased")
            with self.lock:
                self.typed_cells.add((lead.id, "email"))

    def act_staff_foreign(self, lead: LeadModel, http: requests.Session) -> None:
        """Staff type another partner's firm's e-mail into the row of a lead with
        no registration code (with one, a shared e-mail is no shared firm:
        ``identity.may_match``)."""
        lead = self.leads[2 + lead.index % (len(self.leads) - 2)]
        if self._type(lead, "email", self.ee_lead["email"]):
            self.count("staff_foreign")
            with self.lock:
                self.typed_cells.add((lead.id, "email"))

    def act_sync(self, lead: LeadModel, http: requests.Session) -> None:
        outcome = self.sync()
        self.count("sync", None if outcome == "completed" else outcome)

    # --------------------------------------------------------------- run
    def run(self) -> Tally:
        started = time.monotonic()
        self.new_leads: list[str] = []
        self.setup()
        actors = self.schedule()
        barrier = threading.Barrier(len(actors))

        def actor(plan: list[tuple[str, int]]) -> None:
            http = self.http()
            try:
                barrier.wait(30)
                for kind, index in plan:
                    self.act(kind, index, http)
            except Exception as exc:  # the oracle reports it; the round goes on
                self.problem(f"actor {plan} raised {type(exc).__name__}: {exc}")
            finally:
                http.close()

        threads = [threading.Thread(target=actor, args=(p,)) for p in actors]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        outcome = self.sync(self.c.gc)
        if outcome != "completed":
            self.problem(f"the final sync {outcome}")
        self.check()
        self.out.seconds = time.monotonic() - started
        if self.out.violations:
            self.out.traces.append(f"seed {self.seed}: {' '.join(self.trace)}")
            self.out.violating_rounds = 1
            self.out.first_violation_round = 1
        return self.out

    # ------------------------------------------------------------- oracle
    def check(self) -> None:
        http = self.http()
        admin = self.c.auth("admin")
        finals: dict[str, dict[str, Any]] = {}
        for lead in self.leads:
            resp = http.get(f"{self.c.base}/api/v1/leads/{lead.id}", headers=admin, timeout=30)
            if resp.status_code != 200:
                self.problem(f"{lead.id} is gone: {resp.status_code}")
                continue
            finals[lead.id] = final = resp.json()
            self.check_lead(lead, final)
        for lead_id in self.new_leads:
            resp = http.get(f"{self.c.base}/api/v1/leads/{lead_id}", headers=admin, timeout=30)
            if resp.status_code != 200:
                self.problem(f"{lead_id}, created by a form, is gone: {resp.status_code}")
        http.close()
        self.check_erased()
        self.check_firm_keys()

    def check_lead(self, lead: LeadModel, final: dict[str, Any]) -> None:
        out = self.out
        if final.get("archived_at"):
            self.problem(f"{lead.id} was archived, which no actor asked for")
        # conditional writes: one per ETag
        seen = Counter(etag for etag, _ in lead.conditional)
        for etag, times in seen.items():
            out.checks["conditional writes checked"] += times
            if times > 1:
                self.problem(f"{lead.id}: {times} writes accepted with If-Match {etag}")
        # moves
        out.checks["partners checked"] += 1
        allowed_partners = {w.value for w in last_writes(lead.moves)} or {"lv"}
        if final.get("partner") not in allowed_partners:
            self.problem(
                f"{lead.id}: partner {final.get('partner')!r}, last accepted move(s) "
                f"{sorted(allowed_partners)}"
            )
        moved = bool(lead.moves)
        # personal fields of an erased lead
        if lead.erased is not None:
            out.checks["erased leads checked"] += 1
            kept = [f for f in PERSONAL_FIELDS if final.get(f) not in (None, "")]
            if kept:
                self.problem(f"{lead.id} was erased but still has {kept}")
        for name, writes in lead.writes.items():
            if lead.erased is not None and name in PERSONAL_FIELDS:
                continue
            if name == "role" and moved:
                continue  # LV's sheet is not the moved lead's any more
            if name == "role" and any(row == lead.id for row, _ in self.typed_cells):
                continue  # staff typed a refused value into the row: it waits as a whole
            if name in ("partner",):
                continue
            out.checks["fields checked"] += 1
            allowed = [w.value for w in last_writes(writes)]
            if final.get(name) not in allowed:
                what = sorted({w.what for w in writes})
                self.problem(
                    f"{lead.id}.{name} = {final.get(name)!r}, accepted last: {allowed!r} "
                    f"(writers {what})"
                )

    def erased_identifiers(self, lead: LeadModel) -> list[Identifier]:
        found = [Identifier("email", lead.created["email"].casefold())]
        found += [Identifier("phone", re.sub(r"\D", "", p)) for p in lead.phones]
        return found

    def check_erased(self) -> None:
        gone = [lead for lead in self.leads if lead.erased is not None]
        if not gone:
            return
        rows: list[tuple[str, Any]] = []
        with self.c.store.session() as s:
            for table in self.c.tables:
                for (row,) in s.execute(text(f'SELECT row_to_json(t)::text FROM "{table}" t')):
                    rows.append((table, json.loads(row)))
        cells = self.sheet_cells()
        for lead in gone:
            for ident in self.erased_identifiers(lead):
                self.out.checks["erased identifiers looked for"] += 1
                for table, row in rows:
                    if any(ident.in_text(v) for v in leaves(row)):
                        self.problem(
                            f"erased {ident.kind} of {lead.id} is in table {table} "
                            f"(row {str(row.get('id'))[:20]}{_source(row)})"
                        )
                for (row_id, name), value in cells.items():
                    if (row_id, name) in self.typed_cells:
                        continue
                    if ident.in_text(value):
                        self.problem(
                            f"erased {ident.kind} of {lead.id} is in the sheet, row {row_id}"
                        )
            code = lead.created.get("registration_code")
            if code:
                self.out.checks["erased identifiers looked for"] += 1
                for table, row in rows:
                    if table not in ("leads", "quarantine") or row.get("id") == lead.id:
                        continue  # the erased lead keeps its firm's code
                    if any(code in re.sub(r"\D", "", v) for v in leaves(row)):
                        self.problem(f"erased code of {lead.id} is in {table} row {row.get('id')}")

    def sheet_cells(self) -> dict[tuple[str, str], str]:
        """LV's sheet: (row's CRM ID or row number, column header) -> cell text."""
        rows = self.worksheet().get_values()
        header = rows[0]
        id_col = header.index("CRM ID") if "CRM ID" in header else None
        names = {h: name for name, h in HEADERS.items()}
        out = {}
        for r, row in enumerate(rows[1:], start=2):
            key = row[id_col] if id_col is not None and id_col < len(row) else f"row {r}"
            for c, value in enumerate(row):
                if value:
                    out[(key or f"row {r}", names.get(header[c], header[c]))] = value
        return out

    def check_firm_keys(self) -> None:
        """No two partners' leads are one firm: the same registration code in one
        country, or the same e-mail unless both have codes and they differ (then
        they are two firms by the identity rule, docs/security.md)."""
        with self.c.store.session() as s:
            leads = s.execute(
                select(Lead.id, Lead.partner, Lead.email, Lead.country, Lead.registration_code)
            ).all()
        self.out.checks["firm keys checked"] += len(leads)

        def code(lead: Any) -> tuple[str, str] | None:
            if not lead.registration_code:
                return None
            return (lead.country or "", re.sub(r"\W", "", lead.registration_code))

        for i, a in enumerate(leads):
            for b in leads[i + 1 :]:
                if a.partner == b.partner:
                    continue
                # another partner's firm's code under any country is its key too
                same_code = code(a) is not None and code(b) is not None and code(a)[1] == code(b)[1]
                same_email = bool(a.email) and a.email.casefold() == (b.email or "").casefold()
                if same_email and code(a) and code(b) and code(a) != code(b):
                    same_email = False
                if same_code or same_email:
                    what = "registration code" if same_code else "e-mail"
                    self.problem(
                        f"{a.id} ({a.partner}) and {b.id} ({b.partner}) are one firm by {what}"
                    )


def _source(row: dict[str, Any]) -> str:
    """Where a quarantine entry came from, to say so in a violation."""
    return f", source {row['source']}" if "source" in row else ""


def run_campaign(
    seeds: Iterable[int],
    *,
    database_url: str | None = None,
    progress: Callable[[int, Tally], None] | None = None,
) -> Tally:
    """Run a round per seed against one app, emulator and PostgreSQL store (a
    throw-away database unless ``database_url`` names one)."""
    total = Tally()
    with contextlib.ExitStack() as stack:
        url = database_url or stack.enter_context(
            temporary_pg_database(PG_ADMIN_URL, "lefcrm_concurrency")
        )
        emulator = stack.enter_context(run_emulator(quiet=True))
        campaign = Campaign(emulator, url)
        stack.callback(campaign.close)
        for done, seed in enumerate(seeds, start=1):
            total.add(campaign.run(seed))
            if progress is not None:
                progress(done, total)
    return total
