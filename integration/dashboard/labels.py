"""Dashboard wording in English, Latvian, Estonian and Finnish.

The interface labels live in one table (:data:`LABELS`, key -> locale -> text);
field names and enum values (sectors, stages, statuses) come from the project
vocabulary (``integration/data/vocabulary.json``), the same words partners use in
their sheets. A missing translation falls back to English, so a new label is
never blank.
"""

from __future__ import annotations

from functools import cache
from typing import Any

LOCALES = ("en", "lv", "et", "fi")
LOCALE_NAMES = {"en": "English", "lv": "Latviešu", "et": "Eesti", "fi": "Suomi"}

LABELS: dict[str, dict[str, str]] = {
    "app_title": {"en": "LEF CRM", "lv": "LEF CRM", "et": "LEF CRM", "fi": "LEF CRM"},
    "overview": {"en": "Overview", "lv": "Pārskats", "et": "Ülevaade", "fi": "Yleiskatsaus"},
    "sync_health": {
        "en": "Sync health",
        "lv": "Sinhronizācija",
        "et": "Sünkroonimine",
        "fi": "Synkronointi",
    },
    "needs_fixing": {
        "en": "Needs fixing",
        "lv": "Jālabo",
        "et": "Vajab parandamist",
        "fi": "Korjattavat",
    },
    "leads": {"en": "Leads", "lv": "Kontakti", "et": "Kontaktid", "fi": "Liidit"},
    "agreements": {"en": "Agreements", "lv": "Līgumi", "et": "Lepingud", "fi": "Sopimukset"},
    "sign_in": {"en": "Sign in", "lv": "Pieteikties", "et": "Logi sisse", "fi": "Kirjaudu"},
    "sign_out": {"en": "Sign out", "lv": "Iziet", "et": "Logi välja", "fi": "Kirjaudu ulos"},
    "token": {
        "en": "Access token",
        "lv": "Piekļuves atslēga",
        "et": "Juurdepääsuvõti",
        "fi": "Käyttöavain",
    },
    "token_help": {
        "en": "Paste the access token you were given for this service.",
        "lv": "Ielīmējiet šim pakalpojumam izsniegto piekļuves atslēgu.",
        "et": "Kleepige selle teenuse jaoks antud juurdepääsuvõti.",
        "fi": "Liitä tätä palvelua varten saamasi käyttöavain.",
    },
    "bad_token": {
        "en": "That token is not valid or has been revoked.",
        "lv": "Šī atslēga nav derīga vai ir atsaukta.",
        "et": "See võti ei kehti või on tühistatud.",
        "fi": "Avain ei kelpaa tai se on peruttu.",
    },
    "signed_in_as": {
        "en": "Signed in as",
        "lv": "Pieteicies kā",
        "et": "Sisse logitud",
        "fi": "Kirjautunut",
    },
    "all_partners": {
        "en": "All partners",
        "lv": "Visi partneri",
        "et": "Kõik partnerid",
        "fi": "Kaikki kumppanit",
    },
    "partner": {"en": "Partner", "lv": "Partneris", "et": "Partner", "fi": "Kumppani"},
    "language": {"en": "Language", "lv": "Valoda", "et": "Keel", "fi": "Kieli"},
    "signed_agreements": {
        "en": "Signed agreements",
        "lv": "Parakstītie līgumi",
        "et": "Allkirjastatud lepingud",
        "fi": "Allekirjoitetut sopimukset",
    },
    "of_target": {"en": "of target", "lv": "no mērķa", "et": "eesmärgist", "fi": "tavoitteesta"},
    "expected_pace": {
        "en": "Expected by now at an even pace",
        "lv": "Gaidāmais līdz šim (vienmērīgā tempā)",
        "et": "Ühtlase tempo korral praeguseks",
        "fi": "Tasaisella tahdilla tähän mennessä",
    },
    "target": {"en": "Target", "lv": "Mērķis", "et": "Eesmärk", "fi": "Tavoite"},
    "total_value": {
        "en": "Total value",
        "lv": "Kopējā vērtība",
        "et": "Koguväärtus",
        "fi": "Kokonaisarvo",
    },
    "project_window": {
        "en": "Project window",
        "lv": "Projekta periods",
        "et": "Projekti periood",
        "fi": "Hankkeen kausi",
    },
    "project_end": {
        "en": "Project end",
        "lv": "Projekta beigas",
        "et": "Projekti lõpp",
        "fi": "Hanke päättyy",
    },
    "cumulative_by_month": {
        "en": "Signed agreements, cumulative by month",
        "lv": "Parakstītie līgumi pa mēnešiem (kumulatīvi)",
        "et": "Allkirjastatud lepingud kuude kaupa (kumulatiivne)",
        "fi": "Allekirjoitetut sopimukset kuukausittain (kumulatiivinen)",
    },
    "by_partner": {
        "en": "By partner",
        "lv": "Pa partneriem",
        "et": "Partnerite kaupa",
        "fi": "Kumppaneittain",
    },
    "by_sector": {
        "en": "By sector",
        "lv": "Pa nozarēm",
        "et": "Sektorite kaupa",
        "fi": "Toimialoittain",
    },
    "by_buyer_country": {
        "en": "By buyer country",
        "lv": "Pa pircēja valstīm",
        "et": "Ostja riigi kaupa",
        "fi": "Ostajan maan mukaan",
    },
    "pipeline": {
        "en": "Lead pipeline by stage",
        "lv": "Kontakti pa posmiem",
        "et": "Kontaktid etapi kaupa",
        "fi": "Liidit vaiheittain",
    },
    "recent_activity": {
        "en": "Recent activity",
        "lv": "Pēdējās izmaiņas",
        "et": "Viimased muudatused",
        "fi": "Viimeisimmät muutokset",
    },
    "count": {"en": "Count", "lv": "Skaits", "et": "Arv", "fi": "Määrä"},
    "value": {"en": "Value", "lv": "Vērtība", "et": "Väärtus", "fi": "Arvo"},
    "none_yet": {
        "en": "Nothing yet.",
        "lv": "Vēl nekā nav.",
        "et": "Veel pole midagi.",
        "fi": "Ei vielä mitään.",
    },
    "when": {"en": "When", "lv": "Kad", "et": "Millal", "fi": "Milloin"},
    "push_channel": {
        "en": "Drive push channel",
        "lv": "Drive paziņojumu kanāls",
        "et": "Drive'i teavituskanal",
        "fi": "Driven ilmoituskanava",
    },
    "push_none": {
        "en": "No push channel: edits arrive by the modifiedTime poll.",
        "lv": "Nav paziņojumu kanāla: izmaiņas ienāk ar modifiedTime pārbaudi.",
        "et": "Teavituskanalit pole: muudatused tulevad modifiedTime kontrolliga.",
        "fi": "Ei ilmoituskanavaa: muutokset tulevat modifiedTime-kyselyllä.",
    },
    "expires": {"en": "Expires", "lv": "Beidzas", "et": "Aegub", "fi": "Vanhenee"},
    "messages": {"en": "Messages", "lv": "Ziņojumi", "et": "Teated", "fi": "Viestit"},
    "channel_events": {
        "en": "Channel history",
        "lv": "Kanāla vēsture",
        "et": "Kanali ajalugu",
        "fi": "Kanavan historia",
    },
    "channel_alert": {
        "en": "Attention",
        "lv": "Uzmanību",
        "et": "Tähelepanu",
        "fi": "Huomio",
    },
    "record": {"en": "Record", "lv": "Ieraksts", "et": "Kirje", "fi": "Tietue"},
    "action": {"en": "Action", "lv": "Darbība", "et": "Toiming", "fi": "Toiminto"},
    "source": {"en": "Source", "lv": "Avots", "et": "Allikas", "fi": "Lähde"},
    "changes": {"en": "Changes", "lv": "Izmaiņas", "et": "Muudatused", "fi": "Muutokset"},
    "tab": {"en": "Tab", "lv": "Lapa", "et": "Leht", "fi": "Välilehti"},
    "last_run": {
        "en": "Last run",
        "lv": "Pēdējā reize",
        "et": "Viimane käivitus",
        "fi": "Viimeisin ajo",
    },
    "trigger": {"en": "Trigger", "lv": "Iemesls", "et": "Käivitaja", "fi": "Käynnistäjä"},
    "outcome": {"en": "Outcome", "lv": "Rezultāts", "et": "Tulemus", "fi": "Tulos"},
    "rows": {"en": "Rows", "lv": "Rindas", "et": "Read", "fi": "Rivit"},
    "cells_written": {
        "en": "Cells written",
        "lv": "Ierakstītās šūnas",
        "et": "Kirjutatud lahtrid",
        "fi": "Kirjoitetut solut",
    },
    "api_calls": {
        "en": "API calls",
        "lv": "API izsaukumi",
        "et": "API päringud",
        "fi": "API-kutsut",
    },
    "duration": {"en": "Duration", "lv": "Ilgums", "et": "Kestus", "fi": "Kesto"},
    "next_run": {
        "en": "Next scheduled run",
        "lv": "Nākamā plānotā reize",
        "et": "Järgmine plaaniline käivitus",
        "fi": "Seuraava ajastettu ajo",
    },
    "never": {"en": "Never", "lv": "Nekad", "et": "Mitte kunagi", "fi": "Ei koskaan"},
    "sync_now": {
        "en": "Sync now",
        "lv": "Sinhronizēt tagad",
        "et": "Sünkrooni kohe",
        "fi": "Synkronoi nyt",
    },
    "sync_requested": {
        "en": "Sync requested; it starts within a minute or two.",
        "lv": "Sinhronizācija pieprasīta; tā sāksies pēc minūtes vai divām.",
        "et": "Sünkroonimine on tellitud; see algab minuti-paari jooksul.",
        "fi": "Synkronointi pyydetty; se alkaa parin minuutin kuluessa.",
    },
    "pending_request": {
        "en": "Sync requested, waiting",
        "lv": "Pieprasīta, gaida",
        "et": "Tellitud, ootel",
        "fi": "Pyydetty, odottaa",
    },
    "history": {
        "en": "Recent runs",
        "lv": "Pēdējās reizes",
        "et": "Viimased käivitused",
        "fi": "Viimeisimmät ajot",
    },
    "history_chart": {
        "en": "Cells written per run (latest runs, oldest first)",
        "lv": "Ierakstītās šūnas katrā reizē (vecākās pirmās)",
        "et": "Kirjutatud lahtrid käivituse kohta (vanimad eespool)",
        "fi": "Kirjoitetut solut ajoittain (vanhimmat ensin)",
    },
    "open_sheet": {
        "en": "Open sheet",
        "lv": "Atvērt tabulu",
        "et": "Ava tabel",
        "fi": "Avaa taulukko",
    },
    "quarantined_rows": {
        "en": "Rows that could not be applied",
        "lv": "Rindas, kuras neizdevās pieņemt",
        "et": "Read, mida ei saanud rakendada",
        "fi": "Rivit, joita ei voitu käsitellä",
    },
    "open_conflicts": {
        "en": "Conflicting edits",
        "lv": "Pretrunīgi labojumi",
        "et": "Vastuolulised muudatused",
        "fi": "Ristiriitaiset muutokset",
    },
    "row": {"en": "Row", "lv": "Rinda", "et": "Rida", "fi": "Rivi"},
    "problems": {"en": "Problems", "lv": "Problēmas", "et": "Probleemid", "fi": "Ongelmat"},
    "replay": {
        "en": "Retry after fix",
        "lv": "Mēģināt vēlreiz",
        "et": "Proovi uuesti",
        "fi": "Yritä uudelleen",
    },
    "fix_and_retry": {
        "en": "Correct and retry",
        "lv": "Labot un mēģināt vēlreiz",
        "et": "Paranda ja proovi uuesti",
        "fi": "Korjaa ja yritä uudelleen",
    },
    "dismiss": {"en": "Dismiss", "lv": "Noraidīt", "et": "Loobu", "fi": "Hylkää"},
    "merge": {
        "en": "Merge into",
        "lv": "Apvienot ar",
        "et": "Ühenda kirjega",
        "fi": "Yhdistä tietueeseen",
    },
    "duplicate_of": {
        "en": "Duplicate of",
        "lv": "Dublikāts",
        "et": "Duplikaat",
        "fi": "Kaksoiskappale",
    },
    "field": {"en": "Field", "lv": "Lauks", "et": "Väli", "fi": "Kenttä"},
    "sheet_value": {"en": "In the sheet", "lv": "Tabulā", "et": "Tabelis", "fi": "Taulukossa"},
    "store_value": {"en": "In the CRM", "lv": "CRM", "et": "CRM-is", "fi": "CRM:ssä"},
    "kept": {
        "en": "Kept now",
        "lv": "Pašlaik saglabāts",
        "et": "Praegu kehtib",
        "fi": "Nyt voimassa",
    },
    "keep_sheet": {
        "en": "Keep sheet value",
        "lv": "Paturēt tabulas vērtību",
        "et": "Jäta tabeli väärtus",
        "fi": "Pidä taulukon arvo",
    },
    "keep_store": {
        "en": "Keep CRM value",
        "lv": "Paturēt CRM vērtību",
        "et": "Jäta CRM-i väärtus",
        "fi": "Pidä CRM:n arvo",
    },
    "nothing_to_fix": {
        "en": "Nothing needs fixing.",
        "lv": "Nekas nav jālabo.",
        "et": "Midagi pole vaja parandada.",
        "fi": "Ei korjattavaa.",
    },
    "search": {"en": "Search", "lv": "Meklēt", "et": "Otsi", "fi": "Hae"},
    "filter": {"en": "Apply filters", "lv": "Filtrēt", "et": "Filtreeri", "fi": "Suodata"},
    "clear": {"en": "Clear", "lv": "Notīrīt", "et": "Tühjenda", "fi": "Tyhjennä"},
    "any": {"en": "Any", "lv": "Jebkurš", "et": "Kõik", "fi": "Kaikki"},
    "export_csv": {
        "en": "Export CSV",
        "lv": "Eksportēt CSV",
        "et": "Ekspordi CSV",
        "fi": "Vie CSV",
    },
    "results": {"en": "results", "lv": "rezultāti", "et": "tulemust", "fi": "tulosta"},
    "page": {"en": "Page", "lv": "Lapa", "et": "Leht", "fi": "Sivu"},
    "previous": {"en": "Previous", "lv": "Iepriekšējā", "et": "Eelmine", "fi": "Edellinen"},
    "next": {"en": "Next", "lv": "Nākamā", "et": "Järgmine", "fi": "Seuraava"},
    "no_results": {
        "en": "No matching records.",
        "lv": "Nav atbilstošu ierakstu.",
        "et": "Sobivaid kirjeid pole.",
        "fi": "Ei hakua vastaavia tietueita.",
    },
    "history_of_record": {"en": "History", "lv": "Vēsture", "et": "Ajalugu", "fi": "Historia"},
    "archived": {"en": "Archived", "lv": "Arhivēts", "et": "Arhiveeritud", "fi": "Arkistoitu"},
    "include_archived": {
        "en": "Include archived",
        "lv": "Ar arhivētajiem",
        "et": "Koos arhiveeritutega",
        "fi": "Myös arkistoidut",
    },
    "signed_from": {
        "en": "Signed from",
        "lv": "Parakstīts no",
        "et": "Allkirjastatud alates",
        "fi": "Allekirjoitettu alkaen",
    },
    "signed_to": {
        "en": "Signed until",
        "lv": "Parakstīts līdz",
        "et": "Allkirjastatud kuni",
        "fi": "Allekirjoitettu asti",
    },
    "seller": {"en": "Seller", "lv": "Pārdevējs", "et": "Müüja", "fi": "Myyjä"},
    "buyer": {"en": "Buyer", "lv": "Pircējs", "et": "Ostja", "fi": "Ostaja"},
    "updated": {"en": "Updated", "lv": "Atjaunots", "et": "Uuendatud", "fi": "Päivitetty"},
    "created": {"en": "Created", "lv": "Izveidots", "et": "Loodud", "fi": "Luotu"},
    "skip_to_content": {
        "en": "Skip to content",
        "lv": "Pāriet uz saturu",
        "et": "Mine sisu juurde",
        "fi": "Siirry sisältöön",
    },
    "main_nav": {"en": "Main", "lv": "Galvenā", "et": "Peamenüü", "fi": "Päävalikko"},
    "done": {"en": "Done.", "lv": "Izdarīts.", "et": "Tehtud.", "fi": "Valmis."},
    "not_found": {"en": "Not found", "lv": "Nav atrasts", "et": "Ei leitud", "fi": "Ei löytynyt"},
    "forbidden": {
        "en": "Not allowed",
        "lv": "Nav atļauts",
        "et": "Pole lubatud",
        "fi": "Ei sallittu",
    },
    "bad_request": {
        "en": "That request could not be used",
        "lv": "Pieprasījumu nevarēja izpildīt",
        "et": "Päringut ei saanud täita",
        "fi": "Pyyntöä ei voitu käsitellä",
    },
    "form_expired": {
        "en": "The form had expired; please try again.",
        "lv": "Veidlapa bija novecojusi; lūdzu, mēģiniet vēlreiz.",
        "et": "Vorm oli aegunud; palun proovige uuesti.",
        "fi": "Lomake oli vanhentunut; yritä uudelleen.",
    },
    "back_to_overview": {
        "en": "Back to the overview",
        "lv": "Atpakaļ uz pārskatu",
        "et": "Tagasi ülevaatesse",
        "fi": "Takaisin yleiskatsaukseen",
    },
    "status": {"en": "Status", "lv": "Statuss", "et": "Olek", "fi": "Tila"},
    "sort_by": {"en": "Sort by", "lv": "Kārtot pēc", "et": "Sorteeri", "fi": "Lajittele"},
    "months": {"en": "Month", "lv": "Mēnesis", "et": "Kuu", "fi": "Kuukausi"},
    "cumulative": {"en": "Cumulative", "lv": "Kopā", "et": "Kokku", "fi": "Kertymä"},
    "data_table": {
        "en": "Chart data",
        "lv": "Diagrammas dati",
        "et": "Diagrammi andmed",
        "fi": "Kaavion tiedot",
    },
    "kind": {"en": "Kind", "lv": "Veids", "et": "Liik", "fi": "Laji"},
    "lead": {"en": "Lead", "lv": "Kontakts", "et": "Kontakt", "fi": "Liidi"},
    "agreement": {"en": "Agreement", "lv": "Līgums", "et": "Leping", "fi": "Sopimus"},
    "total": {"en": "Total", "lv": "Kopā", "et": "Kokku", "fi": "Yhteensä"},
    "error": {"en": "Error", "lv": "Kļūda", "et": "Viga", "fi": "Virhe"},
    "raw_row": {
        "en": "Row as typed",
        "lv": "Rinda, kā ievadīta",
        "et": "Rida sisestatud kujul",
        "fi": "Rivi kirjoitettuna",
    },
}


