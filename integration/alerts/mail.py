"""Sending one plain-text message through the configured SMTP server (stdlib
``smtplib``: STARTTLS with certificate checks, optional login)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from integration.config import AppConfig, SmtpSettings


@dataclass(frozen=True)
class Recipient:
    address: str
    locale: str
    #: the partner whose staff this is; None: a network admin
    partner: str | None


def admins(config: AppConfig) -> list[Recipient]:
    locale = config.alerts.admin_locale
    return [Recipient(a, locale, None) for a in config.alerts.admins]


def partner_staff(config: AppConfig, code: str) -> list[Recipient]:
    partner = config.partners.get(code)
    if partner is None:
        return []
    return [Recipient(a, partner.locale, code) for a in partner.alert_emails]


def send_mail(smtp: SmtpSettings, to: str, subject: str, body: str) -> None:
    """Send one message to one address (each recipient gets their own, so no
    one learns who else is on the list). Raises ``smtplib.SMTPException`` or
    ``OSError`` when the server cannot be reached or refuses."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    with smtp_session(smtp) as client:
        client.send_message(message)


@contextmanager
def smtp_session(smtp: SmtpSettings) -> Iterator[smtplib.SMTP]:
    """A connection to the server as the settings ask for it (STARTTLS with
    certificate checks, then login), the one way both the alerts and
    ``crm-sync check`` open it. Raises ``smtplib.SMTPException`` or ``OSError``."""
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.user and smtp.password:
            client.login(smtp.user, smtp.password)
        yield client
