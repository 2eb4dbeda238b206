"""Status-cell texts the sync writes next to a row, in the partner's language.

Validation messages come from :func:`integration.validation.message_for`; these are
the sync's own states (duplicates, conflicts, erasures), which the vocabulary does
not cover. English is the fallback for any locale without a translation.
"""

from __future__ import annotations

from typing import Any

OK = "OK"

_TEXTS: dict[str, dict[str, str]] = {
    "duplicate": {
        "en": "Duplicate of {id} ({partner})",
        "lv": "Dublikāts: {id} ({partner})",
        "et": "Duplikaat: {id} ({partner})",
        "fi": "Kaksoiskappale: {id} ({partner})",
    },
    "merged": {
        "en": "Merged into {id}",
        "lv": "Apvienots ar {id}",
        "et": "Ühendatud kirjega {id}",
        "fi": "Yhdistetty tietueeseen {id}",
    },
    "dismissed": {
        "en": "Dismissed",
        "lv": "Noraidīts",
        "et": "Tagasi lükatud",
        "fi": "Hylätty",
    },
    "conflict": {
        "en": "Conflict: {fields} changed here and in the CRM; kept the {winner} value",
        "lv": "Konflikts: {fields} mainīts šeit un CRM; saglabāta {winner} vērtība",
        "et": "Konflikt: {fields} muudeti siin ja CRM-is; jäeti {winner} väärtus",
        "fi": "Ristiriita: {fields} muutettu täällä ja CRM:ssä; säilytettiin {winner} arvo",
    },
    "winner_sheet": {"en": "sheet", "lv": "tabulas", "et": "tabeli", "fi": "taulukon"},
    "winner_store": {"en": "CRM", "lv": "CRM", "et": "CRM-i", "fi": "CRM:n"},
    "erased": {
        "en": "Personal data erased on request (GDPR); not imported",
        "lv": "Personas dati dzēsti pēc pieprasījuma (VDAR); nav importēts",
        "et": "Isikuandmed kustutati taotluse alusel (IKÜM); ei imporditud",
        "fi": "Henkilötiedot poistettu pyynnöstä (GDPR); ei tuotu",
    },
    "archived": {
        "en": "Archived in the CRM",
        "lv": "Arhivēts CRM",
        "et": "CRM-is arhiveeritud",
        "fi": "Arkistoitu CRM:ssä",
    },
    "unknown_id": {
        "en": "CRM ID '{value}' is not known to the CRM; clear the cell to add this row as new",
        "lv": "CRM ID '{value}' CRM nav zināms; notīriet šūnu, lai pievienotu rindu kā jaunu",
        "et": "CRM ID '{value}' pole CRM-ile teada; uue reana lisamiseks tühjendage lahter",
        "fi": "CRM ID '{value}' ei ole CRM:n tiedossa; tyhjennä solu lisätäksesi rivin uutena",
    },
    "foreign": {
        "en": "{id} belongs to {partner}; changes made here are not applied",
        "lv": "{id} pieder {partner}; šeit veiktās izmaiņas netiek piemērotas",
        "et": "{id} kuulub partnerile {partner}; siin tehtud muudatusi ei rakendata",
        "fi": "{id} kuuluu kumppanille {partner}; täällä tehtyjä muutoksia ei viedä",
    },
    "owner": {
        "en": "{field}: this sheet is {partner}'s; only an admin moves a record elsewhere",
        "lv": "{field}: šī ir {partner} tabula; ierakstu citur pārvieto tikai administrators",
        "et": "{field}: see on partneri {partner} tabel; kirjet viib mujale ainult admin",
        "fi": "{field}: tämä on kumppanin {partner} taulukko; vain ylläpitäjä siirtää tietueen",
    },
    "ambiguous": {
        "en": "{field}: '{value}' matches more than one lead; write its CRM ID (e.g. L-000123).",
        "lv": "{field}: '{value}' atbilst vairākiem klientiem; ierakstiet CRM ID (L-000123).",
        "et": "{field}: '{value}' sobib mitme kontaktiga; kirjutage CRM ID (nt L-000123).",
        "fi": "{field}: '{value}' vastaa useampaa liidiä; kirjoita CRM ID (esim. L-000123).",
    },
}


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def text(code: str, locale: str, **params: Any) -> str:
    """The sync's own message ``code`` in ``locale`` (English when not translated)."""
    per_locale = _TEXTS[code]
    template = per_locale.get(locale) or per_locale["en"]
    return template.format_map(_Keep(params))


def conflict_text(fields: list[str], winner: str, locale: str) -> str:
    return text(
        "conflict",
        locale,
        fields=", ".join(fields),
        winner=text("winner_" + winner, locale),
    )


def join_issues(messages: list[str], limit: int = 1000) -> str:
    """Several problems in one cell, shortened so a cell never gets unwieldy."""
    out = " ".join(m if m.endswith((".", "!", "?")) else m + "." for m in messages)
    return out if len(out) <= limit else out[: limit - 1] + "…"
