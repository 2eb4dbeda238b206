"""The one place that builds the service's configuration.

Configuration comes from the environment (database, Google credentials, the
emulator) and from one TOML partners file validated against
``schemas/partners.schema.json``. A bad file raises :class:`ConfigError`, whose
text names the file, the key path and the reason; callers print it as one line
and stop, so no user ever sees a traceback for a typo in the partners file.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_CONFIG_FILE = "partners.toml"
DEFAULT_INSTANCE_DIR = "instance"


class ConfigError(Exception):
    """The configuration cannot be used; the message is one line for a person."""


@dataclass(frozen=True)
class ProjectConfig:
    name: str
    start: date
    end: date
    agreement_target: int
    timezone: str


@dataclass(frozen=True)
class PartnerConfig:
    code: str
    name: str
    country: str
    locale: str
    timezone: str
    spreadsheet_id: str
    leads_tab: str = "Leads"
    agreements_tab: str = "Agreements"
    sync_at: str = "02:00"
    conflict_policy: str = "sheet_wins"
    webhook_secret_env: str = ""
    spreadsheet_url: str | None = None
    typeform_fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def sync_time(self) -> time:
        hours, minutes = self.sync_at.split(":")
        return time(int(hours), int(minutes))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def tab_name(self, tab: str) -> str:
        """Sheet tab title for ``tab`` ("leads" or "agreements")."""
        return self.leads_tab if tab == "leads" else self.agreements_tab

    def webhook_secrets(self, environ: Mapping[str, str] | None = None) -> list[str]:
        """The partner's valid webhook secrets (comma-separated for rotation)."""
        env = os.environ if environ is None else environ
        raw = env.get(self.webhook_secret_env, "") if self.webhook_secret_env else ""
        return [s.strip() for s in raw.split(",") if s.strip()]

    def sheet_url(self, gid: int | None = None, row: int | None = None) -> str:
        base = self.spreadsheet_url or (
            f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}"
        )
        url = f"{base}/edit"
        if gid is not None:
            url += f"#gid={gid}"
            if row is not None:
                url += f"&range=A{row}"
        return url


@dataclass(frozen=True)
class SyncSettings:
    mass_delete_share: float = 0.2
    mass_delete_min_rows: int = 5
    debounce_seconds: float = 30.0
    debounce_max_seconds: float = 300.0
    lease_seconds: float = 600.0
    poll_seconds: float = 300.0
    channel_ttl_seconds: float = 86400.0
    channel_renew_seconds: float = 3600.0


@dataclass(frozen=True)
class AppConfig:
    """Everything the service needs to know, built once by :func:`load_config`."""

    project: ProjectConfig
    partners: dict[str, PartnerConfig]
    sync: SyncSettings = SyncSettings()
    database_url: str = ""
    instance_path: Path = Path(DEFAULT_INSTANCE_DIR)
    config_path: Path | None = None
    emulator_host: str | None = None
    credentials_file: str | None = None
    secret_key: str | None = None
    public_url: str | None = None
    environ: Mapping[str, str] = field(default_factory=dict)

    def partner(self, code: str) -> PartnerConfig:
        try:
            return self.partners[code]
        except KeyError:
            known = ", ".join(sorted(self.partners)) or "none"
            raise ConfigError(f"unknown partner {code!r} (configured: {known})") from None


def _key_path(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def as_json_values(value: Any) -> Any:
    """TOML gives dates and times as Python objects; the schema (JSON) speaks ISO
    strings, so both forms (``start = 2023-03-01`` and ``"2023-03-01"``) are fine."""
    if isinstance(value, Mapping):
        return {k: as_json_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json_values(v) for v in value]
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def validate_partners_document(doc: Mapping[str, Any], source: str) -> None:
    """Check a parsed partners file against its schema; raise the first problem."""
    doc = as_json_values(doc)
    from integration.validation.validators import validator_for

    validator = validator_for("partners")
    errors = sorted(validator.iter_errors(doc), key=lambda e: (list(e.absolute_path), e.message))
    if errors:
        err = errors[0]
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ConfigError(f"{source}: {_key_path(err.absolute_path)}: {err.message}{more}")
    codes = [p["code"] for p in doc.get("partners", [])]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise ConfigError(f"{source}: partners: partner code {dupes[0]!r} appears twice")
    zones = [("project.timezone", doc["project"].get("timezone", "Europe/Riga"))] + [
        (f"partners[{i}].timezone", p["timezone"]) for i, p in enumerate(doc["partners"])
    ]
    for where, zone in zones:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{source}: {where}: unknown time zone {zone!r}") from None
    project = doc["project"]
    if _as_date(project["end"]) <= _as_date(project["start"]):
        raise ConfigError(f"{source}: project.end: must be after project.start")


def parse_partners_document(
    doc: Mapping[str, Any],
) -> tuple[ProjectConfig, dict[str, PartnerConfig], SyncSettings]:
    p = doc["project"]
    project = ProjectConfig(
        name=p["name"],
        start=_as_date(p["start"]),
        end=_as_date(p["end"]),
        agreement_target=int(p["agreement_target"]),
        timezone=p.get("timezone", "Europe/Riga"),
    )
    partners: dict[str, PartnerConfig] = {}
    known = set(PartnerConfig.__dataclass_fields__)
    for entry in doc["partners"]:
        kwargs = {k: v for k, v in entry.items() if k in known}
        partners[entry["code"]] = PartnerConfig(**kwargs)
    sync_doc = doc.get("sync", {})
    sync_known = set(SyncSettings.__dataclass_fields__)
    sync = SyncSettings(**{k: v for k, v in sync_doc.items() if k in sync_known})
    return project, partners, sync


def read_partners_file(path: Path) -> dict[str, Any]:
    """Parse a TOML partners file, turning every failure into a one-line ConfigError."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: partners file not found (set CRM_CONFIG or copy partners.example.toml)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read partners file: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{(instance_path / 'crm.sqlite').resolve()}"


def load_config(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> AppConfig:
    """Build the configuration from the environment and the partners file.

    ``overrides`` (used by tests and the demo) replaces fields of the result, e.g.
    ``{"database_url": ..., "emulator_host": ...}``.
    """
    env = dict(os.environ if environ is None else environ)
    config_path = Path(path or env.get("CRM_CONFIG") or DEFAULT_CONFIG_FILE)
    doc = read_partners_file(config_path)
    validate_partners_document(doc, str(config_path))
    project, partners, sync = parse_partners_document(doc)
    instance_path = Path(env.get("CRM_INSTANCE_PATH") or DEFAULT_INSTANCE_DIR)
    values: dict[str, Any] = {
        "project": project,
        "partners": partners,
        "sync": sync,
        "database_url": env.get("DATABASE_URL") or default_database_url(instance_path),
        "instance_path": instance_path,
        "config_path": config_path,
        "emulator_host": env.get("SHEETS_EMULATOR_HOST") or None,
        "credentials_file": env.get("GOOGLE_APPLICATION_CREDENTIALS") or None,
        "secret_key": env.get("CRM_SECRET_KEY") or None,
        "public_url": (env.get("CRM_PUBLIC_URL") or "").strip().rstrip("/") or None,
        "environ": env,
    }
    values.update(overrides or {})
    return AppConfig(**values)
