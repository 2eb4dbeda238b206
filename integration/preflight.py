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
from dataclasses import dataclass

from standardwebhooks import Webhook

from connectors.google_sheets.auth import CredentialsError, read_service_account
from integration.config import AppConfig, ConfigError

SECRET_FIX = 'make one with: echo "whsec_$(openssl rand -base64 32)"'


@dataclass(frozen=True)
class Check:
    """One checked thing: what, whether it passed, and in words why (or why not)."""

    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.name}: {self.detail}"


def webhook_secret_checks(config: AppConfig) -> list[Check]:
    """Each partner's ``webhook_secret_env``: set, and every secret in it decodes
    as a Standard Webhooks ``whsec_`` secret (a malformed one verifies nothing)."""
    checks = []
    where = config.config_path or "the partners file"
    for code, partner in sorted(config.partners.items()):
        name = partner.webhook_secret_env
        label = f"webhook secret {code}"
        if not name:
            checks.append(Check(label, True, f"none configured in {where} (webhooks refused)"))
            continue
        values = config.webhook_secrets.get(code, ())
        if not values:
            checks.append(
                Check(
                    label,
                    False,
                    f"{name} (partner {code}'s webhook_secret_env in {where}) is not set; "
                    f"set it to the partner's whsec_ secret; {SECRET_FIX}",
                )
            )
            continue
        bad = [i for i, value in enumerate(values, 1) if not _standard_secret(Webhook, value)]
        if bad:
            which = "it is" if len(values) == 1 else f"secret {bad[0]} of {len(values)} is"
            checks.append(
                Check(
                    label,
                    False,
                    f"{name}: {which} not of the form whsec_<base64>; {SECRET_FIX}",
                )
            )
        else:
            rotated = " (two while rotating)" if len(values) > 1 else ""
            checks.append(Check(label, True, f"{name} set{rotated}"))
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
        return Check("google credentials", True, f"emulator at {config.emulator_host}")
    path = config.credentials_file
    if not path:
        if not required:
            return None
        return Check(
            "google credentials",
            False,
            "GOOGLE_APPLICATION_CREDENTIALS is not set; set it to the service account's "
            "JSON key file (or SHEETS_EMULATOR_HOST=host:port for the local emulator)",
        )
    try:
        info = read_service_account(path)
    except CredentialsError as exc:
        return Check("google credentials", False, str(exc))
    return Check("google credentials", True, f"{path}: service account {info['client_email']}")


def sharing_hint(config: AppConfig) -> str:
    """What to do about a spreadsheet Google will not open for us: the same
    words for ``crm-sync check`` and for a failing sync."""
    email = "the service account"
    if config.credentials_file and not config.emulator_host:
        with contextlib.suppress(CredentialsError):
            email = read_service_account(config.credentials_file)["client_email"]
    return f"share it with {email} as editor (and check the spreadsheet id)"


def secret_key_check(config: AppConfig) -> Check:
    """The dashboard's cookie-signing key: ``CRM_SECRET_KEY``, or one the service
    keeps in the instance folder, which must then be writable."""
    if config.secret_key:
        return Check("secret key", True, "CRM_SECRET_KEY set")
    folder = config.instance_path.resolve()
    key = folder / "secret_key"
    if key.is_file() and os.access(key, os.R_OK):
        return Check("secret key", True, f"kept in {key}")
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.is_dir() and os.access(probe, os.W_OK | os.X_OK):
        return Check("secret key", True, f"made in {key} on first start")
    return Check(
        "secret key",
        False,
        f"CRM_SECRET_KEY is not set and {folder} is not writable; set CRM_SECRET_KEY "
        "(the same value for every web process) or make CRM_INSTANCE_PATH writable",
    )


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
