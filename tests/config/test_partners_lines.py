"""Partners-file text the service writes reads back through ``tomllib`` exactly as
typed: any header (quotes, backslashes, line breaks, control characters) quoted as
a key or a value, and the ``[partners.columns]`` lines the sync health page
suggests land in the partner's entry as header -> field."""

from __future__ import annotations

import tomllib

from hypothesis import given
from hypothesis import strategies as st

from integration.partners_lines import column_mapping, toml_string

# Every character TOML text can hold: surrogates cannot be encoded at all.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


@given(ANY_TEXT)
def test_a_quoted_string_reads_back_as_the_same_value_and_key(value: str) -> None:
    quoted = toml_string(value)
    assert tomllib.loads(f"v = {quoted}") == {"v": value}
    assert tomllib.loads(f"{quoted} = 1") == {value: 1}


def test_quotes_backslashes_and_line_breaks_are_escaped() -> None:
    assert toml_string('Kood "äri" \\ reg') == '"Kood \\"äri\\" \\\\ reg"'
    assert toml_string("Uzņēmums\nCompany") == '"Uzņēmums\\nCompany"'
    assert toml_string("a\x01b\x7f") == '"a\\u0001b\\u007f"'


def test_the_suggested_lines_as_staff_paste_them() -> None:
    lines = column_mapping("leads", "Kood (äriregister)", "registration_code")
    assert lines == '[partners.columns.leads]\n"Kood (äriregister)" = "registration_code"'


@given(ANY_TEXT, st.sampled_from(["leads", "agreements"]))
def test_pasted_under_a_partner_the_lines_map_the_header_to_the_field(
    header: str, tab: str
) -> None:
    partners_file = '[[partners]]\ncode = "ee"\n\n' + column_mapping(tab, header, "email")
    (partner,) = tomllib.loads(partners_file)["partners"]
    assert partner["code"] == "ee"
    assert partner["columns"] == {tab: {header: "email"}}
