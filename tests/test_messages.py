"""The message catalog: every language has every text (or falls back to English),
placeholders agree across languages, and a new language is one file of texts."""

from __future__ import annotations

import ast
import json
import re
from importlib import resources
from pathlib import Path

import pytest

from integration import messages
from integration.dashboard.ui_text import action_label, label
from integration.issues import CODES, message_for, render
from integration.sync import messages as sync_messages

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
ENGLISH = messages.catalog()["en"]
PACKAGE = Path(__file__).resolve().parents[1] / "integration"


def test_locales_are_the_catalog_files_english_first() -> None:
    files = sorted(p.stem for p in (PACKAGE / "messages").glob("*.json"))
    assert messages.LOCALES[0] == "en"
    assert sorted(messages.LOCALES) == files
    assert {"en", "lv", "et", "fi"} <= set(messages.LOCALES)
    assert messages.LOCALE_NAMES["lv"] == "Latviešu"
    assert messages.NUMBER_FORMATS["fi"] == "fi_FI"


@pytest.mark.parametrize("locale", messages.LOCALES)
@pytest.mark.parametrize("key", sorted(ENGLISH))
def test_every_shipped_locale_has_every_text_with_the_same_placeholders(
    locale: str, key: str
) -> None:
    own = messages.catalog()[locale].get(key)
    assert own, f"{locale} has no text for {key}"
    assert set(_PLACEHOLDER.findall(own)) == set(_PLACEHOLDER.findall(ENGLISH[key]))
    assert messages.text(key, locale) == own.format_map(
        {name: "{" + name + "}" for name in _PLACEHOLDER.findall(own)}
    )


@pytest.mark.parametrize("locale", messages.LOCALES)
def test_no_locale_has_a_text_english_lacks(locale: str) -> None:
    """English is the fallback, so a key only another language has could not fall back
    (a plural form only some languages have, Latvian ``zero``, falls back to ``other``)."""
    assert {_base(key) for key in messages.catalog()[locale]} <= {_base(k) for k in ENGLISH}


def _base(key: str) -> str:
    """``ui.results.one`` -> ``ui.results``: a text with plural forms is one text."""
    head = key.rpartition(".")[0]
    return head if head in messages.plural_texts() else key


PLURALS = sorted({_base(k) for k in ENGLISH if _base(k) != k})


def test_a_table_of_words_with_an_other_among_them_is_not_a_plural_text() -> None:
    # event kinds are words (b2b_forum, ..., other), not the forms of one text
    assert "report.event_kind" not in messages.plural_texts()
    assert "ui.results" in messages.plural_texts()
    assert messages.text("report.event_kind.other", "lv") == "Cits"


SAMPLES = {
    "field": "Uzņēmums",
    "value": "x",
    "id": "L-000011",
    "partner": "EE",
    "key": "E-pasts",
    "country": "Latvija",
    "allowed": "IKT, Cits",
    "expected": "skaitlim",
    "limit": 200,
    "row": 3,
}


@pytest.mark.parametrize("locale", messages.LOCALES)
@pytest.mark.parametrize("count", [1, 2, 5, 21])
def test_every_message_renders_in_every_language_with_sample_parameters(
    locale: str, count: int
) -> None:
    for key in sorted({_base(k) for k in ENGLISH}):
        names = {n for k, t in ENGLISH.items() if _base(k) == key for n in _PLACEHOLDER.findall(t)}
        params = {name: SAMPLES.get(name, f"<{name}>") for name in names}
        shown = messages.text(key, locale, **{**params, "count": count})
        assert shown and not _PLACEHOLDER.search(shown), (key, shown)


@pytest.mark.parametrize("locale", messages.LOCALES)
@pytest.mark.parametrize("key", PLURALS)
def test_plural_texts_have_exactly_the_forms_babels_rules_name(locale: str, key: str) -> None:
    from babel import Locale

    forms = {k.rpartition(".")[2] for k in messages.catalog()[locale] if _base(k) == key}
    assert forms == set(Locale.parse(locale).plural_form.tags) | {"other"}


def test_counts_take_the_grammatical_form_of_their_language() -> None:
    def results(locale: str, n: int) -> str:
        return f"{n} {label('results', locale, count=n)}"

    assert [results("lv", n) for n in (1, 2, 5, 21, 11)] == [
        "1 rezultāts",
        "2 rezultāti",
        "5 rezultāti",
        "21 rezultāts",
        "11 rezultātu",
    ]
    assert [results("en", n) for n in (1, 2)] == ["1 result", "2 results"]
    assert results("fi", 1) == "1 tulos" and results("et", 5) == "5 tulemust"
    assert results("de", 1) == "1 result"  # an unknown language reads English


