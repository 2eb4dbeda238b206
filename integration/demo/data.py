"""Realistic partner spreadsheets for the demo, generated from a seed (pure, no I/O).

Each partner's sheet looks like one a chamber's staff keep by hand: headers in
the partner's language (the first alias in ``integration/data/vocabulary.json``),
labels in that language, dates as ``12.03.2025`` and amounts as ``12 500,00 €``,
company names with their legal forms and diacritics (Faker's ``lv_LV``,
``et_EE``, ``fi_FI`` and ``az_AZ`` locales), registration codes with correct
check digits (python-stdnum), Azerbaijani buyers, a few rows a person got wrong
(so the demo shows quarantine), one firm listed by two partners (so it shows
duplicate detection), and a handful of signed agreements in the project window.

The words and formats are in :mod:`.wording`, the codes and phone numbers in
:mod:`.codes`, the partners file pointing at the sheets in :mod:`.partners_file`;
this module puts firms, leads and agreements together.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from faker import Faker

from integration.demo.codes import broken_check_digit, phone, registration_code
from integration.demo.wording import (
    ascii_slug,
    country_name,
    header,
    label,
    local_amount,
    local_date,
    yes,
)
from integration.domain import ConflictPolicy
from integration.identity import company_key

#: Columns of the leads tab, in the order a chamber's staff would keep them.
LEAD_COLUMNS = (
    "company_name",
    "registration_code",
    "country",
    "sector",
    "role",
    "contact_name",
    "email",
    "phone",
    "website",
    "stage",
    "source",
    "event",
    "gdpr_consent",
    "gdpr_consent_date",
    "notes",
)
AGREEMENT_COLUMNS = (
    "seller",
    "buyer",
    "sector",
    "subject",
    "value",
    "currency",
    "status",
    "signed_date",
    "reporting_partner",
    "evidence_url",
    "notes",
)
SECTORS = ("ict", "green_tech", "education", "interior_design")
#: Fewest lead rows per partner that hold buyers, sellers, planted errors and agreements.
MIN_ROWS = 10


@dataclass(frozen=True)
class DemoPartner:
    """What the partners file says about one demo partner."""

    code: str
    name: str
    country: str
    locale: str
    faker_locale: str
    timezone: str
    sync_at: str
    leads_tab: str
    agreements_tab: str
    domain: str
    conflict_policy: ConflictPolicy = ConflictPolicy.SHEET_WINS


PARTNERS: tuple[DemoPartner, ...] = (
    DemoPartner(
        "lv",
        "Latvijas Tirdzniecības un rūpniecības kamera",
        "LV",
        "lv",
        "lv_LV",
        "Europe/Riga",
        "02:00",
        "Kontakti",
        "Līgumi",
        "lv",
    ),
    DemoPartner(
        "ee",
        "Eesti Kaubandus-Tööstuskoda",
        "EE",
        "et",
        "et_EE",
        "Europe/Tallinn",
        "02:15",
        "Kontaktid",
        "Lepingud",
        "ee",
    ),
    DemoPartner(
        "fi",
        "Keskuskauppakamari",
        "FI",
        "fi",
        "fi_FI",
        "Europe/Helsinki",
        "02:30",
        "Liidit",
        "Sopimukset",
        "fi",
        ConflictPolicy.NEWEST_WINS,
    ),
)

#: Words firms in each sector put in their names, per language (names, not vocabulary).
_SECTOR_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "lv": {
        "ict": ("IT Risinājumi", "Digitālie Pakalpojumi", "Programmatūra", "Datu Centrs"),
        "green_tech": ("Zaļā Enerģija", "Vides Tehnoloģijas", "Saules Paneļi", "Ekobūve"),
        "education": ("Mācību Centrs", "Valodu Skola", "Izglītības Serviss", "Akadēmija"),
        "interior_design": ("Interjera Studija", "Mēbeļu Darbnīca", "Dizaina Nams", "Koka Mājas"),
    },
    "et": {
        "ict": ("Tarkvara", "IT Lahendused", "Digiteenused", "Andmekeskus"),
        "green_tech": ("Roheenergia", "Keskkonnatehnika", "Päikesepargid", "Ökoehitus"),
        "education": ("Koolituskeskus", "Keelekool", "Õppeakadeemia", "Haridusteenused"),
        "interior_design": ("Sisustusstuudio", "Mööblitöökoda", "Disainikoda", "Puitmajad"),
    },
    "fi": {
        "ict": ("Ohjelmistot", "IT-Palvelut", "Digitalo", "Datakeskus"),
        "green_tech": ("Vihreä Energia", "Ympäristötekniikka", "Aurinkovoima", "Puhdas Vesi"),
        "education": ("Koulutuspalvelut", "Kielikoulu", "Oppimiskeskus", "Akatemia"),
        "interior_design": ("Sisustus", "Huonekalupaja", "Designtalo", "Puutalot"),
    },
    "az": {
        "ict": ("İnformasiya Texnologiyaları", "Rəqəmsal Həllər", "Proqram Təminatı"),
        "green_tech": ("Yaşıl Enerji", "Ekoloji Texnologiyalar", "Günəş Enerjisi"),
        "education": ("Təhsil Mərkəzi", "Dil Məktəbi", "Tədris Akademiyası"),
        "interior_design": ("Dizayn Evi", "Mebel Emalatxanası", "İnteryer Studiyası"),
    },
}
_SUBJECTS: dict[str, dict[str, str]] = {
    "lv": {
        "ict": "Programmatūras izstrāde un uzturēšana",
        "green_tech": "Saules paneļu piegāde un uzstādīšana",
        "education": "Mācību programmas licence un pasniedzēju apmācība",
        "interior_design": "Viesnīcas interjera projektēšana un mēbeles",
    },
    "et": {
        "ict": "Tarkvaraarendus ja hooldus",
        "green_tech": "Päikesepaneelide tarne ja paigaldus",
        "education": "Õppekava litsents ja õpetajate koolitus",
        "interior_design": "Hotelli sisekujundus ja mööbel",
    },
    "fi": {
        "ict": "Ohjelmistokehitys ja ylläpito",
        "green_tech": "Aurinkopaneelien toimitus ja asennus",
        "education": "Opetussuunnitelman lisenssi ja opettajakoulutus",
        "interior_design": "Hotellin sisustussuunnittelu ja kalusteet",
    },
}
#: The demo's shared list of events (written as the partners file's ``[[events]]``):
#: the leads name them in their partner's language, as staff would.
DEMO_EVENTS: tuple[dict[str, object], ...] = (
    {
        "id": "baku-b2b-2023",
        "date": date(2023, 10, 10),
        "city": "Baku",
        "country": "AZ",
        "kind": "b2b_forum",
        "names": {
            "en": "Baku B2B forum 2023",
            "lv": "Baku B2B forums 2023",
            "et": "Bakuu B2B foorum 2023",
            "fi": "Baku B2B-foorumi 2023",
        },
    },
    {
        "id": "baku-mission-2024",
        "date": date(2024, 10, 15),
        "city": "Baku",
        "country": "AZ",
        "kind": "trade_mission",
        "names": {
            "en": "Trade mission to Baku 2024",
            "lv": "Tirdzniecības misija uz Baku 2024",
            "et": "Ärimissioon Bakuusse 2024",
            "fi": "Vientimatka Bakuun 2024",
        },
    },
    {
        "id": "lef-networking-2025",
        "date": date(2025, 5, 20),
        "city": "Riga",
        "country": "LV",
        "kind": "conference",
        "names": {
            "en": "LEF networking event 2025",
            "lv": "LEF tīklošanās 2025",
            "et": "LEF võrgustikuüritus 2025",
            "fi": "LEF-verkostotapaaminen 2025",
        },
        "aliases": ["LEF networking 2025"],
    },
)
_EVENTS = {
    loc: tuple(str(e["names"][loc]) for e in DEMO_EVENTS)  # type: ignore[index]
    for loc in ("lv", "et", "fi")
}
_UNKNOWN_COUNTRY = {"lv": "Atlantīda", "et": "Atlantis", "fi": "Atlantis"}
_LV_FORMS, _EE_FORMS, _FI_FORMS = (
    ("SIA", "SIA", "SIA", "AS"),
    ("OÜ", "OÜ", "AS"),
    ("Oy", "Oy", "Oyj"),
)


@dataclass
class Firm:
    """One firm as the generator knows it (before it is written as a row)."""

    name: str
    country: str
    code: str
    sector: str
    role: str
    locale: str  # the language its words are in (lv/et/fi/az)


@dataclass
class PartnerSheet:
    """One partner's spreadsheet: tab title -> rows (the first row is the header)."""

    partner: DemoPartner
    tabs: dict[str, list[list[str]]]
    #: 1-based sheet row numbers (in the leads tab) of rows a person got wrong, and why
    invalid_rows: dict[int, str] = field(default_factory=dict)
    #: the sheet row of a firm that another partner listed first
    duplicate_rows: list[int] = field(default_factory=list)
    signed_agreements: int = 0

    @property
    def leads(self) -> list[list[str]]:
        return self.tabs[self.partner.leads_tab]

    @property
    def agreements(self) -> list[list[str]]:
        return self.tabs[self.partner.agreements_tab]


