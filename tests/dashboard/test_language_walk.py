"""The language walk: every dashboard page, in every interface language, as an
admin and as a partner, in headless Chromium over real HTTP, fails on any raw
code or English word a reader would see.

What counts as "raw" is derived, not listed: the enum values of the schemas and
the vocabulary (sectors, roles, stages, sources, statuses), the sync's triggers,
outcomes and tab kinds, record sources such as ``sheet:lv``, and the schemas'
property names (``company_name``). What counts as English is every word of the
English catalog and vocabulary that the page's own language does not use too.
Words that are data (company names, contact names, subjects typed by people)
and a short explicit allow-list (brand names, abbreviations) are not findings.

Every finding of every page is collected before the test fails, so one run
lists all the gaps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from test_dashboard_browser import PageOpener, every_page, sign_in

from integration import messages
from integration.drive.channels import record_event, register_channel
from integration.legacy_problems import read_back
from integration.store import records
from integration.store.lead_create import create_lead
from integration.store.models import (
    Agreement,
    ApiToken,
    Lead,
    MergeRequest,
    QuarantineEntry,
    SyncRun,
    utcnow,
)
from integration.vocabulary import plain_text, vocabulary
from schemas import load_schema

#: Where the dashboard tests' screenshots go (tests/dashboard/conftest.py's; not
#: imported from it, as ``conftest`` names another module when the whole suite runs).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.browser

#: Words every language may show as they are: names of things, abbreviations,
#: units. Kept short on purpose; a new entry needs a reason.
ALLOWED = frozenset(
    {
        "api",  # "API calls": the same abbreviation in every language
        "csv",  # the file format
        "json",  # the file format (reports' downloads, a key file)
        "crm",  # the product's name (CRM ID column)
        "id",  # "CRM ID"
        "ok",  # the sheet's status word, OK in every language
        "lef",  # the project's name
        "network",  # "LEF Network Azerbaijan", the project's name
        "azerbaijan",  # ... idem
        "google",  # brand
        "sheets",  # "Google Sheets", brand
        "drive",  # "Google Drive", brand
        "gspread",
        "http",
        "https",
        "url",
        "eur",
        "usd",
        "azn",
        "utc",
        "toml",  # the partners file's format
        "crm-sync",  # the command's name
        "s",  # seconds, the SI unit (durations)
        "min",  # minutes (durations)
    }
)

#: The sync's own codes, as the store records them (``SyncRun.trigger``/``outcome``).
TRIGGERS = ("nightly", "webhook", "api", "cli", "catch-up", "demo", "drive-push", "poll", "retry")
OUTCOMES = ("running", "completed", "failed", "aborted", "busy", "stopped", "skipped")
TABS = ("leads", "agreements")
PARTNERS = ("lv", "ee", "fi")  # partners.example.toml's codes
LOCALES = ("lv", "et", "fi", "en")

#: The page's text as its reader meets it: every folded section opened (what is
#: one click away is read too), without text the page itself marks as another
#: language (``lang="en"`` on an error quoted from Google, each language's own
#: name in the language chooser) or as no language (``lang="zxx"``: a path, a
#: variable's name, a spreadsheet id in the configuration checks).
READABLE_TEXT = """() => {
  document.querySelectorAll('details').forEach(d => d.open = true);
  const lang = document.documentElement.lang;
  document.querySelectorAll('body [lang]').forEach(e => {
    if (e.lang !== lang) e.textContent = '';
  });
  const boxes = [...document.querySelectorAll('input[type=text], input:not([type]), textarea')];
  return document.body.innerText + ' ' + boxes.map(b => b.value).join(' ');
}"""

_WORD = re.compile(r"[^\W\d_]+(?:[_:\-][^\W_]+)*")
# Things on a page that are data, not words: e-mail addresses, web addresses,
# record ids (L-000012), ISO dates and times, numbers.
_NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S+|\b[LA]-\d{6}\b|\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?\b"
)


def _schema_codes() -> tuple[set[str], set[str]]:
    """(enum values, property names) of the record schemas."""
    values: set[str] = set()
    keys: set[str] = set()
    for kind in ("lead", "agreement"):
        for name, prop in load_schema(kind)["properties"].items():
            keys.add(name)
            if name in ("country", "currency"):
                continue  # ISO codes, shown beside the country's name ("Latvija (LV)")
            for choice in prop.get("enum", []) + [
                v
                for sub in prop.get("anyOf", []) + prop.get("oneOf", [])
                for v in sub.get("enum", [])
            ]:
                if isinstance(choice, str):
                    values.add(choice)
    return values, keys


def raw_codes() -> set[str]:
    """Every code a reader must never see as such (the partner codes too)."""
    values, keys = _schema_codes()
    for group, per_value in vocabulary()["labels"].items():
        if group != "currency":
            values.update(per_value)
    values.update(TRIGGERS, OUTCOMES, TABS, PARTNERS)
    return values | {k for k in keys if "_" in k}


def _words(text: str) -> set[str]:
    return {plain_text(w) for w in _WORD.findall(_NOT_WORDS.sub(" ", text))}


def _strings(tree: Any) -> Iterator[str]:
    if isinstance(tree, str):
        yield tree
    elif isinstance(tree, dict):
        for key, value in tree.items():
            if key != "_about":
                yield from _strings(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from _strings(value)


def _vocabulary_words(locale: str) -> set[str]:
    """The words a locale's reader may meet in the vocabulary (its own spellings)."""
    out: set[str] = set()

    def walk(tree: Any) -> None:
        if isinstance(tree, dict):
            for key, value in tree.items():
                if key == locale and isinstance(value, list | str):
                    out.update(_words(" ".join(_strings(value))))
                elif key != "_about":
                    walk(value)

    walk(vocabulary())
    return out


