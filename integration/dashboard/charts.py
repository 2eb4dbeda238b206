"""Charts as inline SVG, rendered on the server by pure functions.

No JavaScript library and no build step: each function takes plain numbers and
returns SVG markup (safe to embed, every text escaped). Colours come from CSS
classes in ``static/dashboard.css`` so they follow the page's palette and
contrast; the SVG uses only presentation attributes, never ``style=``, so the
strict Content-Security-Policy holds. Every chart carries ``role="img"`` and an
accessible name, and the pages print the same numbers in a table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from integration.domain import SyncOutcome


@dataclass(frozen=True)
class MonthPoint:
    """One month on the cumulative chart: its label and the running total
    (``None`` for months still in the future, which draw no line)."""

    label: str
    total: int | None


def _fmt(value: float) -> str:
    """Coordinates with at most one decimal: smaller SVG, stable test output."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def axis_scale(value: float, max_ticks: int = 6) -> tuple[int, int]:
    """``(maximum, step)`` of a y axis that shows ``value`` with at most
    ``max_ticks`` round steps (1, 2, 5, 10, 20, 50, ...): 11 -> (12, 2)."""
    value = max(value, 1)
    magnitude = 1
    while True:
        for base in (1, 2, 5):
            step = base * magnitude
            ticks = math.ceil(value / step)
            if ticks <= max_ticks:
                return ticks * step, step
        magnitude *= 10


def nice_ceiling(value: float) -> int:
    """A round axis maximum at or above ``value``."""
    return axis_scale(value)[0]


def progress_bar(count: int, target: int, *, label: str, width: int = 400) -> Markup:
    """A horizontal bar: the share of ``target`` reached (capped at full)."""
    share = 0.0 if target <= 0 else min(count / target, 1.0)
    filled = round(width * share, 1)
    return Markup(
        f'<svg class="progress" viewBox="0 0 {width} 16" preserveAspectRatio="none" '
        f'role="img" aria-label="{escape(label)}">'
        f'<rect class="progress-track" x="0" y="0" width="{width}" height="16" rx="8"/>'
        f'<rect class="progress-fill" x="0" y="0" width="{_fmt(filled)}" height="16" rx="8"/>'
        "</svg>"
    )


def mini_bar(value: float, maximum: float, *, width: int = 120) -> Markup:
    """A small decorative bar for breakdown tables (the number is in the cell)."""
    share = 0.0 if maximum <= 0 else max(0.0, min(value / maximum, 1.0))
    return Markup(
        f'<svg class="mini-bar" viewBox="0 0 {width} 10" aria-hidden="true" focusable="false">'
        f'<rect class="mini-track" x="0" y="0" width="{width}" height="10" rx="3"/>'
        f'<rect class="mini-fill" x="0" y="0" width="{_fmt(width * share)}" height="10" rx="3"/>'
        "</svg>"
    )


