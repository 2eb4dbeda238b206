"""The one place that builds the service's configuration.

Configuration comes from the environment (database, Google credentials, the
emulator, Sheets timeouts and quotas, partners' webhook secrets) and from one
TOML partners file validated against ``schemas/partners.schema.json``. This is
the only module that reads the environment: every other module, connectors
included, is handed typed values, so a setting has one name, one default and one
parser. A bad file or a bad value raises :class:`ConfigError`, whose text names
the file or variable and the reason; callers print it as one line and stop, so
no user ever sees a traceback for a typo in the partners file or a variable.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from integration.domain import ConflictPolicy
from integration.events import clashes, parse_events
from integration.kinds import kind_of
from integration.normalise.headers import sheet_fields
from integration.normalise.locales import known_language
from integration.validation.validators import validator_for
from integration.vocabulary import fold

if TYPE_CHECKING:
    from integration.events import Event

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
    conflict_policy: ConflictPolicy = ConflictPolicy.SHEET_WINS
    webhook_secret_env: str = ""
    spreadsheet_url: str | None = None
    typeform_fields: Mapping[str, str] = field(default_factory=dict)
    #: tab ("leads"/"agreements") -> the partner's own header text -> record field
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: tab -> the 1-based sheet row of its header (else the sync finds it)
    header_row: Mapping[str, int] = field(default_factory=dict)
    #: dropdowns, notes on invalid cells and the service columns' protection
    sheet_aids: bool = True
    #: who is e-mailed (in the partner's language) when this partner's sync needs a person
    alert_emails: tuple[str, ...] = ()

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
class SheetsSettings:
    """How the service talks to Google Sheets and Drive (not the emulator's quotas:
    with an emulator the budgets are unlimited)."""

    timeout: float = 30.0
    project_per_minute: int = 300
    user_per_minute: int = 60
    retry_seconds: float = 120.0


@dataclass(frozen=True)
class AlertSettings:
    """Who gets alert e-mails and when (the partners file's ``[alerts]``)."""

    #: the network's admins: every alert, in ``admin_locale``
    admins: tuple[str, ...] = ()
    admin_locale: str = "en"
    #: a partner's syncs failing this long, with no success between, is an alert
    failing_hours: float = 24.0
    #: the digest of rows waiting to be fixed: "daily", "weekly" (Mondays) or "off"
    digest: str = "daily"
    #: local time (the project's time zone) the digest goes out
    digest_at: str = "08:00"
    #: how often the clock looks for alert conditions
    check_seconds: float = 300.0


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server alerts go through (``CRM_SMTP_*``); None when unset."""

    host: str
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = None
    sender: str = "lef-crm-sync@localhost"
    timeout: float = 30.0


def smtp_settings(env: Mapping[str, str]) -> SmtpSettings | None:
    """``CRM_SMTP_HOST`` (and ``_PORT``, ``_STARTTLS``, ``_USER``, ``_PASSWORD``,
    ``_SENDER``); with the Sheets emulator mail goes out only when
    ``CRM_ALERTS_WITH_EMULATOR=1`` says so, so a demo never mails real people."""
    host = env.get("CRM_SMTP_HOST", "").strip()
    if not host:
        return None
    if (env.get("SHEETS_EMULATOR_HOST") or "").strip() and not _flag(
        env, "CRM_ALERTS_WITH_EMULATOR"
    ):
        return None
    starttls_raw = env.get("CRM_SMTP_STARTTLS", "").strip()
    user = env.get("CRM_SMTP_USER", "").strip() or None
    password = env.get("CRM_SMTP_PASSWORD") or None
    if bool(user) != bool(password):
        raise ConfigError("CRM_SMTP_USER and CRM_SMTP_PASSWORD: set both or neither")
    port = _number(env, "CRM_SMTP_PORT", 587, int)
    if port > 65535:
        raise ConfigError(f"CRM_SMTP_PORT: {port} is not a port (1-65535)")
    return SmtpSettings(
        host=host,
        port=port,
        starttls=_flag(env, "CRM_SMTP_STARTTLS") if starttls_raw else True,
        user=user,
        password=password,
        sender=env.get("CRM_SMTP_SENDER", "").strip() or "lef-crm-sync@localhost",
        timeout=_number(env, "CRM_SMTP_TIMEOUT", 30.0),
    )


def _number(
    env: Mapping[str, str], name: str, default: float, kind: type = float, *, zero: bool = False
) -> Any:
    """``env[name]`` as a positive (or, with ``zero``, non-negative) finite ``kind``;
    absent or blank gives ``default``."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name}: {raw!r} is not {noun}") from None
    if not (value >= 0 if zero else value > 0) or value == float("inf"):
        least = "0 or more" if zero else "more than 0"
        raise ConfigError(f"{name}: {raw!r} must be a finite number, {least}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    """A switch: ``1``/``true``/``yes``/``on`` turn it on; absent, blank or ``0``/``false``
    /``no``/``off`` leave it off; anything else is a mistake worth stopping for."""
    raw = env.get(name, "").strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"", "0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}: {env[name]!r} is not a switch (use 1 or 0)")


def sheets_settings(env: Mapping[str, str]) -> SheetsSettings:
    return SheetsSettings(
        timeout=_number(env, "CRM_SHEETS_TIMEOUT", 30.0),
        # 0: no client-side budget (Google's own quota still answers 429)
        project_per_minute=_number(env, "CRM_SHEETS_PROJECT_PER_MINUTE", 300, int, zero=True),
        user_per_minute=_number(env, "CRM_SHEETS_USER_PER_MINUTE", 60, int, zero=True),
        # 0: a failed call is not retried
        retry_seconds=_number(env, "CRM_SHEETS_RETRY_SECONDS", 120.0, zero=True),
    )


def split_secrets(raw: str) -> tuple[str, ...]:
    """A webhook secret variable's value: comma-separated while a secret is rotated."""
    return tuple(s.strip() for s in raw.split(",") if s.strip())


def process_environ() -> dict[str, str]:
    """A copy of this process's environment: the one read of ``os.environ``."""
    return dict(os.environ)


def debug_enabled(environ: Mapping[str, str] | None = None) -> bool:
    """``CRM_DEBUG``: show tracebacks. Asked also when no configuration could be
    built (the command line's last-resort handler), so an unclear value is off."""
    env = process_environ() if environ is None else environ
    try:
        return _flag(env, "CRM_DEBUG")
    except ConfigError:
        return False


def config_file_path(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The partners file asked for: ``path``, else ``CRM_CONFIG``; None when neither."""
    env = process_environ() if environ is None else environ
    chosen = path or env.get("CRM_CONFIG") or None
    return Path(chosen) if chosen else None


def instance_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``CRM_INSTANCE_PATH``: where the SQLite store and local state live."""
    env = process_environ() if environ is None else environ
    return Path(env.get("CRM_INSTANCE_PATH") or DEFAULT_INSTANCE_DIR)


@dataclass(frozen=True)
class AppConfig:
    """Everything the service needs to know, built once by :func:`load_config`.

    ``environ`` is the environment the settings were read from. The settings that
    only the environment gives (``sheets``, ``debug``, ``insecure_cookies``,
    ``webhook_secrets``) are parsed from it when the object is made, so a copy
    made with ``dataclasses.replace(config, environ=...)`` is parsed again and
    stays consistent. No other module reads ``environ``.
    """

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
    #: the project's shared list of events (partners file ``[[events]]``)
    events: tuple[Event, ...] = ()
    alerts: AlertSettings = AlertSettings()
    sheets: SheetsSettings = field(init=False)
    debug: bool = field(init=False)
    insecure_cookies: bool = field(init=False)
    #: partner code -> its valid webhook secrets (two while one is rotated)
    webhook_secrets: Mapping[str, tuple[str, ...]] = field(init=False)
    #: the alert mail server; None: alerts are kept in the store, not mailed
    smtp: SmtpSettings | None = field(init=False)
    #: ``CRM_TRUSTED_PROXIES``: how many reverse proxies stand in front of the
    #: web process, whose X-Forwarded-For/-Proto/-Host/-Port headers are
    #: believed (0: none; the headers are ignored, a client could forge them)
    trusted_proxies: int = field(init=False)

    def __post_init__(self) -> None:
        env = self.environ
        secrets = {
            code: split_secrets(env.get(p.webhook_secret_env, "")) if p.webhook_secret_env else ()
            for code, p in self.partners.items()
        }
        derived = {
            "sheets": sheets_settings(env),
            "debug": _flag(env, "CRM_DEBUG"),
            "insecure_cookies": _flag(env, "CRM_INSECURE_COOKIES"),
            "webhook_secrets": secrets,
            "smtp": smtp_settings(env),
            "trusted_proxies": _number(env, "CRM_TRUSTED_PROXIES", 0, int, zero=True),
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)  # frozen: set once, here

    def partner_secrets(self, code: str) -> list[str]:
        """Partner ``code``'s valid webhook secrets; empty when none is configured."""
        return list(self.webhook_secrets.get(code, ()))

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

    for i, p in enumerate(doc["partners"]):
        if not known_language(p["locale"]):
            raise ConfigError(
                f"{source}: partners[{i}].locale: unknown language {p['locale']!r} "
                "(an ISO 639 code such as lv, et, fi, lt or en)"
            )
    project = doc["project"]
    if _as_date(project["end"]) <= _as_date(project["start"]):
        raise ConfigError(f"{source}: project.end: must be after project.start")
    for i, partner in enumerate(doc["partners"]):
        check_partner_columns(partner.get("columns", {}), f"{source}: partners[{i}].columns")

    problems = clashes(parse_events(doc.get("events", [])))
    if problems:
        raise ConfigError(f"{source}: events: {problems[0]}")


def check_partner_columns(columns: Mapping[str, Mapping[str, str]], where: str) -> None:
    """A partner's ``[partners.columns.<tab>]`` lines name real fields of the tab's
    records, and no two headers that read the same (case, spaces and accents
    ignored) map to different fields: a typo stops start-up instead of leaving a
    column silently unsynced."""
    for tab, mapping in columns.items():
        known = sheet_fields(kind_of(tab))
        seen: dict[str, tuple[str, str]] = {}
        for header, target in mapping.items():
            key = f'{where}.{tab}."{header}"'
            if target not in known:
                raise ConfigError(
                    f"{key}: {target!r} is not a field of the {tab} tab "
                    f"(fields: {', '.join(known)})"
                )
            folded = fold(header)
            if not folded:
                raise ConfigError(f"{key}: a header needs letters or digits")
            other = seen.get(folded)
            if other is not None and other[1] != target:
                raise ConfigError(
                    f"{key}: reads the same as {other[0]!r}, which maps to {other[1]!r}"
                )
            seen[folded] = (header, target)


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
        if "alert_emails" in kwargs:
            kwargs["alert_emails"] = tuple(kwargs["alert_emails"])
        if "conflict_policy" in kwargs:
            kwargs["conflict_policy"] = ConflictPolicy(kwargs["conflict_policy"])
        partners[entry["code"]] = PartnerConfig(**kwargs)
    sync_doc = doc.get("sync", {})
    sync_known = set(SyncSettings.__dataclass_fields__)
    sync = SyncSettings(**{k: v for k, v in sync_doc.items() if k in sync_known})
    return project, partners, sync


def parse_alert_settings(doc: Mapping[str, Any]) -> AlertSettings:
    """The partners file's ``[alerts]`` table (already schema-checked)."""
    known = set(AlertSettings.__dataclass_fields__)
    values = {k: v for k, v in doc.items() if k in known}
    if "admins" in values:
        values["admins"] = tuple(values["admins"])
    return AlertSettings(**values)


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


#: ``DATABASE_URL`` backends (SQLAlchemy names) -> the drivers installed for them
DATABASE_DRIVERS = {"sqlite": ("pysqlite",), "postgresql": ("psycopg",)}
DATABASE_FIX = "use postgresql://user:password@host:5432/dbname or sqlite:////absolute/path.sqlite"


def check_database_url(url: str) -> str:
    """``url`` if the service can open it (SQLite, or PostgreSQL through psycopg 3);
    else a :class:`ConfigError` naming ``DATABASE_URL`` (never its password)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL: not a database URL; {DATABASE_FIX}") from None
    backend, _, driver = parsed.drivername.partition("+")
    backend = "postgresql" if backend == "postgres" else backend  # the store accepts both
    if backend not in DATABASE_DRIVERS:
        raise ConfigError(f"DATABASE_URL: {backend} is not supported; {DATABASE_FIX}")
    if driver and driver not in DATABASE_DRIVERS[backend]:
        raise ConfigError(
            f"DATABASE_URL: driver {driver!r} is not installed for {backend}; "
            f"write {backend}:// without a driver"
        )
    return url


def check_public_url(raw: str | None) -> str | None:
    """``CRM_PUBLIC_URL`` without its trailing slash: an absolute http(s) URL, the
    address Google and the partners' forms reach the service at."""
    value = (raw or "").strip().rstrip("/")
    if not value:
        return None

    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(
            f"CRM_PUBLIC_URL: {value!r} is not an absolute URL; "
            "write it with its scheme, e.g. https://crm.example.org"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"CRM_PUBLIC_URL: {value!r} may not have a query or fragment")
    return value


#: ``CRM_LOG_FORMAT`` values: lines for people (default) or one JSON object a line
LOG_FORMATS = ("human", "json")


def log_format(environ: Mapping[str, str] | None = None) -> str:
    """``CRM_LOG_FORMAT``: ``human`` (default) or ``json``."""
    env = process_environ() if environ is None else environ
    raw = (env.get("CRM_LOG_FORMAT") or "human").strip().lower()
    if raw not in LOG_FORMATS:
        raise ConfigError(f"CRM_LOG_FORMAT: {raw!r} is not a log format (use human or json)")
    return raw


def default_database_url(instance_path: Path) -> str:
    return f"sqlite:///{(instance_path / 'crm.sqlite').resolve()}"


def load_config(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> AppConfig:
    """Build the configuration from the environment and the partners file.

    ``overrides`` (used by tests and the demo) replaces fields of the result, e.g.
    ``{"database_url": ..., "emulator_host": ...}``; the settings parsed from the
    environment (``sheets``, ``debug``, ``insecure_cookies``, ``webhook_secrets``)
    follow ``environ`` instead.
    """
    env = process_environ() if environ is None else dict(environ)
    config_path = config_file_path(path, env) or Path(DEFAULT_CONFIG_FILE)
    doc = read_partners_file(config_path)
    validate_partners_document(doc, str(config_path))
    project, partners, sync = parse_partners_document(doc)
    instance_path = instance_dir(env)
    values: dict[str, Any] = {
        "project": project,
        "partners": partners,
        "sync": sync,
        "database_url": env.get("DATABASE_URL") or default_database_url(instance_path),
        "instance_path": instance_path,
        "config_path": config_path,
        "emulator_host": (env.get("SHEETS_EMULATOR_HOST") or "").strip() or None,
        "credentials_file": env.get("GOOGLE_APPLICATION_CREDENTIALS") or None,
        "secret_key": env.get("CRM_SECRET_KEY") or None,
        "public_url": check_public_url(env.get("CRM_PUBLIC_URL")),
        "environ": env,
        "events": parse_events(doc.get("events", [])),
        "alerts": parse_alert_settings(doc.get("alerts", {})),
    }
    values.update(overrides or {})
    check_database_url(values["database_url"])
    log_format(env)
    return AppConfig(**values)
