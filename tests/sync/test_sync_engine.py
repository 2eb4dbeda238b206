"""The sync engine end to end: real gspread -> emulator over HTTP, store on SQLite
and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select
from sync_env import LV_LEADS_HEADER, SyncEnv

from integration.store import records
from integration.store.models import AuditEntry, Conflict, Lead, QuarantineEntry, SyncRun, SyncTab

LV1, LV2, LV3 = "40003000002", "40003000017", "40003000021"


def test_new_rows_get_ids_and_a_second_sync_changes_nothing(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            ["SIA Alfa", "Latvija", LV1, "IKT", "Anna", "anna@alfa.lv", "+37120000001", "", "mūsu"],
            [],
            ["Beta MMC", "Azerbaidžāna", "", "Izglītība", "", "info@beta.az", "", "", ""],
        ],
    )
    tab = env.synced_tab("lv")
    assert tab.counts["created"] == 2 and tab.counts["blank"] == 1
    assert tab.api_calls <= 4
    rows = env.records("lv")
    ids = sorted(k for k in rows if k.startswith("L-"))
    assert len(ids) == 2
    leads = env.leads()
    assert sorted(leads) == ids
    by_name = {lead.data["company_name"]: lead for lead in leads.values()}
    assert by_name["SIA Alfa"].data["country"] == "LV"
    assert by_name["SIA Alfa"].data["sector"] == "ict"
    assert by_name["Beta MMC"].data["country"] == "AZ"
    assert rows[by_name["SIA Alfa"].id]["Sinhronizācijas statuss"] == "OK"
    assert rows[by_name["SIA Alfa"].id]["Mūsu komentārs"] == "mūsu"

    audits = env.count(AuditEntry)
    before = env.values("lv")
    env.emulator.reset_stats()
    again = env.sync("lv", tab="leads").tabs[0]
    assert env.emulator.stats()["total"] == again.api_calls == 1  # our count is Google's
    assert again.outcome == "completed"
    assert again.cells_written == 0 and again.rows_appended == 0
    assert again.counts["unchanged"] == 2 and again.counts["created"] == 0
    assert again.api_calls == 1
    assert env.values("lv") == before
    assert env.count(AuditEntry) == audits
    assert {i: lead.version for i, lead in env.leads().items()} == {i: 1 for i in ids}
    with env.store.session() as s:
        runs = s.scalars(select(SyncRun).order_by(SyncRun.id)).all()
    assert [r.outcome for r in runs] == ["completed", "completed"]
    assert runs[0].counts["created"] == 2 and runs[1].cells_written == 0
    assert runs[0].api_calls == tab.api_calls


def test_edits_flow_both_ways_and_extra_columns_stay(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            ["SIA Alfa", "LV", LV1, "IKT", "Anna", "anna@alfa.lv", "", "", "keep me"],
            ["SIA Gamma", "LV", LV2, "IKT", "Guna", "guna@gamma.lv", "", "", "=SUM(1)"],
        ],
    )
    env.sync("lv", tab="leads")
    rows = env.records("lv")
    alfa_id = next(k for k, v in rows.items() if v["Uzņēmums"] == "SIA Alfa")
    gamma_id = next(k for k, v in rows.items() if v["Uzņēmums"] == "SIA Gamma")
    row_of = {alfa_id: 2, gamma_id: 3}
    # sheet -> store: the partner edits the contact of Alfa
    env.write("lv", "Leads", f"E{row_of[alfa_id]}", [["Anna Bērziņa"]])
    # store -> sheet: the CRM changes the stage/email of Gamma
    with env.store.session() as s:
        gamma = s.get(Lead, gamma_id)
        records.update_record(s, gamma, {"email": "sales@gamma.lv"}, source="api")
    report = env.synced_tab("lv")
    assert report.counts["updated"] == 2 and report.counts["conflicts"] == 0
    leads = env.leads()
    assert leads[alfa_id].data["contact_name"] == "Anna Bērziņa"
    rows = env.records("lv")
    assert rows[gamma_id]["E-pasts"] == "sales@gamma.lv"
    assert rows[alfa_id]["Mūsu komentārs"] == "keep me"
    assert rows[gamma_id]["Mūsu komentārs"] == "=SUM(1)"
    # only the changed cell + status/last-synced bookkeeping of the touched rows
    assert report.cells_written <= 3
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


def test_columns_reordered_rows_sorted_and_inserted_keep_identity(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            ["Company", "Country", "Registration code", "Sector", "E-mail"],
            ["SIA Alfa", "LV", LV1, "ICT", "a@alfa.lv"],
            ["SIA Beta", "LV", LV2, "ICT", "b@beta.lv"],
        ],
    )
    env.sync("lv", tab="leads")
    rows = env.values("lv")
    header = rows[0]
    id_col = header.index("CRM ID")
    ids = {r[0]: r[id_col] for r in rows[1:]}
    # reverse the column order, sort rows descending, insert a new firm in the middle
    new_rows = [list(reversed(header))]
    body = [list(reversed(r + [""] * (len(header) - len(r)))) for r in rows[1:]]
    body.sort(key=lambda r: r[-1], reverse=True)
    new_body = [
        body[0],
        list(reversed(["SIA Cēsis", "LV", LV3, "ICT", "c@cesis.lv", "", "", ""])),
        body[1],
    ]
    env.replace("lv", "Leads", new_rows + new_body)
    report = env.synced_tab("lv")
    assert report.counts["created"] == 1 and report.counts["archived"] == 0
    assert report.counts["unchanged"] == 2
    recs = env.records("lv")
    by_name = {v["Company"]: k for k, v in recs.items()}
    assert by_name["SIA Alfa"] == ids["SIA Alfa"] and by_name["SIA Beta"] == ids["SIA Beta"]
    assert by_name["SIA Cēsis"].startswith("L-")
    assert len(env.leads()) == 3


def test_headers_in_estonian_and_finnish(env: SyncEnv) -> None:
    env.sheet(
        "ee",
        [
            ["Ettevõte", "Riik", "Registrikood", "Sektor", "E-post"],
            ["Alfa OÜ", "Eesti", "10000001", "IKT", "info@alfa.ee"],
        ],
    )
    env.sheet(
        "fi",
        [
            ["Yritys", "Maa", "Y-tunnus", "Toimiala", "Sähköposti"],
            ["Alfa Oy", "Suomi", "1000000-4", "Tietotekniikka", "info@alfa.fi"],
        ],
    )
    for partner in ("ee", "fi"):
        report = env.sync(partner, tab="leads").tabs[0]
        assert report.counts["created"] == 1, (partner, report.counts, env.values(partner))
    leads = {lead.data["company_name"]: lead for lead in env.leads().values()}
    assert leads["Alfa OÜ"].partner == "ee" and leads["Alfa OÜ"].data["country"] == "EE"
    assert leads["Alfa Oy"].partner == "fi" and leads["Alfa Oy"].data["sector"] == "ict"
    assert env.values("fi")[0][-3:] == ["CRM ID", "Synkronoinnin tila", "Viimeksi synkronoitu"]


def test_invalid_rows_are_quarantined_then_applied_when_fixed(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "Nekurzeme", LV1, "IKT", "", "", "", "", ""]])
    report = env.sync("lv", tab="leads").tabs[0]
    assert report.outcome == "completed" and report.counts["invalid"] == 1
    row = env.values("lv")[1]
    status = row[LV_LEADS_HEADER.__len__() + 1]
    assert "Valsts" in status and "Nekurzeme" in status  # Latvian field name, the bad value
    with env.store.session() as s:
        entries = s.scalars(select(QuarantineEntry)).all()
    assert len(entries) == 1 and entries[0].resolved_at is None
    assert entries[0].raw["Valsts"] == "Nekurzeme" and entries[0].row_number == 2
    assert env.count(Lead) == 0
    # the tab's gid is kept, so "needs fixing" can link to the sheet at that row
    sid = env.config.partners["lv"].spreadsheet_id
    gid = env.gc.open_by_key(sid).worksheet("Leads").id
    with env.store.session() as s:
        assert s.get(SyncTab, ("lv", "leads")).sheet_id == gid
    # syncing again does not pile up entries
    env.sync("lv", tab="leads")
    assert env.count(QuarantineEntry) == 1
    env.write("lv", "Leads", "B2", [["Latvija"]])
    report = env.sync("lv", tab="leads").tabs[0]
    assert report.counts["created"] == 1 and report.counts["invalid"] == 0
    with env.store.session() as s:
        entry = s.scalars(select(QuarantineEntry)).one()
    assert entry.resolution == "applied" and entry.resolved_at is not None
    assert env.records("lv")
    assert env.count(Lead) == 1


def test_duplicates_across_two_partners_sheets(env: SyncEnv) -> None:
    env.sheet("lv", [LV_LEADS_HEADER, ["SIA Alfa", "LV", LV1, "IKT", "", "", "", "", ""]])
    env.sheet(
        "ee",
        [
            ["Ettevõte", "Riik", "Registrikood", "Sektor"],
            ["Alfa SIA", "Läti", "LV" + LV1, "IKT"],
            ["Alfa (copy)", "LV", LV1, "IKT"],
        ],
    )
    env.sync("lv", tab="leads")
    lv_id = next(iter(env.leads()))
    report = env.sync("ee", tab="leads").tabs[0]
    assert report.counts["duplicates"] == 2 and report.counts["created"] == 0
    rows = env.values("ee")
    header = rows[0]
    status_col = header.index("Sünkroonimise olek")
    assert rows[1][status_col] == f"Duplikaat: {lv_id} (LV)"
    assert header.index("CRM ID") >= len(rows[1]) or rows[1][header.index("CRM ID")] == ""
    with env.store.session() as s:
        entries = s.scalars(select(QuarantineEntry)).all()
    assert {e.duplicate_of for e in entries} == {lv_id}
    assert len(entries) == 2  # one entry per row, nothing dropped
    assert env.count(Lead) == 1
    assert env.sync("ee", tab="leads").tabs[0].cells_written == 0


def test_deleted_rows_are_archived_and_the_mass_deletion_valve_holds(env: SyncEnv) -> None:
    body = [
        [f"SIA Firma {i}", "LV", "", "IKT", "", f"f{i}@firma.lv", "", "", ""] for i in range(10)
    ]
    env.sheet("lv", [LV_LEADS_HEADER, *body])
    env.sync("lv", tab="leads")
    rows = env.values("lv")
    # one row deleted: archived
    env.replace("lv", "Leads", [rows[0], *rows[2:]])
    report = env.sync("lv", tab="leads").tabs[0]
    assert report.outcome == "completed" and report.counts["archived"] == 1
    archived = [lead for lead in env.leads().values() if lead.archived_at is not None]
    assert [a.data["company_name"] for a in archived] == ["SIA Firma 0"]
    # six of the nine remaining rows vanish at once: the valve stops everything
    rows = env.values("lv")
    env.replace("lv", "Leads", [rows[0], *rows[7:]])
    report = env.sync("lv", tab="leads")
    assert report.outcome == "aborted" and "vanished" in report.tabs[0].error
    assert sum(1 for lead in env.leads().values() if lead.archived_at is not None) == 1
    with env.store.session() as s:
        run = s.scalars(select(SyncRun).order_by(SyncRun.id.desc())).first()
    assert run.outcome == "aborted" and "vanished" in run.error
    assert run.header_report["row"] == 1  # the header was read before the valve held
    # the rows come back (undo): nothing to do
    env.replace("lv", "Leads", rows)
    assert env.sync("lv", tab="leads").tabs[0].counts["archived"] == 0


def test_values_stay_exactly_as_typed_after_a_round_trip(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            [
                "SIA Alfa",
                "LV",
                LV1,
                "IKT",
                "",
                "",
                "+37120000000",
                '=IMPORTXML("http://x","//a")',
                "00123",
            ],
        ],
    )
    env.sync("lv", tab="leads")
    row = env.values("lv")[1]
    assert row[6] == "+37120000000"
    assert row[7] == '=IMPORTXML("http://x","//a")'
    assert row[8] == "00123"
    lead = next(iter(env.leads().values()))
    assert lead.data["notes"] == '=IMPORTXML("http://x","//a")'
    # a value arriving from the CRM side (a web form) is written RAW: text, not a formula
    env.store_lead(
        "webhook:lv",
        partner="lv",
        company_name='=HYPERLINK("http://evil")',
        country="LV",
        sector="ict",
        phone="+37120000002",
        event="00123",
    )
    report = env.sync("lv", tab="leads").tabs[0]
    assert report.rows_appended == 1
    appended = env.values("lv")[2]
    assert appended[0] == '=HYPERLINK("http://evil")' and appended[6] == "+37120000002"
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0
    assert env.values("lv")[1][:9] == row[:9]


def test_conflicts_follow_the_policy_and_are_logged(env: SyncEnv) -> None:
    import dataclasses

    outcomes = {}
    for policy in ("sheet_wins", "store_wins", "newest_wins"):
        pc = dataclasses.replace(env.config.partners["lv"], conflict_policy=policy)
        env.config = dataclasses.replace(env.config, partners={**env.config.partners, "lv": pc})
        env.sheet(
            "lv",
            [
                LV_LEADS_HEADER,
                [f"SIA {policy}", "LV", "", "IKT", "Anna", f"{policy}@x.lv", "", "", ""],
            ],
        )
        env.sync("lv", tab="leads")
        lead_id = env.values("lv")[1][9]
        env.write("lv", "Leads", "E2", [["Sheet Name"]])
        with env.store.session() as s:
            records.update_record(
                s, s.get(Lead, lead_id), {"contact_name": "Store Name"}, source="api"
            )
        report = env.sync("lv", tab="leads").tabs[0]
        assert report.counts["conflicts"] == 1
        with env.store.session() as s:
            conflict = s.scalars(select(Conflict).where(Conflict.record_id == lead_id)).one()
            lead = s.get(Lead, lead_id)
        assert (conflict.sheet_value, conflict.store_value, conflict.base_value) == (
            "Sheet Name",
            "Store Name",
            "Anna",
        )
        assert conflict.policy == policy
        row = env.values("lv")[1]
        assert row[4] == lead.data["contact_name"] == conflict.resolved_value
        assert row[10].startswith("Konflikts: Kontaktpersona")
        outcomes[policy] = conflict.winner
        # flagged until reviewed; syncing again is quiet
        assert env.sync("lv", tab="leads").tabs[0].cells_written == 0
    assert outcomes["sheet_wins"] == "sheet" and outcomes["store_wins"] == "store"
    # the store edit happened after the sheet edit: the newest side is the store
    assert outcomes["newest_wins"] == "store"


def test_gdpr_erased_person_stays_erased(env: SyncEnv) -> None:
    env.sheet(
        "lv",
        [
            LV_LEADS_HEADER,
            ["SIA Alfa", "LV", LV1, "IKT", "Anna", "anna@alfa.lv", "+37120000001", "x", ""],
        ],
    )
    env.sync("lv", tab="leads")
    lead_id = env.values("lv")[1][9]
    with env.store.session() as s:
        records.erase_lead(s, s.get(Lead, lead_id), source="api", scope=None)
    # someone also pasted an old copy of the row without its id
    env.write(
        "lv",
        "Leads",
        "A3",
        [["SIA Alfa", "LV", LV1, "IKT", "Anna", "anna@alfa.lv", "+37120000001", "x", ""]],
    )
    report = env.sync("lv", tab="leads").tabs[0]
    assert report.outcome == "completed" and report.counts["erased"] == 1
    rows = env.values("lv")
    for row in rows[1:3]:
        assert [row[i] if i < len(row) else "" for i in (4, 5, 6, 7)] == ["", "", "", ""]
    assert rows[1][0] == "SIA Alfa"  # the firm stays
    with env.store.session() as s:
        lead = s.get(Lead, lead_id)
        assert "email" not in lead.data and "contact_name" not in lead.data
    assert env.count(Lead) == 1
    assert env.sync("lv", tab="leads").tabs[0].cells_written == 0


def test_newest_wins_takes_a_later_sheet_edit(env: SyncEnv) -> None:
    import dataclasses
    import time

    pc = dataclasses.replace(env.config.partners["fi"], conflict_policy="newest_wins")
    env.config = dataclasses.replace(env.config, partners={**env.config.partners, "fi": pc})
    env.sheet(
        "fi", [["Yritys", "Maa", "Toimiala", "Yhteyshenkilö"], ["Alfa Oy", "FI", "ICT", "Aino"]]
    )
    env.sync("fi", tab="leads")
    lead_id = env.values("fi")[1][4]
    with env.store.session() as s:
        records.update_record(s, s.get(Lead, lead_id), {"contact_name": "CRM"}, source="api")
    time.sleep(1.1)  # Drive's modifiedTime has second precision in places
    env.write("fi", "Leads", "D2", [["Later in the sheet"]])
    report = env.sync("fi", tab="leads").tabs[0]
    assert report.counts["conflicts"] == 1
    with env.store.session() as s:
        assert s.get(Lead, lead_id).data["contact_name"] == "Later in the sheet"
        assert s.scalars(select(Conflict)).one().winner == "sheet"
    assert env.values("fi")[1][5].startswith("Ristiriita: Yhteyshenkilö")


def _runs(env: SyncEnv) -> list[SyncRun]:
    with env.store.session() as s:
        return list(s.scalars(select(SyncRun).order_by(SyncRun.id)))


def test_every_run_that_reads_a_header_records_its_report(env: SyncEnv) -> None:
    header = ["Company name", "Country", "Sector", "Registraton code", "E-mail", "Our remarks"]
    env.sheet("lv", [header, ["SIA Alfa", "LV", "IKT", LV1, "info@alfa.lv", "call in May"]])
    dry = env.sync("lv", tab="leads", dry_run=True).tabs[0]
    real = env.sync("lv", tab="leads").tabs[0]
    assert dry.outcome == real.outcome == "completed"
    first, second = _runs(env)
    assert first.dry_run and not second.dry_run
    for run in (first, second):
        report = run.header_report
        assert report["row"] == 1
        assert [(m["column"], m["header"], m["field"]) for m in report["mapped"]][:3] == [
            ("A", "Company name", "company_name"),
            ("B", "Country", "country"),
            ("C", "Sector", "sector"),
        ]
        kept = {u["column"]: u for u in report["unrecognised"]}
        assert kept["D"] == {
            "column": "D",
            "header": "Registraton code",
            "suggestion": "registration_code",
        }
        assert kept["F"]["header"] == "Our remarks"
        assert "registration_code" in report["missing"]
        assert "email" not in report["missing"]
    # the service columns the real run added are the service's own, never "not recognised"
    assert env.values("lv")[0][6] == "CRM ID"
    assert env.sync("lv", tab="leads").tabs[0].outcome == "completed"
    kept = [u["column"] for u in _runs(env)[-1].header_report["unrecognised"]]
    assert kept == ["D", "F"]
    # an unrecognisable header aborts; its report says what the header row holds,
    # so the health page shows staff which headers it could not read
    env.replace("lv", "Leads", [["Foo", "Bar"], ["x", "y"]])
    aborted = env.sync("lv", tab="leads").tabs[0]
    assert aborted.outcome == "aborted" and "recognised" in aborted.error
    report = _runs(env)[-1].header_report
    assert report["mapped"] == []
    assert [u["header"] for u in report["unrecognised"]] == ["Foo", "Bar"]
    # a run that never read a header (the tab is gone) records none: SQL NULL
    env.gc.open_by_key(env.config.partners["lv"].spreadsheet_id).del_worksheet(
        env.gc.open_by_key(env.config.partners["lv"].spreadsheet_id).worksheet("Leads")
    )
    failed = env.sync("lv", tab="leads").tabs[0]
    assert failed.outcome == "failed"
    last = _runs(env)[-1]
    assert last.header_report is None
    with env.store.session() as s:
        stored_null = s.scalar(
            select(SyncRun.id).where(SyncRun.header_report.is_(None), SyncRun.id == last.id)
        )
    assert stored_null == last.id  # SQL NULL, not JSON null: "runs with a report" is a filter