def cumulative_chart(
    points: Sequence[MonthPoint],
    *,
    target: int,
    title: str,
    target_label: str,
    end_label: str,
    end_index: int | None = None,
    pace_label: str | None = None,
    ended: bool = False,
    width: int = 720,
    height: int = 280,
) -> Markup:
    """Step chart of signed agreements by month, with the target line and a
    marker at the project's last month (``end_index`` into ``points``).

    With ``pace_label``, a dashed line climbs evenly from none at the first month
    to the target at the end of the project's last month: the pace the project
    needs, so being behind or ahead shows at a glance. ``ended``: the project's
    window is over; the marker then reads ``end_label`` as a past fact and the
    months after it are shaded."""
    totals = [p.total for p in points if p.total is not None]
    y_max, y_step = axis_scale(max([target + 1, *totals, 1]))
    f = _Frame(width, height, y_max, max(len(points), 1))
    parts: list[str] = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    parts += _y_grid(f, y_step)
    parts += _month_labels(f, points)
    parts += _cumulative_series(f, points)
    # Target line.
    ty = _fmt(f.y(target))
    parts.append(
        f'<line class="target" x1="{f.left}" y1="{ty}" x2="{width - f.right}" y2="{ty}"/>'
        f'<text class="target-label" x="{f.left + 6}" y="{ty}" dy="-6">'
        f"{escape(target_label)} {target}</text>"
    )
    if end_index is not None and 0 <= end_index < f.n:
        if pace_label is not None:
            parts.append(_pace_line(f, end_index, target, pace_label))
        parts += _end_marker(f, end_index, end_label, ended)
    parts.append(
        f'<line class="axis-line" x1="{f.left}" y1="{_fmt(f.y(0))}" x2="{width - f.right}" '
        f'y2="{_fmt(f.y(0))}"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class _Frame:
    """The cumulative chart's geometry: its margins, the plot area and the maps
    from a month index and a count to SVG coordinates, shared by its parts."""

    width: int
    height: int
    y_max: int
    n: int  # months on the x axis (at least one)
    left: int = 36
    right: int = 16
    top: int = 16
    bottom: int = 40

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom

    def x(self, i: float) -> float:
        return self.left + i * (self.plot_w / self.n)

    def y(self, v: float) -> float:
        return self.top + self.plot_h - (v / self.y_max) * self.plot_h


def _y_grid(f: _Frame, y_step: int) -> list[str]:
    """Horizontal grid lines with their y labels, one per round step."""
    parts = []
    for t in range(f.y_max // y_step + 1):
        value = t * y_step
        yy = _fmt(f.y(value))
        parts.append(
            f'<line class="grid" x1="{f.left}" y1="{yy}" x2="{f.width - f.right}" y2="{yy}"/>'
            f'<text class="axis" x="{f.left - 6}" y="{yy}" dy="4" text-anchor="end">'
            f"{_fmt(value)}</text>"
        )
    return parts


def _month_labels(f: _Frame, points: Sequence[MonthPoint]) -> list[str]:
    """X labels: about eight, always including the first month, so long projects
    do not crowd the axis."""
    every = max(1, math.ceil(f.n / 8))
    return [
        f'<text class="axis" x="{_fmt(f.x(i + 0.5))}" y="{f.height - f.bottom + 16}" '
        f'text-anchor="middle">{escape(point.label)}</text>'
        for i, point in enumerate(points)
        if i % every == 0
    ]


def _cumulative_series(f: _Frame, points: Sequence[MonthPoint]) -> list[str]:
    """The cumulative line and the area under it, as a step (the total holds
    through each month); it stops at the first future month."""
    path: list[str] = []
    for i, point in enumerate(points):
        if point.total is None:
            break
        yy = _fmt(f.y(point.total))
        path.append(f"{'M' if not path else 'L'}{_fmt(f.x(i))} {yy} L{_fmt(f.x(i + 1))} {yy}")
    if not path:
        return []
    last = max(i for i, p in enumerate(points) if p.total is not None)
    y0 = _fmt(f.y(0))
    area = " ".join(path) + f" L{_fmt(f.x(last + 1))} {y0} L{_fmt(f.x(0))} {y0} Z"
    return [
        f'<path class="series-area" d="{area}"/>',
        f'<path class="series" d="{" ".join(path)}"/>',
    ]


def _pace_line(f: _Frame, end_index: int, target: int, pace_label: str) -> str:
    """Expected pace: even from nothing at the start to the target at the end of
    the project's last month."""
    px, py = _fmt(f.x(end_index + 1)), _fmt(f.y(target))
    return (
        f'<line class="pace" x1="{_fmt(f.x(0))}" y1="{_fmt(f.y(0))}" x2="{px}" y2="{py}"/>'
        f'<text class="pace-label" x="{_fmt(f.x((end_index + 1) * 0.5))}" '
        f'y="{_fmt(f.y(target * 0.5))}" dx="6" dy="14">{escape(pace_label)}</text>'
    )


def _end_marker(f: _Frame, end_index: int, end_label: str, ended: bool) -> list[str]:
    """The project end marker; once the project is over the months after it are
    shaded, so later signatures read as outside the window."""
    parts = []
    ex = _fmt(f.x(end_index + 1))
    if ended and end_index + 1 < f.n:
        parts.append(
            f'<rect class="after-end" x="{ex}" y="{f.top}" '
            f'width="{_fmt(f.x(f.n) - f.x(end_index + 1))}" height="{_fmt(f.plot_h)}"/>'
        )
    marker = "end-marker ended" if ended else "end-marker"
    parts.append(
        f'<line class="{marker}" x1="{ex}" y1="{f.top}" x2="{ex}" y2="{f.top + f.plot_h}"/>'
        f'<text class="end-label" x="{ex}" y="{f.top + 12}" dx="-4" text-anchor="end">'
        f"{escape(end_label)}</text>"
    )
    return parts


#: Sync run outcomes (:class:`integration.domain.SyncOutcome`): completed runs are good,
#: running or busy ones (another sync held the lease) neutral, the rest bad.
GOOD_OUTCOMES = frozenset({SyncOutcome.COMPLETED})
NEUTRAL_OUTCOMES = frozenset({SyncOutcome.RUNNING, SyncOutcome.BUSY})


def outcome_class(outcome: str) -> str:
    """``ok``, ``running`` or ``bad``: the CSS class of a run outcome."""
    if outcome in GOOD_OUTCOMES:
        return "ok"
    return "running" if outcome in NEUTRAL_OUTCOMES else "bad"


@dataclass(frozen=True)
class SyncDay:
    """One day of a partner's sync health: the syncs that worked, those that
    failed or stopped, and the rows waiting to be fixed at the day's end."""

    label: str
    worked: int
    failed: int
    to_fix: int


@dataclass(frozen=True)
class SyncDayWords:
    """The chart's words in the reader's language."""

    title: str
    worked: str
    failed: str
    to_fix: str
    syncs: str


def _bar(kind: str, x: float, y: float, width: float, height: float) -> str:
    return (
        f'<rect class="bar {kind}" x="{_fmt(x)}" y="{_fmt(y)}" '
        f'width="{_fmt(width)}" height="{_fmt(height)}"/>'
    )


def sync_days_chart(
    days: Sequence[SyncDay], words: SyncDayWords, *, width: int = 360, height: int = 196
) -> Markup:
    """Two panels over the same days (oldest left): syncs per day, stacked as
    worked and failed (a failed part is also hatched, not only red), and the rows
    waiting to be fixed at each day's end. Each bar's tooltip says its numbers;
    the legend names the colours in words."""
    g = _DaysFrame(width, height, max(len(days), 1))
    syncs_max = nice_ceiling(max([d.worked + d.failed for d in days] + [1]))
    fix_max = nice_ceiling(max([d.to_fix for d in days] + [1]))
    parts = [
        f'<svg class="chart sync-days" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(words.title)}"><title>{escape(words.title)}</title>',
        # legend
        '<rect class="swatch bar-ok" x="0" y="2" width="10" height="10"/>'
        f'<text class="axis" x="14" y="11">{escape(words.worked)}</text>',
        f'<rect class="swatch bar-bad" x="{width // 2}" y="2" width="10" height="10"/>'
        f'<text class="axis" x="{width // 2 + 14}" y="11">{escape(words.failed)}</text>',
    ]
    parts += _panel(g, g.syncs_top, g.syncs_h, syncs_max, words.syncs)
    parts += _panel(g, g.fix_top, g.fix_h, fix_max, words.to_fix, "bar-fix")
    for i, day in enumerate(days):
        parts += _day_bars(g, i, day, words, syncs_max, fix_max)
    parts += _day_labels(g, days)
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class _DaysFrame:
    """The sync-days chart's geometry: margins, the two panels' places and the
    width of a day's slot and bar, shared by its parts."""

    width: int
    height: int
    n: int  # days on the x axis (at least one)
    left: int = 28
    right: int = 6
    syncs_top: int = 30
    syncs_h: int = 56
    fix_top: int = 120
    fix_h: int = 40

    @property
    def slot(self) -> float:
        return (self.width - self.left - self.right) / self.n

    @property
    def bar_w(self) -> float:
        return max(2.0, self.slot * 0.7)


def _panel(
    g: _DaysFrame, top: int, h: int, maximum: int, caption: str, swatch: str = ""
) -> list[str]:
    """A panel's caption, its 0 and maximum labels and its base line; a panel of
    one colour shows that colour's swatch beside the caption that names it."""
    parts = []
    if swatch:
        parts.append(
            f'<rect class="swatch {swatch}" x="{g.left}" y="{top - 13}" width="10" height="10"/>'
        )
    parts.append(
        f'<text class="axis" x="{g.left + (14 if swatch else 0)}" y="{top - 4}">'
        f"{escape(caption)}</text>"
        f'<text class="axis" x="{g.left - 4}" y="{top + 8}" text-anchor="end">{maximum}</text>'
        f'<text class="axis" x="{g.left - 4}" y="{top + h}" text-anchor="end">0</text>'
        f'<line class="axis-line" x1="{g.left}" y1="{top + h}" x2="{g.width - g.right}" '
        f'y2="{top + h}"/>'
    )
    return parts


def _day_bars(
    g: _DaysFrame, i: int, day: SyncDay, words: SyncDayWords, syncs_max: int, fix_max: int
) -> list[str]:
    """One day's bars in both panels, grouped under a tooltip that says the
    day's numbers in words (a bar of zero is left out)."""
    bx = g.left + i * g.slot + (g.slot - g.bar_w) / 2
    tip = (
        f"{escape(day.label)}: {escape(words.worked)} {day.worked}, "
        f"{escape(words.failed)} {day.failed}, {escape(words.to_fix)} {day.to_fix}"
    )
    base = g.syncs_top + g.syncs_h
    ok_h = g.syncs_h * day.worked / syncs_max
    bad_h = g.syncs_h * day.failed / syncs_max
    parts = [f'<g data-day="{escape(day.label)}"><title>{tip}</title>']
    if day.worked:
        parts.append(_bar("bar-ok", bx, base - ok_h, g.bar_w, ok_h))
    if day.failed:
        parts.append(_bar("bar-bad", bx, base - ok_h - bad_h, g.bar_w, bad_h))
    if day.to_fix:
        fix = g.fix_h * day.to_fix / fix_max
        parts.append(_bar("bar-fix", bx, g.fix_top + g.fix_h - fix, g.bar_w, fix))
    parts.append("</g>")
    return parts


def _day_labels(g: _DaysFrame, days: Sequence[SyncDay]) -> list[str]:
    """Day labels: the first, the middle and the last (the rest are in the
    tooltips), so a month of days stays legible."""
    parts = []
    last = len(days) - 1
    for i in sorted({0, len(days) // 2, last}) if days else []:
        anchor = "start" if i == 0 else "end" if i == last else "middle"
        tx = g.left if i == 0 else g.width - g.right if i == last else g.left + (i + 0.5) * g.slot
        parts.append(
            f'<text class="axis" x="{_fmt(tx)}" y="{g.height - 4}" text-anchor="{anchor}">'
            f"{escape(days[i].label)}</text>"
        )
    return parts
