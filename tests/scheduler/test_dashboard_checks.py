"""The Sync page's "Configuration checks" card against the emulator: an admin
sees the settings, the store and its migrations, and each partner's spreadsheet
and tabs (an unshared one with the words of ``crm-sync check``), each group with
the time it was checked; the checks that call Google are cached, so more page
views make no more Sheets calls; partner staff see only their own spreadsheet."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

from dashboard_client import BASE, sign_in
from scheduler_helpers import make_setup

from integration import create_app
from integration.auth import create_token


def _groups(page: str) -> dict[str, str]:
    """Each check group's heading text and the lines under it."""
    parts = re.split(r"<h3 data-check-group=", page)[1:]
    out = {}
    for part in parts:
        key, rest = part.split(">", 1)
        heading = " ".join(
            html.unescape(re.sub(r"<[^>]+>", " ", rest[: rest.index("</h3>")])).split()
        )
        body = rest[rest.index("</h3>") : rest.index("</ul>")]
        out[f"{key.strip(chr(34))}: {heading}"] = " ".join(
            html.unescape(re.sub(r"<[^>]+>", " ", body)).split()
        )
    return out


def test_the_sync_page_shows_cached_store_and_spreadsheet_checks(
    emulator, sqlite_url: str, tmp_path: Path
) -> None:
    s = make_setup(emulator, sqlite_url, tmp_path)
    lv = dataclasses.replace(s.config.partners["lv"], spreadsheet_id="1NotSharedWithUs")
    config = dataclasses.replace(
        s.config,
        partners={**s.config.partners, "lv": lv},
        environ={**s.config.environ, "CRM_SECRET_KEY": "k"},
    )
    with s.store.session() as session:
        _a, admin = create_token(session, "admin")
        _e, ee_staff = create_token(session, "ee staff", "ee")
    web = create_app(config, store=s.store).test_client()
    sign_in(web, admin)
    emulator.reset_stats()
    page = web.get("/dashboard/sync", base_url=BASE).text
    groups = _groups(page)
    headings = list(groups)
    assert headings[0] == "checks_settings: Settings · checked now", headings
    store = next(h for h in headings if h.startswith("checks_store: Store and Google · "))
    assert "· checked 20" in store, store  # with the time it was checked
    assert "ok migrations: at the newest revision" in groups[store]
    sheets = {h: lines for h, lines in groups.items() if "checks_spreadsheet" in h}
    assert len(sheets) == 3, headings
    (lv_lines,) = [lines for h, lines in sheets.items() if config.partners["lv"].name in h]
    assert "failed spreadsheet lv: 1NotSharedWithUs cannot be opened; share it with" in lv_lines
    (ee_lines,) = [lines for h, lines in sheets.items() if config.partners["ee"].name in h]
    assert "ok spreadsheet ee" in ee_lines and "ok tab ee/" in ee_lines, ee_lines
    called = emulator.stats()["total"]
    assert called > 0
    # more page views: the same checks, from the cache, with no Sheets call
    for _ in range(3):
        again = web.get("/dashboard/sync", base_url=BASE).text
    assert emulator.stats()["total"] == called
    assert _groups(again) == groups

    staff = create_app(config, store=s.store).test_client()
    sign_in(staff, ee_staff)
    mine = _groups(staff.get("/dashboard/sync", base_url=BASE).text)
    assert [h.split(":")[0] for h in mine] == ["checks_spreadsheet"], list(mine)
    (only,) = mine.values()
    assert "spreadsheet ee" in only and "lv" not in only
    s.store.dispose()