#: Audit-log actions (AuditEntry.action) in the reader's words.
ACTIONS: dict[str, dict[str, str]] = {
    "create": {"en": "created", "lv": "izveidots", "et": "loodud", "fi": "luotu"},
    "update": {"en": "changed", "lv": "mainīts", "et": "muudetud", "fi": "muutettu"},
    "archive": {"en": "archived", "lv": "arhivēts", "et": "arhiveeritud", "fi": "arkistoitu"},
    "restore": {"en": "restored", "lv": "atjaunots", "et": "taastatud", "fi": "palautettu"},
    "erase": {
        "en": "erased (GDPR)",
        "lv": "dzēsts (VDAR)",
        "et": "kustutatud (IKÜM)",
        "fi": "poistettu (GDPR)",
    },
    "merge": {"en": "merged", "lv": "apvienots", "et": "ühendatud", "fi": "yhdistetty"},
}


def action_label(action: str, locale: str = "en") -> str:
    entry = ACTIONS.get(action)
    return (entry.get(locale) or entry["en"]) if entry else action


def label(key: str, locale: str = "en") -> str:
    """The interface text for ``key`` in ``locale`` (English when untranslated)."""
    entry = LABELS.get(key)
    if entry is None:
        return key.replace("_", " ").capitalize()
    return entry.get(locale) or entry["en"]


