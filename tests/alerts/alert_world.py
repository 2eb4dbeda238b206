"""The alert tests' world: the demo's spreadsheets in the emulator, a partners
file that names alert recipients, a real SMTP server, and the clock's service."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smtp_inbox import Inbox

from integration.config import AppConfig, load_config
from integration.demo.partners_file import partners_toml
from integration.scheduler.service import SchedulerService
from integration.store.db import Store

ADMIN = "it@lef.example"
STAFF = {"lv": "lv-staff@chamber.example", "ee": "ee-staff@chamber.example"}


@dataclass
class World:
    config: AppConfig
    store: Store
    inbox: Inbox
    service: SchedulerService
    ids: dict[str, str]
    emulator: object


def world_config(
    emulator: Any, db_url: str, tmp_path: Path, inbox: Inbox, ids: dict[str, str]
) -> AppConfig:
    """A partners file naming the recipients, mail going to ``inbox``."""
    text = partners_toml(
        ids,
        alert_emails={code: [address] for code, address in STAFF.items()},
        alerts={
            "admins": [ADMIN],
            "admin_locale": "en",
            "failing_hours": 2,
            "digest": "daily",
            "digest_at": "00:00",
        },
    )
    path = tmp_path / "partners.toml"
    path.write_text(text, "utf-8")
    return load_config(
        path,
        environ={
            "SHEETS_EMULATOR_HOST": emulator.host_port,
            "DATABASE_URL": db_url,
            "CRM_INSTANCE_PATH": str(tmp_path / "instance"),
            "CRM_SHEETS_RETRY_SECONDS": "0",
            "CRM_SMTP_HOST": "127.0.0.1",
            "CRM_SMTP_PORT": str(inbox.port),
            "CRM_SMTP_STARTTLS": "0",
            "CRM_SMTP_SENDER": "crm@lef.example",
            "CRM_ALERTS_WITH_EMULATOR": "1",
            "CRM_PUBLIC_URL": "https://crm.lef.example",
        },
    )
