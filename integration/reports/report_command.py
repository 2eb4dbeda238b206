"""``crm-sync report``: the project manager's report for a period, as one file.

The same report as the dashboard's Reports page and ``GET /api/v1/report``
(:func:`integration.reports.make_report`); the file's extension picks the
format (``.xlsx``, ``.csv``, ``.json``).
"""

from __future__ import annotations

from pathlib import Path

import click

from integration.cli_support import fail, state
from integration.reports import make_report
from integration.reports.render import render
from integration.reports.request import FORMATS, PERIODS, ReportError, report_request


@click.command("report")
@click.option(
    "--from", "start", metavar="DATE", help="First day (YYYY-MM-DD). Default: project start."
)
@click.option("--to", "end", metavar="DATE", help="Last day (YYYY-MM-DD). Default: today.")
@click.option("--by", type=click.Choice(PERIODS), default="quarter", show_default=True)
@click.option("--partner", metavar="CODE", help="Only this partner's share. Default: all.")
@click.option("--lang", metavar="CODE", help="Language of headers and words (en, lv, et, fi).")
@click.option(
    "--source",
    metavar="CODE",
    help="Only leads of this source (b2b_forum, trade_mission, web_form, ...) and the "
    "agreements one of whose parties came that way.",
)
@click.option(
    "--event",
    metavar="ID",
    help="Only leads met at this event (its id in the partners file) and the "
    "agreements one of whose parties was met there.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write: FILE.xlsx, FILE.csv or FILE.json.",
)
def report_command(
    start: str | None,
    end: str | None,
    by: str,
    partner: str | None,
    lang: str | None,
    source: str | None,
    event: str | None,
    out: Path,
) -> None:
    """Write the project report (agreements, firms, leads, progress) for a period."""
    fmt = out.suffix.lower().removeprefix(".")
    if fmt not in FORMATS:
        fail(f"--out: {out.name!r} must end in .xlsx, .csv or .json")
    config = state().config()
    try:
        request = report_request(
            config,
            start=start,
            end=end,
            by=by,
            partner=partner,
            lang=lang,
            source=source,
            event=event,
        )
    except ReportError as exc:
        fail(f"--{exc.field}: {exc.reason}")
    with state().store().session() as session:
        report = make_report(session, config, request)
    body, _media = render(report, config, fmt)
    try:
        out.write_bytes(body)
    except OSError as exc:
        fail(f"--out: cannot write {out}: {exc.strerror or exc}")
    signed = dict(report.table("summary").rows)["signed_in_period"]
    click.echo(
        f"{out}: {request.start} – {request.end}, {signed} signed agreement(s) in the period"
    )
