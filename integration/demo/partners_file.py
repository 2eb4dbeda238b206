"""The demo's partners file (TOML), pointing at the emulator's spreadsheets.

Written by ``crm-sync demo`` and by tests that run the scheduler against the
demo's generated partners; read back by :func:`integration.config.load_config`
like any partners file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from integration.demo.data import DEMO_EVENTS, PARTNERS, DemoPartner
from integration.partners_lines import toml_string


def partners_toml(
    spreadsheet_ids: dict[str, str],
    *,
    debounce_seconds: float = 5,
    debounce_max_seconds: float = 30,
    project_start: date = date(2023, 3, 1),
    project_end: date = date(2026, 2, 28),
    extra_sync: Mapping[str, float] | None = None,
    alert_emails: Mapping[str, Sequence[str]] | None = None,
    alerts: Mapping[str, Any] | None = None,
    emulator_url: str | None = None,
) -> str:
    """The demo's partners file (TOML), pointing at the emulator's spreadsheets.

    ``extra_sync`` sets more ``[sync]`` keys (e.g. ``poll_seconds``), replacing
    the defaults written here; ``alert_emails`` (partner code -> addresses) and
    ``alerts`` (the ``[alerts]`` table) say who is mailed (the demo writes none);
    ``emulator_url`` (``http://host:port``): "Open sheet" links point at the
    emulator's read-only view of each spreadsheet, not at Google, which does
    not know the emulator's ids."""
    lines = _head_lines(project_start, project_end, debounce_seconds, debounce_max_seconds)
    for key, value in (extra_sync or {}).items():
        lines = [line for line in lines if not line.startswith(f"{key} = ")]
        lines.insert(lines.index("[sync]") + 1, f"{key} = {value:g}")
    for p in PARTNERS:
        lines += _partner_lines(p, spreadsheet_ids[p.code], alert_emails, emulator_url)
    if alerts:
        lines.append("[alerts]")
        lines += [f"{k} = {toml_value(v)}" for k, v in alerts.items()]
        lines.append("")
    lines += events_toml(DEMO_EVENTS)
    return "\n".join(lines)


def _head_lines(
    project_start: date, project_end: date, debounce_seconds: float, debounce_max_seconds: float
) -> list[str]:
    """The ``[project]`` and ``[sync]`` tables; the sync's debounce is short so an
    edit in the emulator shows up within seconds."""
    return [
        "# Demo partners file written by `crm-sync demo` (spreadsheets live in the emulator).",
        "",
        "[project]",
        'name = "LEF Network Azerbaijan (demo)"',
        f"start = {project_start.isoformat()}",
        f"end = {project_end.isoformat()}",
        "agreement_target = 10",
        'timezone = "Europe/Riga"',
        "",
        "[sync]",
        "# short, so an edit in the emulator shows up within seconds",
        f"debounce_seconds = {debounce_seconds:g}",
        f"debounce_max_seconds = {debounce_max_seconds:g}",
        "lease_seconds = 120",
        "",
    ]


def _partner_lines(
    p: DemoPartner,
    spreadsheet_id: str,
    alert_emails: Mapping[str, Sequence[str]] | None,
    emulator_url: str | None,
) -> list[str]:
    """One ``[[partners]]`` table; its webhook secret is named after the partner
    code so each partner's secret sits in its own environment variable."""
    values: dict[str, Any] = {
        "code": p.code,
        "name": p.name,
        "country": p.country,
        "locale": p.locale,
        "timezone": p.timezone,
        "spreadsheet_id": spreadsheet_id,
        "leads_tab": p.leads_tab,
        "agreements_tab": p.agreements_tab,
        "sync_at": p.sync_at,
        "conflict_policy": p.conflict_policy,
        "webhook_secret_env": f"{p.code.upper()}_WEBHOOK_SECRET",
    }
    if emulator_url:
        values["spreadsheet_url"] = f"{emulator_url}/spreadsheets/d/{spreadsheet_id}"
    lines = ["[[partners]]"]
    lines += [f"{k} = {toml_string(v)}" for k, v in values.items()]
    if alert_emails and alert_emails.get(p.code):
        listed = ", ".join(toml_string(a) for a in alert_emails[p.code])
        lines.append(f"alert_emails = [{listed}]")
    lines.append("")
    return lines


def toml_value(value: Any) -> str:
    """A string, number or list of strings as TOML."""
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_string(str(v)) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def events_toml(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ``[[events]]`` tables of a partners file."""
    lines: list[str] = []
    for event in events:
        lines.append("[[events]]")
        for key in ("id", "city", "country", "kind"):
            if key in event:
                lines.append(f"{key} = {toml_string(str(event[key]))}")
        lines.append(f"date = {event['date']}")
        names = ", ".join(f"{k} = {toml_string(v)}" for k, v in event["names"].items())
        lines.append(f"names = {{ {names} }}")
        if event.get("aliases"):
            aliases = ", ".join(toml_string(a) for a in event["aliases"])
            lines.append(f"aliases = [{aliases}]")
        lines.append("")
    return lines
