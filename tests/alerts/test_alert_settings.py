"""The mail settings come from the environment, and the emulator mails no one
unless told to."""

from __future__ import annotations

import pytest

from integration.config import ConfigError, smtp_settings


def test_unset_host_means_no_mail() -> None:
    assert smtp_settings({}) is None


def test_the_emulator_mails_only_when_asked() -> None:
    env = {"CRM_SMTP_HOST": "mail.example", "SHEETS_EMULATOR_HOST": "127.0.0.1:9"}
    assert smtp_settings(env) is None
    smtp = smtp_settings({**env, "CRM_ALERTS_WITH_EMULATOR": "1"})
    assert smtp is not None and smtp.host == "mail.example" and smtp.starttls and smtp.port == 587


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"CRM_SMTP_PORT": "smtp"}, "CRM_SMTP_PORT: 'smtp' is not a whole number"),
        ({"CRM_SMTP_PORT": "70000"}, "CRM_SMTP_PORT: 70000 is not a port"),
        ({"CRM_SMTP_USER": "crm"}, "CRM_SMTP_USER and CRM_SMTP_PASSWORD: set both or neither"),
        ({"CRM_SMTP_STARTTLS": "maybe"}, "CRM_SMTP_STARTTLS: 'maybe' is not a switch"),
    ],
)
def test_a_bad_setting_names_the_variable(extra: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        smtp_settings({"CRM_SMTP_HOST": "mail.example", **extra})
