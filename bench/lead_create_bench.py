"""Lead creation: the store's one create (prebuilt Core statements,
``integration/store/lead_create.py``) against the ORM create it replaced, in one
run, per store.

Each lead is its own committed transaction, as a form webhook's is: the firm
locks, the tombstone and firm look-ups, the lead row, its audit entry and a
sync request. The baseline is the ORM path as it stood before the two were
merged (``Lead`` object, ``session.add``, unit-of-work flush, the same checks
through ``records.check_lead_values``); it lives here only, as the yardstick.
Blocks of the two alternate, so a change of machine load hits both, and the
median block is reported. The choice it backs: the statements are the one
path, the ORM path would cost the webhook its throughput.

    python bench/lead_create_bench.py [--leads 600] [--blocks 6] [--stores sqlite,postgresql]
        [--out FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

from pg_databases import PG_ADMIN_URL, temporary_pg_database  # noqa: E402
from run_info import RunInfo  # noqa: E402

from integration.config import load_config  # noqa: E402
from integration.store import ids, migrate, records  # noqa: E402
from integration.store.db import Store  # noqa: E402
from integration.store.firm_locks import lock_firms  # noqa: E402
from integration.store.lead_create import create_lead  # noqa: E402
from integration.store.models import Lead, LeadIdSeq, utcnow  # noqa: E402
from integration.store.setup import sync_partner_rows  # noqa: E402


def orm_create(session: Any, data: Mapping[str, Any], *, source: str) -> str:
    """The baseline: the ORM create as it was (checks, object, flush), plus the
    ORM sync request the webhook recorded beside it."""
    clean = records.clean_data(data)
    lock_firms(session, [clean])
    records.check_lead_values(session, {}, clean, partner=clean["partner"])
    seq = LeadIdSeq()
    session.add(seq)
    session.flush()
    lead = Lead(id=ids.format_id("L", seq.seq), partner=clean["partner"], data=clean)
    lead.created_at = lead.updated_at = utcnow()
    records.apply_lead_columns(lead)
    session.add(lead)
    records.audit(session, lead, "create", source, {k: [None, v] for k, v in clean.items()})
    records.request_sync(session, clean["partner"], trigger="webhook", tab="leads")
    return lead.id


def one_create(session: Any, data: Mapping[str, Any], *, source: str) -> str:
    return create_lead(session, data, source=source, sync_trigger="webhook", sync_tab="leads")


def _lead() -> dict[str, Any]:
    n = uuid.uuid4().hex[:12]
    return {
        "partner": "lv",
        "company_name": f"SIA Bench {n}",
        "country": "LV",
        "sector": "ict",
        "contact_name": "Anna Bērziņa",
        "email": f"anna@{n}.example.lv",
        "phone": "+37129111222",
    }


def _block(store: Store, create: Callable[..., str], leads: int) -> float:
    """Milliseconds per lead over ``leads`` committed creates."""
    batch = [_lead() for _ in range(leads)]
    start = time.perf_counter()
    for data in batch:
        with store.session() as s:
            create(s, data, source="webhook:lv")
    return (time.perf_counter() - start) * 1000 / leads


def bench_store(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    store = Store(url)
    migrate.upgrade(store)
    config = load_config(ROOT / "partners.example.toml", environ={})
    sync_partner_rows(store, config)
    _block(store, one_create, 50)  # warm-up: statements compiled, caches filled
    _block(store, orm_create, 50)
    ours, base = [], []
    for _ in range(args.blocks):
        base.append(_block(store, orm_create, args.leads))
        ours.append(_block(store, one_create, args.leads))
    store.dispose()
    return {
        "store": name,
        "orm": statistics.median(base),
        "ours": statistics.median(ours),
        "ratios": [o / b for o, b in zip(ours, base, strict=True)],
    }


def render(results: list[dict[str, Any]], args: argparse.Namespace, run: RunInfo) -> str:
    lines = [
        "# Lead creation: one create path vs the ORM create",
        "",
        run.line(),
        "",
        f"{args.blocks} alternating blocks of {args.leads} leads per path and store, each "
        "lead its own committed transaction (firm locks, tombstone and firm look-ups, "
        "lead + audit entry + sync request); median block reported, and the median of the "
        "ratios of blocks run back to back (steadier on a shared machine).",
        "",
        "| Store | ORM create ms/lead (baseline) | One create ms/lead (ours) "
        "| Ours / ORM (median of blocks) | Per-block ratios |",
        "|---|---:|---:|---:|---|",
    ]
    for r in results:
        ratios = ", ".join(f"{x:.2f}" for x in r["ratios"])
        lines.append(
            f"| {r['store']} | {r['orm']:.2f} | {r['ours']:.2f} | "
            f"{statistics.median(r['ratios']):.2f} | {ratios} |"
        )
    lines += [
        "",
        "Below 1.00 the one create is faster. Reproduce: `python bench/lead_create_bench.py`.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=600)
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument(
        "--out",
        default=str(ROOT / "bench" / "results" / "lead_create_bench.md"),
        help="'': print only",
    )
    args = parser.parse_args()
    run = RunInfo.begin()
    results = []
    stores = args.stores.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        if "sqlite" in stores:
            results.append(bench_store("SQLite", f"sqlite:///{tmp}/bench.sqlite", args))
        if "postgresql" in stores:
            with temporary_pg_database(PG_ADMIN_URL, "lefcrm_leadbench", migrated=False) as pg:
                results.append(bench_store("PostgreSQL", pg, args))
    text = render(results, args, run.finish())
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