def language_words(locale: str) -> set[str]:
    """Every word the locale's catalog texts and vocabulary words contain."""
    # without the placeholders: "{partner}" is not a Latvian word
    texts = (re.sub(r"\{\w+\}", " ", text) for text in messages.catalog()[locale].values())
    return {*_words(" ".join(texts)), *_vocabulary_words(locale)}


def english_words() -> set[str]:
    return language_words("en") | {plain_text(w) for c in raw_codes() for w in re.split("[_:-]", c)}


def data_words(store: Any, config: Any) -> set[str]:
    """Words people typed or named: company, contact and partner names, subjects."""
    typed: list[str] = []
    with store.session() as s:
        for lead in s.scalars(select(Lead)):
            typed += [str(lead.data.get(f) or "") for f in ("company_name", "contact_name")]
        for agreement in s.scalars(select(Agreement)):
            typed += [str(agreement.data.get(f) or "") for f in ("subject", "notes")]
        for entry in s.scalars(select(QuarantineEntry)):  # rows as typed
            typed += [str(v) for v in (entry.raw or {}).values()]
    with store.session() as s:
        typed += [t.name for t in s.scalars(select(ApiToken))]
    for partner in config.partners.values():
        typed += [partner.name, partner.tab_name("leads"), partner.tab_name("agreements")]
    typed.append(config.project.name)
    for event in config.events:
        typed += [event.name(loc) for loc in LOCALES]
    return _words(" ".join(typed))


def findings(
    text: str, locale: str, *, codes: set[str], english: set[str], allowed: set[str]
) -> list[str]:
    """The raw codes, field keys and (outside English) English words in ``text``."""
    found: list[str] = []
    own = language_words(locale)
    for word in sorted(set(_WORD.findall(_NOT_WORDS.sub(" ", text)))):
        folded = plain_text(word)
        if folded in allowed:
            continue
        if word in codes and (
            locale != "en" or re.search("[_:-]", word) or word in ("ict", *PARTNERS)
        ):
            found.append(f"code {word!r}")
        elif re.fullmatch(r"(sheet|form|api|webhook):[\w-]+", word):
            found.append(f"source tag {word!r}")
        elif locale != "en" and folded in english and folded not in own:
            found.append(f"English {word!r}")
    return found


