"""Pure parts of the dashboard: CSV escaping and its reverse, SVG charts, the
next nightly run, and query-string parsing of tables."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integration.csv_export import (
    FORMULA_TRIGGERS,
    cell_text,
    escape_cell,
    read_csv,
    to_csv,
    unescape_cell,
)
from integration.dashboard.charts import (
    MonthPoint,
    SyncDay,
    SyncDayWords,
    axis_scale,
    cumulative_chart,
    progress_bar,
    sync_days_chart,
)
from integration.dashboard.schedule import next_nightly_run
from integration.dashboard.sync_days import daily_health
from integration.dashboard.tables import FilterSpec, TableSpec, like_pattern, parse_state


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+371 2000", "'+371 2000"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'=x", "''=x"),
        ("''+x", "'''+x"),
        ("'plain", "'plain"),
        ("plain = fine", "plain = fine"),
        ("", ""),
    ],
)
def test_escape_examples(value: str, escaped: str) -> None:
    assert escape_cell(value) == escaped
    assert unescape_cell(escaped) == value


@given(st.text())
def test_escape_is_inert_and_reversible(value: str) -> None:
    escaped = escape_cell(value)
    assert not escaped.startswith(FORMULA_TRIGGERS)
    assert unescape_cell(escaped) == value


@given(
    st.lists(
        st.lists(
            st.text(alphabet=st.characters(exclude_characters="\x00")), min_size=3, max_size=3
        ),
        max_size=5,
    )
)
def test_csv_document_round_trips(rows: list[list[str]]) -> None:
    text = to_csv(["a", "b", "c"], rows)
    assert text.startswith("\ufeff")
    parsed = read_csv(text)
    assert parsed[0] == ["a", "b", "c"]
    # csv normalises a lone \r inside quoted cells only when unquoted; compare exactly
    assert parsed[1:] == rows


def test_numbers_are_not_user_text() -> None:
    assert cell_text(-12.5) == "-12.5"
    assert cell_text(3) == "3"
    assert cell_text(True) == "true"
    assert cell_text(None) == ""
    assert cell_text("-12.5") == "'-12.5"
    assert cell_text(-12.5, ",") == "-12,5" and cell_text(3, ",") == "3"


def test_csv_conventions_follow_the_locale() -> None:
    from integration.csv_export import conventions

    for locale in ("lv", "et", "fi"):
        assert (conventions(locale).delimiter, conventions(locale).decimal) == (";", ",")
    assert (conventions("en").delimiter, conventions("en").decimal) == (",", ".")
    text = to_csv(["a", "b"], [["x;y", 1.5]], "fi")
    assert text == '\ufeffa;b\r\n"x;y";1,5\r\n'
    assert read_csv(text) == [["a", "b"], ["x;y", "1,5"]]


def test_axis_scale_rounds_up_to_few_round_steps() -> None:
    assert axis_scale(11) == (12, 2)
    assert axis_scale(5) == (5, 1)
    assert axis_scale(0) == (1, 1)
    assert axis_scale(130) == (150, 50)


def _y_of(svg: str, cls: str) -> float:
    match = re.search(rf'<line class="{cls}" x1="[\d.]+" y1="([\d.]+)"', svg)
    assert match, cls
    return float(match.group(1))


def test_cumulative_chart_places_target_and_end_marker() -> None:
    points = [MonthPoint("2023-03", 0), MonthPoint("2023-04", 2), MonthPoint("2023-05", None)]
    svg = cumulative_chart(
        points,
        target=10,
        title="Signed <b>",
        target_label="Target",
        end_label="End",
        end_index=2,
        width=400,
        height=240,
    )
    assert 'role="img"' in svg and "Signed &lt;b&gt;" in svg and "<b>" not in svg
    # Plot area: top 16, height 240-16-40 = 184; axis max 12, so 10 sits at 16+184*(2/12).
    assert _y_of(svg, "target") == pytest.approx(16 + 184 * (2 / 12), abs=0.1)
    assert "Target 10" in svg
    assert 'class="end-marker" x1="384"' in svg  # right edge of the last month
    assert "style=" not in svg  # CSP: presentation via classes only
    # The line stops at the last known month (no drawing into the future).
    series = re.search(r'<path class="series" d="([^"]+)"', svg).group(1)
    assert series.count("M") == 1 and series.endswith("L268 169.3")  # 2 of 3 months (348 px)


def test_progress_bar() -> None:
    half = progress_bar(5, 10, label="5 of 10", width=200)
    assert 'class="progress-fill" x="0" y="0" width="100"' in half
    over = progress_bar(15, 10, label="15 of 10", width=200)
    assert 'class="progress-fill" x="0" y="0" width="200"' in over


WORDS = SyncDayWords("Health", "Worked", "Failed", "To fix", "Syncs")


def test_sync_days_chart_stacks_syncs_and_shows_rows_to_fix() -> None:
    days = [SyncDay("1 Dec", 3, 1, 0), SyncDay("2 Dec", 0, 0, 4), SyncDay("3 Dec", 2, 0, 2)]
    svg = sync_days_chart(days, WORDS, width=360, height=196)
    # syncs panel: top 30, 56 high, axis max 4; the first day's 3 worked and 1 failed
    # reach the top together
    first = svg.split('data-day="1 Dec"')[1].split("</g>")[0]
    assert 'class="bar bar-ok" x="' in first and 'y="44" width' in first  # 86 - 56*3/4
    assert 'class="bar bar-bad" x="' in first and 'y="30" width' in first
    assert "bar bar-fix" not in first
    # rows-to-fix panel: top 120, 40 high, axis max 4: 4 rows fill it, 2 half
    second = svg.split('data-day="2 Dec"')[1].split("</g>")[0]
    assert 'class="bar bar-fix"' in second and 'y="120" width' in second
    assert "bar-ok" not in second and "bar-bad" not in second
    assert "<title>3 Dec: Worked 2, Failed 0, To fix 2</title>" in svg
    assert svg.count('text-anchor="start">1 Dec</text>') == 1  # first and last day named
    assert 'text-anchor="end">3 Dec</text>' in svg
    assert "style=" not in svg and 'aria-label="Health"' in svg
    empty = sync_days_chart([], WORDS)
    assert '<rect class="bar ' not in empty and 'role="img"' in empty


def test_daily_health_counts_runs_and_open_rows_per_local_day() -> None:
    riga = ZoneInfo("Europe/Riga")  # UTC+2 in December
    days = [date(2026, 12, 1), date(2026, 12, 2)]
    runs = [
        (datetime(2026, 11, 30, 22, 30, tzinfo=UTC), "completed"),  # 1 Dec 00:30 in Riga
        (datetime(2026, 12, 1, 21, 59, tzinfo=UTC), "aborted"),  # 1 Dec 23:59
        (datetime(2026, 12, 1, 22, 0, tzinfo=UTC), "failed"),  # 2 Dec 00:00
        (datetime(2026, 12, 2, 8, 0, tzinfo=UTC), "busy"),  # neither
        (datetime(2026, 11, 20, 8, 0, tzinfo=UTC), "completed"),  # before the days shown
    ]
    entries = [
        (datetime(2026, 11, 1, tzinfo=UTC), None),  # open all along
        (datetime(2026, 12, 1, 10, 0, tzinfo=UTC), datetime(2026, 12, 2, 10, 0, tzinfo=UTC)),
        (datetime(2026, 12, 2, 21, 59, tzinfo=UTC), None),  # 2 Dec 23:59: counts that day
        (datetime(2026, 12, 2, 22, 0, tzinfo=UTC), None),  # 3 Dec: not yet
    ]
    got = daily_health(runs, entries, days, riga)
    assert [(d.day, d.worked, d.failed, d.to_fix) for d in got] == [
        (date(2026, 12, 1), 1, 1, 2),
        (date(2026, 12, 2), 0, 1, 2),
    ]


def test_next_nightly_run_in_partner_zone_across_dst() -> None:
    riga = ZoneInfo("Europe/Riga")
    # Before 02:00 Riga time: tonight. After: tomorrow night.
    assert next_nightly_run(time(2, 0), riga, datetime(2025, 1, 10, 23, 0, tzinfo=UTC)) == datetime(
        2025, 1, 11, 0, 0, tzinfo=UTC
    )
    assert next_nightly_run(time(2, 0), riga, datetime(2025, 1, 11, 0, 0, tzinfo=UTC)) == datetime(
        2025, 1, 12, 0, 0, tzinfo=UTC
    )
    # Summer time: 02:00 in Riga is 23:00 UTC the day before.
    assert next_nightly_run(time(2, 0), riga, datetime(2025, 7, 1, 12, 0, tzinfo=UTC)) == datetime(
        2025, 7, 1, 23, 0, tzinfo=UTC
    )
    with pytest.raises(ValueError):
        next_nightly_run(time(2, 0), riga, datetime(2025, 7, 1, 12, 0))


def test_table_state_keeps_only_valid_values() -> None:
    spec = TableSpec(
        name="t",
        filters=[
            FilterSpec("sector", "select", "Sector", [("ict", "ICT")]),
            FilterSpec("from", "date", "From"),
            FilterSpec("archived", "flag", "Archived"),
        ],
        sorts={"id": object(), "updated": object()},
        default_sort="updated",
        default_desc=True,
    )
    state = parse_state(
        {
            "q": "  a   b ",
            "sector": "nope",
            "from": "2024-13-01",
            "archived": "on",
            "sort": "drop table",
            "page": "x",
            "per_page": "1000",
        },
        spec,
    )
    assert state.q == "a b" and state.filters == {"archived": "1"}
    assert state.sort == "updated" and state.desc is True
    assert state.page == 1 and state.per_page == 25
    good = parse_state({"sector": "ict", "from": "2024-02-29", "sort": "id", "page": "3"}, spec)
    assert good.filters == {"sector": "ict", "from": "2024-02-29"}
    assert good.sort == "id" and good.desc is False and good.page == 3
    assert "page=3" in good.query_string() and "page" not in good.query_string(page=1)
    assert good.aria_sort("id") == "ascending" and good.aria_sort("updated") == "none"
    assert "dir=desc" in good.sort_link("id")


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"
