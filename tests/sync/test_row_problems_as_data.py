"""The problems the planner finds in a row are stored as data (field, code,
params, template), never as a sentence: each reader reads them in their own
language, and naming a new record's id changes a parameter, not a text."""

from __future__ import annotations

import pytest
from test_plan_rules import lid, plan, rec, row, state

from integration.issues import render
from integration.legacy_problems import read_back
from integration.review import ReviewError, plan_merge
from integration.sync.apply import bind_ids


def _stored(error: dict) -> dict:
    assert "message" not in error and "messages" not in error
    return error


def test_a_row_naming_another_partners_record_is_stored_as_data_and_read_in_any_language() -> None:
    p = plan([row(1, notes="taken over")], state([rec(1, owner="ee")], synced=False))
    [item] = p.quarantine
    error = _stored(item.errors[0])
    assert error == {
        "field": "id",
        "code": "owner",
        "params": {"id": lid(1), "partner": "ee"},
        "template": "sync.foreign",
    }
    assert (
        render(error, "en", "lead") == f"{lid(1)} belongs to EE; changes made here are not applied"
    )
    assert (
        render(error, "lv", "lead")
        == f"{lid(1)} pieder EE; šeit veiktās izmaiņas netiek piemērotas"
    )


def test_an_unknown_crm_id_is_stored_as_data_and_read_in_any_language() -> None:
    p = plan([row(5, id="see row 4")], state(issued_max=99))
    [item] = p.quarantine
    error = _stored(item.errors[0])
    assert error["code"] == "reference" and error["params"] == {"value": "see row 4"}
    assert render(error, "fi", "lead").startswith("CRM ID 'see row 4' ei ole CRM:n tiedossa")


def test_a_duplicate_of_a_new_row_names_the_id_it_is_given() -> None:
    twice = [row(5, id=None), row(5, id=None, company_name="Again", email="F5@x.lv ")]
    bound = bind_ids(plan(twice, state()), ["L-000042"])
    [item] = bound.quarantine
    error = _stored(item.errors[0])
    assert item.duplicate_of == "L-000042" and error["params"]["id"] == "L-000042"
    assert render(error, "en", "lead") == "Duplicate of L-000042 (LV)"
    assert "L-000042" in render(error, "et", "lead")


@pytest.mark.parametrize(
    ("error", "params", "template"),
    [
        (
            {
                "field": "id",
                "code": "owner",
                "message": "L-000001 pieder EE; šeit veiktās izmaiņas netiek piemērotas",
            },
            {"id": "L-000001", "partner": "ee"},
            "sync.foreign",
        ),
        (
            {
                "field": "id",
                "code": "reference",
                "message": "CRM ID 'x1' is not known to the CRM; clear the cell to add "
                "this row as new",
            },
            {"value": "x1"},
            "sync.unknown_id",
        ),
        (
            {
                "field": "",
                "code": "erased",
                "message": "The values were not kept: they identify a person who asked "
                "to be erased (GDPR).",
            },
            {},
            None,
        ),
    ],
)
def test_problems_stored_as_sentences_read_back_as_data(error, params, template) -> None:  # type: ignore[no-untyped-def]
    data = read_back(error, "lead")
    assert data is not None and data["params"] == params and data.get("template") == template


def test_a_merge_choice_for_a_field_that_does_not_differ_is_data_read_in_the_readers_language() -> (
    None
):
    with pytest.raises(ReviewError) as refused:
        plan_merge(
            {"company_name": "A", "email": "a@x.lv"}, {"company_name": "B"}, {"email": "entry"}
        )
    [error] = refused.value.errors
    assert _stored(error) == {"field": "choose.email", "code": "choice", "params": {}}
    assert render(error, "en", "lead") == "not a differing field"
    assert render(error, "lv", "lead") == "šajā laukā vērtības neatšķiras"