def _enrich(live: Any) -> dict[str, str]:
    """Add what the shared seed lacks and staff meet daily: a record history with
    enum, value and source changes, a web-form lead, a dry run."""
    seeded = live.seeded
    with live.store.session() as s:
        lead = s.get(Lead, seeded.leads["lv"][1])
        records.update_record(
            s,
            lead,
            {"sector": "green_tech", "source": "trade_mission", "stage": "meeting"},
            source="sheet:lv",
        )
        agreement = s.get(Agreement, seeded.agreements[0])
        records.update_record(s, agreement, {"value": 79750.0}, source="api")
        form = create_lead(
            s,
            {
                "partner": "lv",
                "company_name": "Formas SIA",
                "country": "LV",
                "sector": "ict",
                "role": "seller",
                "stage": "new",
                "source": "web_form",
                "contact_name": "Anna Ozola",
                "email": "anna@formas.example",
            },
            source="webhook:lv",
        )
        # The seed plants problems as sentences, as stored before problems were
        # data; migration 0010 reads every stored one back into data: do the same.
        for entry in s.scalars(select(QuarantineEntry)):
            entry.errors = [read_back(e, entry.kind) or e for e in entry.errors]
        # A web form's rows to correct: one invalid (the fix form), one a duplicate
        # of a stored firm with other values (the merge choice).
        records.quarantine(
            s,
            kind="lead",
            source="webhook:lv",
            raw={
                "company_name": "Formas Trīs SIA",
                "email": "bad@@formas.example",
                "country": "LV",
                "sector": "green_tech",
                "source": "trade_mission",
                "stage": "qualified",
            },
            errors=[
                {"field": "email", "code": "email", "params": {"value": "bad@@formas.example"}}
            ],
            partner="lv",
        )
        target = s.get(Lead, seeded.leads["lv"][4])
        records.quarantine(
            s,
            kind="lead",
            source="webhook:lv",
            raw={**target.data, "stage": "won", "sector": "education", "id": None},
            errors=[
                {"field": "", "code": "duplicate", "params": {"id": target.id, "key": "email"}}
            ],
            partner="lv",
            duplicate_of=target.id,
        )
        # Cross-partner duplicates (#23): LV's row of an EE firm, asked about (the
        # card and its outcome), and EE's row of an LV firm waiting in LV's queue
        # with both rows side by side; one more decided, for both sides' lists.
        for requester, owner, lead_id, status in (
            ("lv", "ee", seeded.leads["ee"][1], "open"),
            ("ee", "lv", seeded.leads["lv"][5], "open"),
            ("ee", "lv", seeded.leads["lv"][6], "declined"),
        ):
            lead = s.get(Lead, lead_id)
            asking = records.quarantine(
                s,
                kind="lead",
                source=f"webhook:{requester}",
                raw={**lead.data, "id": None, "partner": requester, "notes": "Tallinn 2025"},
                errors=[
                    {"field": "", "code": "duplicate", "params": {"id": lead_id, "key": "email"}}
                ],
                partner=requester,
                duplicate_of=lead_id,
            )
            s.flush()
            s.add(
                MergeRequest(
                    entry_id=asking.id, lead_id=lead_id, requester=requester, owner=owner,
                    status=status, decided_at=None if status == "open" else utcnow(),
                )
            )  # fmt: skip
        started = utcnow() - timedelta(minutes=30)
        for tab, outcome, dry, trigger in (
            ("leads", "aborted", False, "drive-push"),
            ("agreements", "busy", True, "catch-up"),
        ):
            s.add(
                SyncRun(
                    partner="lv",
                    trigger=trigger,
                    outcome=outcome,
                    started_at=started,
                    finished_at=started + timedelta(seconds=3),
                    tab=tab,
                    dry_run=dry,
                    counts={"rows": 30},
                    api_calls=1,
                    cells_written=0,
                )
            )
        # An archived lead: its page offers restore instead of edit and archive.
        archived = s.get(Lead, seeded.leads["lv"][9])
        records.archive_record(s, archived, source="api")
        expires = utcnow() + timedelta(hours=20)
        register_channel(s, channel_id="chan-lv", partner="lv", token="t", expires_at=expires)
        record_event(s, "lv", "registered", "expires 2026-12-08 10:00:00 UTC", "chan-lv")
        record_event(s, "lv", "trash", "the spreadsheet was moved to the trash", "chan-lv")
        s.flush()
        return {
            "form_lead": form,
            "run_started": started.isoformat(),
            "archived_lead": archived.id,
        }