@cache
def _vocabulary() -> dict[str, Any]:
    try:
        from integration.vocabulary import vocabulary
    except ImportError:  # pragma: no cover - the validation layer always ships
        return {}
    return vocabulary()


def field_label(kind: str, field: str, locale: str = "en") -> str:
    """A record field's name as partners write it in their sheet headers."""
    headers = _vocabulary().get("headers", {}).get(kind, {})
    per_locale = headers.get(field) or headers.get(field.removesuffix("_id")) or {}
    words = per_locale.get(locale) or per_locale.get("en")
    if words:
        return words[0]
    return field.replace("_", " ").capitalize()


def value_label(field: str, value: Any, locale: str = "en") -> str:
    """An enum value (sector, stage, status, ...) in the reader's words."""
    if value is None or value == "":
        return ""
    per_value = _vocabulary().get("labels", {}).get(field, {}).get(str(value))
    if per_value:
        words = per_value.get(locale) or per_value.get("en")
        if words:
            return words[0]
    return str(value).replace("_", " ")


def country_label(code: str | None, locale: str = "en") -> str:
    """A country's name in ``locale`` (the code itself when unknown)."""
    if not code:
        return ""
    names = _vocabulary().get("countries", {}).get(code.upper())
    if names:
        words = names.get(locale) or names.get("en")
        if words:
            return words[0]
    return code