# -- firms -----------------------------------------------------------------------------
class _Names:
    """Company names unique by :func:`company_key` (what the sync matches parties on)."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def make(self, country: str, sector: str, fake: Faker, rng: random.Random) -> str:
        for _ in range(200):
            name = self._candidate(country, sector, fake, rng)
            key = company_key(name)
            if key not in self.seen:
                self.seen.add(key)
                return name
        raise RuntimeError("could not find a fresh company name")  # pragma: no cover

    @staticmethod
    def _candidate(country: str, sector: str, fake: Faker, rng: random.Random) -> str:
        if country == "LV":
            word = rng.choice(_SECTOR_WORDS["lv"][sector])
            return f'{rng.choice(_LV_FORMS)} "{fake.last_name()} {word}"'
        if country == "EE":
            word = rng.choice(_SECTOR_WORDS["et"][sector])
            return f"{fake.last_name()} {word} {rng.choice(_EE_FORMS)}"
        if country == "FI":
            word = rng.choice(_SECTOR_WORDS["fi"][sector])
            return f"{fake.last_name()} {word} {rng.choice(_FI_FORMS)}"
        word = rng.choice(_SECTOR_WORDS["az"][sector])
        return f'"{fake.last_name()} {word}" {rng.choice(("MMC", "MMC", "ASC"))}'


@dataclass
class _Context:
    rng: random.Random
    fakers: dict[str, Faker]
    names: _Names
    start: date
    end: date


def _firm(ctx: _Context, country: str, locale: str, role: str, sector: str | None = None) -> Firm:
    sector = sector or ctx.rng.choice(SECTORS)
    fake = ctx.fakers["az" if country == "AZ" else locale]
    name = ctx.names.make(country, sector, fake, ctx.rng)
    return Firm(name, country, registration_code(country, ctx.rng), sector, role, locale)


def _day(ctx: _Context) -> date:
    return ctx.start + timedelta(days=ctx.rng.randint(0, (ctx.end - ctx.start).days))


def _lead_row(ctx: _Context, firm: Firm, partner: DemoPartner) -> dict[str, str]:
    loc = partner.locale
    fake = ctx.fakers["az" if firm.country == "AZ" else loc]
    contact = fake.name()
    first, _, last = contact.partition(" ")
    domain = ascii_slug(company_key(firm.name))[:24]
    tld = {"LV": "lv", "EE": "ee", "FI": "fi", "AZ": "az"}[firm.country]
    consent = ctx.rng.random() < 0.8
    row = {
        "company_name": firm.name,
        "registration_code": firm.code if ctx.rng.random() < 0.75 else "",
        "country": country_name(firm.country, loc),
        "sector": label("sector", firm.sector, loc),
        "role": label("role", firm.role, loc),
        "contact_name": contact,
        "email": f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}.{tld}".replace("-", ""),
        "phone": phone(firm.country, ctx.rng),
        "website": f"https://www.{domain}.{tld}" if ctx.rng.random() < 0.6 else "",
        "stage": label("stage", ctx.rng.choice(("new", "contacted", "qualified", "meeting")), loc),
        "source": label("source", ctx.rng.choice(("b2b_forum", "trade_mission", "referral")), loc),
        "event": ctx.rng.choice(_EVENTS[loc]),
        "gdpr_consent": yes(loc) if consent else "",
        "gdpr_consent_date": local_date(_day(ctx), loc) if consent else "",
        "notes": "",
    }
    if firm.country == "AZ" and not row["registration_code"]:
        row["notes"] = "VÖEN?"  # some buyers' tax numbers are not known yet
    return row


def _as_sheet_row(values: dict[str, str], columns: tuple[str, ...]) -> list[str]:
    return [values.get(c, "") for c in columns]


def generate(
    rows_per_partner: int = 40,
    *,
    seed: int = 2025,
    project_start: date = date(2023, 3, 1),
    project_end: date = date(2026, 2, 28),
    today: date | None = None,
) -> list[PartnerSheet]:
    """Three partner spreadsheets (LV, EE, FI) of ``rows_per_partner`` lead rows each
    (plus, in the second, one firm the first partner also listed).

    The same arguments always give the same sheets. Dates fall in the project
    window and never after ``today``, so signed agreements count towards the KPI.
    """
    if rows_per_partner < MIN_ROWS:
        raise ValueError(
            f"rows_per_partner must be at least {MIN_ROWS} (room for every kind of row)"
        )
    end = min(project_end, today or date.today())
    rng = random.Random(seed)
    fakers = {}
    for i, (loc, faker_loc) in enumerate(
        (("lv", "lv_LV"), ("et", "et_EE"), ("fi", "fi_FI"), ("az", "az_AZ"))
    ):
        fake = Faker(faker_loc)
        fake.seed_instance(seed * 10 + i)
        fakers[loc] = fake
    ctx = _Context(rng, fakers, _Names(), project_start, end)
    sheets: list[PartnerSheet] = []
    shared: Firm | None = None
    for index, partner in enumerate(PARTNERS):
        sheet, first_own = _partner_sheet(ctx, partner, rows_per_partner, index == 1 and shared)
        if index == 0:
            shared = first_own
        sheets.append(sheet)
    return sheets


def _partner_sheet(
    ctx: _Context, partner: DemoPartner, n_rows: int, shared: Firm | bool | None
) -> tuple[PartnerSheet, Firm]:
    """One partner's sheet, and its first own firm (the one another partner repeats)."""
    loc = partner.locale
    n_buyers = max(3, n_rows // 4)
    firms = _firms(ctx, partner, n_rows, n_buyers)
    rows = [_lead_row(ctx, firm, partner) for firm in firms]
    for row, firm in zip(rows, firms, strict=True):
        if firm.country != "AZ":
            row["registration_code"] = firm.code  # chambers always know their own members'
    own = [i for i, f in enumerate(firms) if f.country == partner.country]
    first_own = firms[own[0]]
    bad = own[-3:]
    tagged = _with_mistakes(rows, firms, bad, partner)

    # A firm the first partner listed shows up again in this partner's sheet.
    if isinstance(shared, Firm):
        copy = _lead_row(ctx, shared, partner)
        copy["registration_code"] = shared.code
        tagged.insert(n_buyers, (copy, "duplicate"))

    sheet = PartnerSheet(partner, {})
    _note_tagged_rows(sheet, tagged)
    leads_header = [header("lead", c, loc) for c in LEAD_COLUMNS]
    sheet.tabs[partner.leads_tab] = [leads_header] + [
        _as_sheet_row(row, LEAD_COLUMNS) for row, _ in tagged
    ]

    # A handful of agreements: own sellers with Azerbaijani buyers, most of them signed.
    sellers = [firms[i] for i in own if i not in bad and firms[i] is not first_own]
    buyers = [f for f in firms if f.country == "AZ"]
    agreements = [_agreement(ctx, partner, k, sellers[k], buyers[k]) for k in range(3)]
    sheet.signed_agreements = sum(1 for a in agreements if a["signed_date"])
    agreements_header = [header("agreement", c, loc) for c in AGREEMENT_COLUMNS]
    sheet.tabs[partner.agreements_tab] = [agreements_header] + [
        _as_sheet_row(a, AGREEMENT_COLUMNS) for a in agreements
    ]
    return sheet, first_own


def _firms(ctx: _Context, partner: DemoPartner, n_rows: int, n_buyers: int) -> list[Firm]:
    """The partner's firms: Azerbaijani buyers first, then its own members (mostly
    sellers), sectors in turn so every sector has both sides."""
    firms: list[Firm] = []
    for i in range(n_rows):
        if i < n_buyers:
            firms.append(_firm(ctx, "AZ", partner.locale, "buyer", SECTORS[i % len(SECTORS)]))
        else:
            role = "seller" if ctx.rng.random() < 0.85 else "both"
            firms.append(
                _firm(ctx, partner.country, partner.locale, role, SECTORS[i % len(SECTORS)])
            )
    return firms


def _with_mistakes(
    rows: list[dict[str, str]], firms: list[Firm], bad: list[int], partner: DemoPartner
) -> list[tuple[dict[str, str], str]]:
    """The rows tagged with what a person got wrong in them ("" when nothing).

    Three of the partner's own firms (never an agreement party) get a bad
    e-mail address, a registration code with a wrong check digit and a made-up
    country, so the demo shows quarantine."""
    rows[bad[0]]["email"] = rows[bad[0]]["email"].replace("@", "@@")
    rows[bad[1]]["registration_code"] = broken_check_digit(firms[bad[1]].code, partner.country)
    rows[bad[2]]["country"] = _UNKNOWN_COUNTRY[partner.locale]
    tagged: list[tuple[dict[str, str], str]] = [(row, "") for row in rows]
    for i, what in zip(bad, ("email", "registration_code", "country"), strict=True):
        tagged[i] = (rows[i], what)
    return tagged


def _note_tagged_rows(sheet: PartnerSheet, tagged: list[tuple[dict[str, str], str]]) -> None:
    """Record the sheet row numbers (header is row 1) of the planted duplicate and
    mistakes, which the demo's report and tests point at."""
    for number, (_row, tag) in enumerate(tagged, start=2):
        if tag == "duplicate":
            sheet.duplicate_rows.append(number)
        elif tag:
            sheet.invalid_rows[number] = tag


def _agreement(
    ctx: _Context, partner: DemoPartner, k: int, seller: Firm, buyer: Firm
) -> dict[str, str]:
    """The ``k``-th agreement row (0-based): the first two are signed, the third is
    still being negotiated, so the KPI counts some but not all."""
    loc = partner.locale
    signed = k < 2
    value = ctx.rng.randrange(5_000, 250_000, 250) + ctx.rng.choice((0, 0.5))
    return {
        # staff name a party by its company name or by its registration code
        "seller": seller.code if k == 1 else seller.name,
        "buyer": buyer.name,
        "sector": label("sector", seller.sector, loc),
        "subject": _SUBJECTS[loc][seller.sector],
        "value": local_amount(value, loc),
        "currency": "EUR",
        "status": label("status", "signed" if signed else "negotiating", loc),
        "signed_date": local_date(_day(ctx), loc) if signed else "",
        # staff name the reporting partner by its country
        "reporting_partner": country_name(partner.country, loc),
        "evidence_url": (
            f"https://docs.example.{partner.domain}/agreements/{k + 1}" if signed else ""
        ),
        "notes": "",
    }
