"""The words of each alert, in the recipient's language (the message catalog's
``alert.*``). Only what that recipient may see: the partner's name, tab and
counts; never a row's contents, a person or another partner's figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from integration import messages
from integration.config import AppConfig
from integration.kinds import TABS


def _t(key: str, locale: str, **params: Any) -> str:
    return messages.text("alert." + key, locale, **params)


def dashboard_link(config: AppConfig, path: str) -> str:
    """The dashboard page's address (the path alone without ``CRM_PUBLIC_URL``)."""
    return f"{config.public_url or ''}/dashboard/{path}"


def _params(
    kind: str, partner: str | None, detail: Mapping[str, Any], locale: str, config: AppConfig
) -> dict[str, Any]:
    pc = config.partners.get(partner or "")
    params: dict[str, Any] = {**detail, "partner": pc.name if pc else ""}
    if pc is not None and "tab" in detail:
        params["tab"] = pc.tab_name(str(detail["tab"]))
    if "reason" in detail:
        params["reason"] = _t("reason." + str(detail["reason"]), locale)
    return params


def condition_mail(
    kind: str,
    partner: str | None,
    detail: Mapping[str, Any],
    locale: str,
    config: AppConfig,
    *,
    resolved: bool = False,
) -> tuple[str, str]:
    """(subject, body) of the message that a condition opened, or cleared."""
    params = _params(kind, partner, detail, locale, config)
    subject = _t("subject." + kind, locale, **params)
    if resolved:
        body = _t("resolved_body", locale, subject=subject)
        subject = _t("resolved_subject", locale, subject=subject)
    else:
        body = _t("body." + kind, locale, **params)
    return _finish(subject, body, locale, dashboard_link(config, "sync"))


def digest_mail(
    counts: Mapping[str, Mapping[str, int]], locale: str, config: AppConfig
) -> tuple[str, str]:
    """(subject, body) of the digest of rows waiting to be fixed, per partner and tab."""
    lines = []
    total = 0
    for code, tabs in counts.items():
        pc = config.partners[code]
        for tab, count in sorted(tabs.items()):
            name = pc.tab_name(tab) if tab in TABS else tab
            lines.append(_t("digest_line", locale, partner=pc.name, tab=name, count=count))
            total += count
    subject = _t("subject.digest", locale, count=total)
    body = _t("body.digest", locale, lines="\n".join(lines))
    return _finish(subject, body, locale, dashboard_link(config, "fix"))


def _finish(subject: str, body: str, locale: str, link: str) -> tuple[str, str]:
    text = "\n\n".join([body, _t("link", locale, link=link), "-- \n" + _t("footer", locale)])
    return f"{_t('prefix', locale)} {subject}", text + "\n"