def pages(live: Any, extra: dict[str, str], who: str) -> dict[str, str]:
    """Every page (:func:`every_page`), a conflict's, a web form's and an archived
    lead, the edit forms, and the error pages the reader may reach."""
    seeded = live.seeded
    out = {
        **every_page(seeded),
        "lead with a conflict": f"/dashboard/leads/{seeded.leads['lv'][2]}",
        "web-form lead": f"/dashboard/leads/{extra['form_lead']}",
        "archived lead": f"/dashboard/leads/{extra['archived_lead']}",
        "lead edit form": f"/dashboard/leads/{seeded.leads['lv'][1]}/edit",
        "agreement edit form": f"/dashboard/agreements/{seeded.agreements[0]}/edit",
        "no such page": "/dashboard/no-such-page",
        "no such record": "/dashboard/leads/L-999999",
    }
    if who == "lv":
        out["another partner's lead"] = f"/dashboard/leads/{seeded.leads['ee'][0]}"
        out["another partner's lead a row of ours duplicates"] = (
            f"/dashboard/leads/{seeded.leads['ee'][1]}"
        )
    elif who in OTHER_STAFF:
        # their own records; the LV-only pages of the seed are another chamber's
        lead, agreement = own_records(live, who)
        for name in ("lead with a conflict", "web-form lead", "archived lead"):
            del out[name]
        out["lead"] = f"/dashboard/leads/{lead}"
        out["agreement"] = f"/dashboard/agreements/{agreement}"
        out["lead edit form"] = f"/dashboard/leads/{lead}/edit"
        out["agreement edit form"] = f"/dashboard/agreements/{agreement}/edit"
        out["another partner's lead"] = f"/dashboard/leads/{seeded.leads['lv'][0]}"
        if who == "ee":  # EE's row of an LV firm, asked about (the seed's request)
            out["another partner's lead a row of ours duplicates"] = (
                f"/dashboard/leads/{seeded.leads['lv'][5]}"
            )
    return out


#: Partner staff walked with their own records, in their own language first.
OTHER_STAFF = ("ee", "fi")


def own_records(live: Any, who: str) -> tuple[str, str]:
    """A lead and an agreement of partner ``who`` (the seed's agreements are
    reported by their partner)."""
    with live.store.session() as s:
        agreement = s.scalars(
            select(Agreement.id).where(Agreement.reporting_partner == who).order_by(Agreement.id)
        ).first()
    assert agreement is not None, who
    return live.seeded.leads[who][1], agreement


@pytest.fixture(scope="module")
def enriched(live: Any) -> dict[str, str]:
    return _enrich(live)


def _walk(opener: PageOpener, live: Any, who: str, extra: dict[str, str]) -> list[str]:
    opener.expected_failures.update({"/dashboard/no-such-page", "/dashboard/leads/L-", "favicon"})
    codes = raw_codes()
    english = english_words()
    allowed = set(ALLOWED) | data_words(live.store, _config(live))
    problems: list[str] = []
    for locale in LOCALES:
        page = opener()
        page.goto(f"/dashboard/language?lang={locale}")
        signin_text = page.evaluate(READABLE_TEXT)
        problems += [
            f"{who} {locale} sign-in: {f}"
            for f in findings(signin_text, locale, codes=codes, english=english, allowed=allowed)
        ]
        sign_in(page, live.seeded.tokens[who])
        page.goto(f"/dashboard/language?lang={locale}")
        for name, path in pages(live, extra, who).items():
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == locale, (name, locale)
            if name == "archived lead":  # the restore form is read, not edit's
                assert page.locator("form[action$='/restore']").count() == 1
            if name.endswith("a row of ours duplicates"):  # the card, not a 404
                assert page.locator("[data-duplicate-card]").count() == 1, (who, name)
            if name.endswith("edit form"):
                assert page.locator("[data-save]").count() == 1, (who, name)
            # Open every folded section: what is one click away is read too.
            text = page.evaluate(READABLE_TEXT)
            problems += [
                f"{who} {locale} {name}: {f}"
                for f in findings(text, locale, codes=codes, english=english, allowed=allowed)
            ]
        # A refused edit: the form again, with what is wrong beside the field.
        mine = own_records(live, who)[0] if who in OTHER_STAFF else live.seeded.leads["lv"][1]
        page.goto(f"/dashboard/leads/{mine}/edit")
        page.fill("[name='field:email']", "not@@an-address")
        page.locator("[data-save]").click()
        page.wait_for_load_state()
        assert page.locator("[aria-invalid=true]").count() >= 1, (who, locale)
        problems += [
            f"{who} {locale} refused edit: {f}"
            for f in findings(
                page.evaluate(READABLE_TEXT), locale, codes=codes, english=english, allowed=allowed
            )
        ]
    return problems


