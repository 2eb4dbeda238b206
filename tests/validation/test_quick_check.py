"""The validator's fast path (:func:`quick_check`) passes only records the
validator finds no error in: checked against the validator on valid leads and on
each field broken in each way the schema can refuse it."""

from __future__ import annotations

import random
from typing import Any

from integration.validation import validate_record
from integration.validation.validators import quick_check, validator_for

from .test_records import GOOD_LEAD

GOOD: dict[str, Any] = {
    k: v for k, v in GOOD_LEAD.items() if k not in ("id", "created_at", "updated_at")
}
BAD_VALUES: list[Any] = [
    None,
    "",
    " ",
    "x" * 300,
    1,
    1.0,
    True,
    False,
    [],
    {},
    "L-1",
    "2025-13-45",
    "not an email",
    "+1",
    "ftp://x",
    "ZZ",
    "lv",
    "ee",
    "fi",
    "AZ",
    "=1+1",
    "00123",
]


def test_the_fast_path_never_passes_what_the_validator_refuses() -> None:
    partners = ("lv", "ee", "fi")
    quick = quick_check("lead", partners)
    assert quick is not None and quick(dict(GOOD))
    assert list(validator_for("lead", partners).iter_errors(GOOD)) == []
    rng = random.Random(7)
    validator = validator_for("lead", partners)
    records = []
    for name in [*GOOD, "id", "source", "event", "created_at", "unknown"]:
        for value in BAD_VALUES:
            records.append({**GOOD, name: value})
        records.append({k: v for k, v in GOOD.items() if k != name})
    for _ in range(2000):
        record = dict(GOOD)
        for name in rng.sample(sorted(GOOD), 3):
            record[name] = rng.choice([*BAD_VALUES, GOOD[name]])
        records.append(record)
    passed = 0
    for record in records:
        if quick(record):
            passed += 1
            assert list(validator.iter_errors(record)) == [], record
            assert validate_record("lead", record, partners=partners) == []
    assert passed > 10  # it does pass valid records


def test_a_schema_with_keywords_it_does_not_know_always_goes_to_the_validator() -> None:
    assert quick_check("agreement", ("lv",)) is None  # its if/then