def test_a_type_problem_reads_grammatically() -> None:
    error = {"field": "value", "code": "type", "params": {"value": "abc", "expected": "number"}}
    assert render(error, "lv", "agreement").endswith("'abc' jābūt skaitlim.")
    assert render(error, "en", "agreement").endswith("'abc' should be a number.")


#: Each concept's one word per language (its stem), and the words it must not use.
CONCEPTS = {
    "lead": {
        "en": ("lead", ()),
        "lv": ("kontakt", ("klient",)),
        "et": ("kontakt", ("klient",)),
        "fi": ("liidi", ("asiaka",)),
    },
}
CONCEPT_KEYS = {"lead": ("ui.lead", "ui.leads", "validation.reference", "validation.party")}


@pytest.mark.parametrize("locale", ["en", "lv", "et", "fi"])
@pytest.mark.parametrize("concept", sorted(CONCEPTS))
def test_one_word_per_concept_in_each_language(concept: str, locale: str) -> None:
    stem, others = CONCEPTS[concept][locale]
    texts = messages.catalog()[locale]
    for key in CONCEPT_KEYS[concept]:
        assert stem in texts[key].lower(), (key, texts[key])
    for key, value in texts.items():
        for other in others:
            assert other not in value.lower(), (key, value)


def test_a_new_locale_with_one_text_uses_it_and_falls_back_to_english_for_the_rest(
    tmp_path: Path,
) -> None:
    shipped = resources.files("integration.messages")
    (tmp_path / "en.json").write_text(shipped.joinpath("en.json").read_text("utf-8"), "utf-8")
    (tmp_path / "lt.json").write_text(
        json.dumps({"language": {"name": "Lietuvių"}, "ui": {"sign_in": "Prisijungti"}}),
        "utf-8",
    )
    texts = messages.read_catalog(tmp_path)
    assert list(texts) == ["en", "lt"]
    assert messages.lookup("ui.sign_in", "lt", texts) == "Prisijungti"
    assert messages.lookup("language.name", "lt", texts) == "Lietuvių"
    for key, english in ENGLISH.items():
        if key not in ("ui.sign_in", "language.name"):
            assert messages.lookup(key, "lt", texts) == english, key


def test_an_unknown_locale_reads_english_and_an_unknown_key_is_an_error() -> None:
    assert messages.text("ui.sign_in", "de") == "Sign in"
    assert messages.text("sync.merged", "en", id="L-000001") == "Merged into L-000001"
    assert messages.text("sync.merged", "lv") == "Apvienots ar {id}"
    with pytest.raises(KeyError):
        messages.text("ui.no_such_label", "en")
    with pytest.raises(ValueError, match=r"en\.json"):
        messages.load_catalog({"lv": "{}"})


@pytest.mark.parametrize("code", CODES)
def test_every_validation_code_has_a_message(code: str) -> None:
    assert messages.known("validation." + code)


def test_message_for_fills_params_and_falls_back_to_english() -> None:
    assert message_for("required", "lv", field="Uzņēmums") == "Uzņēmums: vērtība ir obligāta."
    assert message_for("required", "de", field="Company") == "Company: a value is required."
    long = message_for("email", "en", field="E-mail", value="x" * 500)
    assert len(long) < 200 and "…" in long
    # A missing parameter stays visible rather than raising.
    assert "{field}" in message_for("required", "fi")
    # An unknown code still produces a readable message.
    assert "zzz" in message_for("no-such-code", "et", field="Väli", value="zzz")


def test_sync_status_texts_come_from_the_catalog() -> None:
    assert sync_messages.text("dismissed", "fi") == "Hylätty"
    assert sync_messages.conflict_text(["E-pasts"], "store", "lv") == (
        "Konflikts: E-pasts mainīts šeit un CRM; saglabāta CRM vērtība"
    )


def test_dashboard_labels_come_from_the_catalog() -> None:
    assert label("sign_in", "et") == "Logi sisse"
    assert label("no_such_label") == "No such label"
    assert action_label("erase", "lv") == "dzēsts (VDAR)"
    assert action_label("something-new", "fi") == "something-new"


def _used_label_keys() -> set[str]:
    """Keys the templates (``t('...')``) and the dashboard code (``label("...")``) ask for."""
    keys: set[str] = set()
    for template in (PACKAGE / "templates").rglob("*.html"):
        keys |= set(re.findall(r"\bt\(['\"](\w+)['\"][,)]", template.read_text("utf-8")))
    for module in (PACKAGE / "dashboard").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text("utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "label"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                keys.add(node.args[0].value)
    return keys


def test_every_label_the_dashboard_uses_is_in_the_catalog() -> None:
    used = _used_label_keys()
    assert len(used) > 50
    assert sorted(k for k in used if not messages.known("ui." + k)) == []