def _config(live: Any) -> Any:
    from integration.web.services import services

    with live.app.app_context():
        return services().config


def _report(problems: Iterable[str]) -> str:
    return "\n".join(sorted(set(problems)))


@pytest.mark.parametrize("who", ["admin", "lv", *OTHER_STAFF])
def test_every_page_in_every_language_has_no_raw_code_or_english_word(
    browser: Any, live: Any, enriched: dict[str, str], who: str
) -> None:
    opener = PageOpener(browser, live.url)
    try:
        problems = _walk(opener, live, who, enriched)
    finally:
        opener.close()
    # The whole list, also as a file: pytest shortens long assertion messages.
    report = SCREENSHOTS.parent / f"language-walk-{who}.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(_report(problems) + "\n", "utf-8")
    assert not problems, f"words a reader should not see (all in {report}):\n" + _report(problems)
    assert opener.problems == []


CHOSEN = "s => s.options[s.selectedIndex].text"


def test_latvian_staff_read_values_sources_runs_and_zone_in_latvian(
    browser: Any, live: Any, enriched: dict[str, str]
) -> None:
    """What the walk's fixes show, in words: the record history's values and
    source, the conflict's values, the Sync page's triggers, outcomes, dry run
    and channel, the web form's fix form as choices, the time zone named."""
    opener = PageOpener(browser, live.url)
    try:
        page = opener()
        sign_in(page, live.seeded.tokens["lv"])
        page.goto(f"/dashboard/leads/{live.seeded.leads['lv'][1]}")
        assert "Partneris" in page.locator(".fields-list").inner_text()  # not "Partner"
        history = page.locator("#history-table").inner_text()
        assert "Tabula (Latvija)" in history
        assert "Sarunas → Tikšanās" in history  # stage negotiation -> meeting
        assert "Zaļās tehnoloģijas" in history and "Tirdzniecības misija" in history
        page.goto(f"/dashboard/agreements/{live.seeded.agreements[0]}")
        money = page.locator("#history-table").inner_text().replace("\xa0", " ")
        assert "25 000,00 € → 79 750,00 €" in money
        assert "API" in page.locator("#history-table").inner_text()

        page.goto("/dashboard/sync")
        card = page.locator("#partner-lv")
        text = card.inner_text()
        for word in ("Labojums tabulā (Drive paziņojums)", "Apturēta", "Nokavēta nakts reize"):
            assert word in text, word
        assert card.locator("[data-dry-run]").count() >= 1
        assert card.locator('[data-channel-status="lv"]').inner_text() == "Aktīvs"
        assert (
            "Tabula pārvietota uz atkritni" in card.locator('[data-push-alert="lv"]').inner_text()
        )
        assert "(02:00, Austrumeiropas laiks (Rīga))" in text
        # the run planted half an hour ago, at Riga's time, not UTC's
        riga = datetime.fromisoformat(enriched["run_started"]).astimezone(ZoneInfo("Europe/Riga"))
        last = card.locator('tr[data-tab="leads"] time').first.inner_text()
        assert last == riga.strftime("%Y-%m-%d %H:%M")
        zone = page.locator("[data-time-zone]").inner_text()
        assert zone == "Laiks: Austrumeiropas laiks (Rīga)"

        page.goto("/dashboard/fix")
        conflict = page.locator("tr[data-conflict]").first.inner_text()
        assert "Tikšanās" in conflict and "Kvalificēts" in conflict
        form = page.locator("details.fix-form").first
        sector = form.locator("select[name='field:sector']")
        assert sector.evaluate(CHOSEN) == "Zaļās tehnoloģijas"
        options = sector.evaluate("s => [...s.options].map(o => o.text)")
        assert "IKT" in options and "ict" not in options
        country = form.locator("select[name='field:country']")
        assert country.evaluate(CHOSEN) == "Latvija"
        for item in page.locator("[data-quarantine]").all():
            buttons = item.locator("button[value=replay]").evaluate_all(
                "bs => bs.map(b => b.textContent.trim())"
            )
            assert len(buttons) == len(set(buttons)), buttons  # no two say the same
    finally:
        opener.close()
    assert opener.problems == []


DOCS_IMAGES = SCREENSHOTS.parents[1] / "docs" / "img"
#: The pages docs/dashboard.md shows, in Latvian (a partner's staff) and English.
DOCS_PAGES = {"overview": "/dashboard/", "sync": "/dashboard/sync", "fix": "/dashboard/fix"}


