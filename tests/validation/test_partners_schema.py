"""schemas/partners.schema.json: the example file passes, each rule rejects a bad value."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import pytest

from integration.validation.validators import validator_for

EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"


def as_json(value: Any) -> Any:
    """TOML dates become ISO strings, as the configuration loader passes them."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


@pytest.fixture
def doc() -> dict[str, Any]:
    return as_json(tomllib.loads(EXAMPLE.read_text("utf-8")))


def problems(doc: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted(
        (".".join(str(p) for p in error.absolute_path), error.validator)
        for error in validator_for("partners").iter_errors(doc)
    )


def test_example_file_is_valid(doc: dict[str, Any]) -> None:
    assert problems(doc) == []
    assert [p["code"] for p in doc["partners"]] == ["lv", "ee", "fi"]


def test_optional_keys_are_accepted(doc: dict[str, Any]) -> None:
    doc["partners"][0]["typeform_fields"] = {"company": "company_name", "mail": "email"}
    doc["partners"][0]["spreadsheet_url"] = "https://docs.google.com/spreadsheets/d/abc/edit"
    doc["partners"].append({**doc["partners"][0], "code": "lt", "locale": "en"})
    doc["sync"] = {
        "mass_delete_share": 0.5,
        "mass_delete_min_rows": 0,
        "debounce_seconds": 0,
        "debounce_max_seconds": 60,
        "lease_seconds": 30,
    }
    assert problems(doc) == []
    del doc["sync"]
    assert problems(doc) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("partners", 0, "code"), "LV", ("partners.0.code", "pattern")),
        (("partners", 0, "code"), "lva", ("partners.0.code", "pattern")),
        (("partners", 0, "locale"), "LV", ("partners.0.locale", "pattern")),
        (("partners", 0, "conflict_policy"), "merge", ("partners.0.conflict_policy", "enum")),
        (("partners", 0, "sync_at"), "24:00", ("partners.0.sync_at", "pattern")),
        (("partners", 0, "sync_at"), "2:00", ("partners.0.sync_at", "pattern")),
        (("partners", 0, "country"), "Latvia", ("partners.0.country", "pattern")),
        (
            ("partners", 0, "webhook_secret_env"),
            "lv secret",
            ("partners.0.webhook_secret_env", "pattern"),
        ),
        (
            ("partners", 0, "spreadsheet_url"),
            "docs.google.com",
            ("partners.0.spreadsheet_url", "format"),
        ),
        (
            ("partners", 0, "typeform_fields"),
            {"ref": "Company Name"},
            ("partners.0.typeform_fields.ref", "pattern"),
        ),
        (("partners", 0, "sync_time"), "02:00", ("partners.0", "additionalProperties")),
        (("project", "agreement_target"), 0, ("project.agreement_target", "minimum")),
        (("project", "start"), "1.3.2023", ("project.start", "format")),
        (("sync", "mass_delete_share"), 1.5, ("sync.mass_delete_share", "maximum")),
        (("sync", "mass_delete_min_rows"), 2.5, ("sync.mass_delete_min_rows", "type")),
        (("sync", "debounce_seconds"), -1, ("sync.debounce_seconds", "minimum")),
        (("extra",), {}, ("", "additionalProperties")),
    ],
)
def test_each_rule_rejects_a_bad_value(
    doc: dict[str, Any], path: tuple[Any, ...], value: Any, expected: tuple[str, str]
) -> None:
    bad = copy.deepcopy(doc)
    target = bad
    for part in path[:-1]:
        target = target.setdefault(part, {}) if isinstance(part, str) else target[part]
    target[path[-1]] = value
    assert problems(bad) == [expected]


@pytest.mark.parametrize(
    "key",
    [
        "code",
        "name",
        "country",
        "locale",
        "timezone",
        "spreadsheet_id",
    ],
)
def test_partner_keys_are_required(doc: dict[str, Any], key: str) -> None:
    del doc["partners"][1][key]
    assert problems(doc) == [("partners.1", "required")]


@pytest.mark.parametrize(
    "key", ["leads_tab", "agreements_tab", "sync_at", "conflict_policy", "webhook_secret_env"]
)
def test_partner_keys_with_defaults_may_be_left_out(doc: dict[str, Any], key: str) -> None:
    del doc["partners"][1][key]
    assert problems(doc) == []


def test_project_and_partners_are_required(doc: dict[str, Any]) -> None:
    assert problems({"project": doc["project"]}) == [("", "required")]
    assert problems({**doc, "partners": []}) == [("partners", "minItems")]
