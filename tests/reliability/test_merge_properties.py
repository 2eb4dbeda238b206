"""Properties of the three-way field merge (integration.sync.merge), for random
bases and random edits on both sides, under every conflict policy.

The oracle is written from the design's rules, not from the code: a field changed
on one side only takes that side; changed on both sides to the same value is fine;
changed on both sides differently is a conflict reported with all three values.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from integration.sync.merge import POLICIES, merge_record

FIELDS = ["company_name", "email", "phone", "notes", "gdpr_consent", "value"]

# Values the store really holds: text, numbers, booleans, absent. True/1 and
# False/0 are deliberately in the same pool (a boolean is not the number 1).
VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", "a", "b", "Ā", "0", "1", "=1+1"]),
    st.booleans(),
    st.integers(min_value=-1, max_value=2),
    st.floats(min_value=0, max_value=2, allow_nan=False),
    st.text(max_size=4),
)

records = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=len(FIELDS))


def same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


@st.composite
def edited(draw: Any, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with a random subset of fields changed or cleared."""
    out = dict(base)
    for name in draw(st.lists(st.sampled_from(FIELDS), unique=True)):
        value = draw(VALUES)
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


@st.composite
def triples(draw: Any) -> tuple[dict[str, Any] | None, dict[str, Any], dict[str, Any]]:
    base = draw(records)
    sheet = draw(edited(base))
    store = draw(edited(base))
    if draw(st.booleans()) and draw(st.booleans()):  # sometimes: no base yet
        return None, sheet, store
    return base, sheet, store


POLICY = st.sampled_from(POLICIES)


@settings(max_examples=400, deadline=None)
@given(triples(), POLICY, st.booleans())
def test_non_conflicting_edits_are_kept_and_every_conflict_is_reported(
    t: tuple[Any, Any, Any], policy: str, sheet_newer: bool
) -> None:
    base, sheet, store = t
    result = merge_record(base, sheet, store, FIELDS, policy, sheet_newer=sheet_newer)
    reported = {c.field: c for c in result.conflicts}
    assert len(reported) == len(result.conflicts), "a field reported twice"
    for name in FIELDS:
        s, t_, m = sheet.get(name), store.get(name), result.merged[name]
        b = None if base is None else base.get(name)
        if same(s, t_):
            expect_conflict, expected = False, s
        elif base is None:
            expect_conflict = s is not None and t_ is not None
            expected = t_ if s is None else s if t_ is None else None
        elif same(s, b):
            expect_conflict, expected = False, t_  # only the store changed
        elif same(t_, b):
            expect_conflict, expected = False, s  # only the sheet changed
        else:
            expect_conflict, expected = True, None
        if expect_conflict:
            assert name in reported, (name, b, s, t_)
            c = reported[name]
            assert (same(c.sheet, s), same(c.store, t_)) == (True, True)
            assert c.base == b or (c.base is None and b is None)
            assert same(m, s if c.winner == "sheet" else t_)
            assert same(c.resolved, m)
            if policy == "sheet_wins":
                assert c.winner == "sheet"
            elif policy == "store_wins":
                assert c.winner == "store"
            else:
                assert c.winner == ("sheet" if sheet_newer else "store")
        else:
            assert name not in reported, (name, b, s, t_)
            assert same(m, expected), (name, b, s, t_, m)
        # what must be written is exactly what differs from each side
        assert (name in result.to_store) == (not same(m, t_))
        assert (name in result.to_sheet) == (not same(m, s))
        if name in result.to_store:
            assert same(result.to_store[name], m)
        if name in result.to_sheet:
            assert same(result.to_sheet[name], m)


@settings(max_examples=200, deadline=None)
@given(triples(), POLICY, st.booleans())
def test_merge_is_deterministic(t: tuple[Any, Any, Any], policy: str, newer: bool) -> None:
    base, sheet, store = t
    first = merge_record(base, sheet, store, FIELDS, policy, sheet_newer=newer)
    # same inputs, different dict insertion order and fresh copies
    again = merge_record(
        None if base is None else dict(reversed(list(base.items()))),
        dict(reversed(list(sheet.items()))),
        dict(store),
        list(FIELDS),
        policy,
        sheet_newer=newer,
    )
    assert first.merged == again.merged
    assert first.to_store == again.to_store and first.to_sheet == again.to_sheet
    assert first.conflicts == again.conflicts


@settings(max_examples=300, deadline=None)
@given(triples(), POLICY, st.booleans())
def test_merging_its_own_output_again_is_a_no_op(
    t: tuple[Any, Any, Any], policy: str, newer: bool
) -> None:
    base, sheet, store = t
    first = merge_record(base, sheet, store, FIELDS, policy, sheet_newer=newer)
    merged = {k: v for k, v in first.merged.items() if v is not None}
    # after a sync, sheet, store and base all hold the merged values
    second = merge_record(merged, merged, merged, FIELDS, policy, sheet_newer=newer)
    assert not second.changed and not second.conflicts
    assert second.merged == first.merged
    # applying the writes of the first merge to each side gives the same result
    new_sheet = {**sheet, **first.to_sheet}
    new_store = {**store, **first.to_store}
    third = merge_record(merged, new_sheet, new_store, FIELDS, policy, sheet_newer=newer)
    assert not third.changed and not third.conflicts


@settings(max_examples=200, deadline=None)
@given(records, POLICY)
def test_untouched_record_is_untouched(base: dict[str, Any], policy: str) -> None:
    result = merge_record(base, dict(base), dict(base), FIELDS, policy)
    assert not result.changed and not result.conflicts


def test_unknown_policy_is_a_clear_error() -> None:
    import pytest

    with pytest.raises(ValueError, match="unknown conflict policy"):
        merge_record({}, {}, {}, FIELDS, "last_writer")