@pytest.mark.parametrize("locale", ["lv", "en"])
def test_screenshots_of_the_dashboard_as_staff_see_it(
    browser: Any, live: Any, enriched: dict[str, str], locale: str
) -> None:
    """The pictures of docs/dashboard.md: LV staff's overview, Sync page and rows to
    fix, in Latvian and in English, at a laptop's width. Taken on every run (into
    test-artifacts/); ``UPDATE_DOCS_SCREENSHOTS=1`` also writes them to docs/img/."""
    import os
    import shutil

    opener = PageOpener(browser, live.url)
    try:
        page = opener({"width": 1024, "height": 720})
        sign_in(page, live.seeded.tokens["lv"])
        page.goto(f"/dashboard/language?lang={locale}")
        for name, path in DOCS_PAGES.items():
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == locale
            shot = SCREENSHOTS / f"docs-{name}-{locale}.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size < 400_000, f"{shot.name} is not small"
            if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
                DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(shot, DOCS_IMAGES / shot.name.removeprefix("docs-"))
    finally:
        opener.close()
    assert opener.problems == []


@pytest.mark.parametrize(
    ("locale", "amount"),
    [("lv", "79 750,00 €"), ("et", "79 750,00 €"), ("fi", "79 750,00 €"), ("en", "€79,750.00")],
)
def test_amounts_are_in_the_readers_locale(
    browser: Any, live: Any, enriched: dict[str, str], locale: str, amount: str
) -> None:
    """An agreement's value in the table and on its page, as the reader writes
    money (Babel's format for the language), never as the stored 79750.0."""
    agreement = live.seeded.agreements[0]  # its value was changed to 79750
    opener = PageOpener(browser, live.url)
    try:
        page = opener()
        sign_in(page, live.seeded.tokens["lv"])
        page.goto(f"/dashboard/language?lang={locale}")
        page.goto("/dashboard/agreements")
        row = page.locator(f'tr[data-id="{agreement}"]').inner_text().replace("\xa0", " ")
        assert amount in row and "79750" not in row
        page.goto(f"/dashboard/agreements/{agreement}")
        fields = page.locator(".fields-list").inner_text().replace("\xa0", " ")
        assert amount in fields
    finally:
        opener.close()
    assert opener.problems == []


def test_every_configuration_check_reads_in_every_language() -> None:
    """Every line the Sync page's configuration checks can show (a failing one
    too, which the seeded walk never meets), rendered as the page renders it, has
    no raw code or English word: paths, variables and ids are marked as no
    language, text another system wrote as English."""
    from integration.dashboard.deploy_checks import check_texts
    from integration.preflight import Check

    english = messages.catalog()["en"]
    codes, words = raw_codes(), english_words()
    names = {"lv": "Latvijas Tirdzniecības un rūpniecības kamera"}
    params = {
        "partner": "lv", "tab": "Kontakti", "env": "LV_WEBHOOK_SECRET", "where": "/srv/p.toml",
        "command": "echo", "number": 2, "total": 2, "host": "smtp.example:587", "user": "crm",
        "path": "/srv/key.json", "email": "sa@p.iam.example", "store": "sqlite /srv/crm.sqlite",
        "quoted": "HTTP 503 from Google", "head": "0018", "current": "0017",
        "spreadsheet": "1AbC", "setting": "leads_tab", "known": "Sheet1", "row": 2, "count": 5,
        "status": 535, "url": "https://crm.example",
    }  # fmt: skip
    subjects = {k.split(".")[1] for k in english if k.startswith("check_subject.")}
    details = {k.split(".")[1] for k in english if k.startswith("check.")}
    problems = []
    for locale in ("lv", "et", "fi"):
        for subject in subjects:
            for code in details:
                shown = " ".join(check_texts(Check(subject, False, code, params), locale, names))
                text = re.sub(r'<(code|span) lang="(zxx|en)">.*?</\1>', " ", shown)
                assert "<" not in text.replace("&lt;", ""), text
                problems += [
                    f"{locale} {subject}/{code}: {f}"
                    for f in findings(
                        text.replace("&lt;", "<").replace("&gt;", ">"), locale,
                        codes=codes, english=words, allowed=set(ALLOWED) | {"kontakti"},
                    )
                ]  # fmt: skip
    assert not problems, _report(problems)
