"""Checks of a deployment's settings that every process runs before it starts.

:func:`integration.config.load_config` already refuses what cannot be parsed
(the partners file, numbers, switches, ``DATABASE_URL``, ``CRM_PUBLIC_URL``).
These checks ask what only a running deployment needs: each partner's webhook
secret is set and has the Standard Webhooks form, the Google key file is a
usable service-account key, and the cookie-signing key can be had. Each result
is one line naming the variable or file, the problem and the fix; the web
process, the clock and ``crm-sync serve`` stop on the first failure
(:func:`ensure_bootable`), and ``crm-sync check`` prints them all.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook

from connectors.google_sheets.auth import CredentialsError, read_service_account
from integration import messages
from integration.config import AppConfig, ConfigError

#: The command that makes a webhook secret (``check.make_secret``'s ``command``).
SECRET_COMMAND = 'echo "whsec_$(openssl rand -base64 32)"'


@dataclass(frozen=True)
class Check:
    """One checked thing: what, whether it passed, and why (or why not), as data.

    ``subject`` and ``code`` name catalog texts (``check_subject.*``, ``check.*``)
    filled from ``params``, so the one result reads in English on the command
    line (:meth:`line`) and in the reader's language on the dashboard's Sync
    page. A text another system wrote (a driver's error, Google's answer) is
    the ``quoted`` parameter, shown as it was said.
    """

    subject: str
    ok: bool
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def subject_text(self, locale: str = messages.FALLBACK) -> str:
        return messages.text(f"check_subject.{self.subject}", locale, **self.params)

    def detail_text(self, locale: str = messages.FALLBACK) -> str:
        return messages.text(f"check.{self.code}", locale, **self.params)

    @property
    def name(self) -> str:
        """What was checked, in English (the command line's words)."""
        return self.subject_text()

    @property
    def detail(self) -> str:
        """Why it passed or failed, in English (the command line's words)."""
        return self.detail_text()

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def webhook_secret_checks(config: AppConfig) -> list[Check]:
    """Each partner's ``webhook_secret_env``: set, and every secret in it decodes
    as a Standard Webhooks ``whsec_`` secret (a malformed one verifies nothing)."""
    checks = []
    where = {"where": str(config.config_path)} if config.config_path else {}
    for code, partner in sorted(config.partners.items()):
        name = partner.webhook_secret_env
        about = {"partner": code, "env": name, "command": SECRET_COMMAND, **where}
        if not name:
            none = "webhook_secret_none" if where else "webhook_secret_none_no_file"
            checks.append(Check("webhook_secret", True, none, about))
            continue
        values = config.webhook_secrets.get(code, ())
        if not values:
            unset = "webhook_secret_unset" if where else "webhook_secret_unset_no_file"
            checks.append(Check("webhook_secret", False, unset, about))
            continue
        bad = [i for i, value in enumerate(values, 1) if not _standard_secret(Webhook, value)]
        if bad:
            if len(values) == 1:
                checks.append(Check("webhook_secret", False, "webhook_secret_malformed", about))
            else:
                which = {"number": bad[0], "total": len(values)}
                checks.append(
                    Check("webhook_secret", False, "webhook_secret_one_malformed", about | which)
                )
        else:
            ok = "webhook_secret_set" if len(values) == 1 else "webhook_secret_set_rotating"
            checks.append(Check("webhook_secret", True, ok, about))
    return checks


def _standard_secret(webhook: type, value: str) -> bool:
    if not value.startswith("whsec_") or len(value) <= len("whsec_"):
        return False
    try:
        webhook(value)
    except Exception:  # the library raises binascii.Error, ValueError or its own
        return False
    return True


def credentials_check(config: AppConfig, *, required: bool) -> Check | None:
    """The Google service-account key file; None when neither given nor needed."""
    if config.emulator_host:
        return Check("credentials", True, "credentials_emulator", {"host": config.emulator_host})
    path = config.credentials_file
    if not path:
        if not required:
            return None
        return Check("credentials", False, "credentials_unset")
    try:
        info = read_service_account(path)
    except CredentialsError as exc:
        return Check("credentials", False, "quoted", {"quoted": str(exc)})
    return Check(
        "credentials", True, "credentials_ok", {"path": path, "email": info["client_email"]}
    )


def sharing_email(config: AppConfig) -> str | None:
    """The service account's e-mail, to share a spreadsheet with (None: unknown)."""
    if config.credentials_file and not config.emulator_host:
        with contextlib.suppress(CredentialsError):
            return str(read_service_account(config.credentials_file)["client_email"])
    return None


def sharing_hint(config: AppConfig) -> str:
    """What to do about a spreadsheet Google will not open for us: the same
    words for ``crm-sync check`` and for a failing sync."""
    email = "the service account"
    if config.credentials_file and not config.emulator_host:
        with contextlib.suppress(CredentialsError):
            email = read_service_account(config.credentials_file)["client_email"]
    return f"share it with {email} as editor (and check the spreadsheet id)"
    email = sharing_email(config)
    if email is None:
        return messages.text("check.share_it_no_email")
    return messages.text("check.share_it", email=email)


def secret_key_check(config: AppConfig) -> Check:
    """The dashboard's cookie-signing key: ``CRM_SECRET_KEY``, or one the service
    keeps in the instance folder, which must then be writable."""
    if config.secret_key:
        return Check("secret_key", True, "secret_key_set")
    folder = config.instance_path.resolve()
    key = folder / "secret_key"
    if key.is_file() and os.access(key, os.R_OK):
        return Check("secret_key", True, "secret_key_kept", {"path": str(key)})
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.is_dir() and os.access(probe, os.W_OK | os.X_OK):
        return Check("secret_key", True, "secret_key_made", {"path": str(key)})
    return Check("secret_key", False, "secret_key_unwritable", {"path": str(folder)})


def setting_checks(config: AppConfig, *, google: bool) -> list[Check]:
    """Every deployment setting, one :class:`Check` each; ``google``: the process
    talks to Google, so a key (or the emulator) is required."""
    checks = [secret_key_check(config), *webhook_secret_checks(config)]
    creds = credentials_check(config, required=google)
    if creds is not None:
        checks.append(creds)
    return checks


def ensure_bootable(config: AppConfig, *, google: bool) -> None:
    """Raise :class:`ConfigError` with the first failing setting's line."""
    for check in setting_checks(config, google=google):
        if not check.ok:
            raise ConfigError(check.detail)
