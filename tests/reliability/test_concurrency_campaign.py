"""The CI-sized concurrency campaign on PostgreSQL (see concurrency_campaign.py):
seeded rounds of concurrent actors through real HTTP (PATCH with and without
If-Match, admin moves, erasures, signed forms valid, invalid and for another
partner's firm, merges, replays, the staff's sheet edits and syncs through real
gspread), judged by the campaign's own oracle. Every violation fails; the bench
run (bench/concurrency_campaign.py) is the same campaign at 1,000 rounds."""

from __future__ import annotations

import pytest
from concurrency_campaign import run_campaign

ROUNDS = 20

#: every kind of action the campaign claims, each taken at least once in the run
KINDS = (
    "patch_if_match",
    "patch_blind",
    "admin_move",
    "erase",
    "form_valid",
    "form_invalid",
    "form_foreign",
    "merge",
    "replay",
    "staff_edit",
    "sync",
)


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_actors_lose_no_change_and_bring_no_erased_person_back(
    pg_migrated_url: str,
) -> None:
    out = run_campaign(range(ROUNDS), database_url=pg_migrated_url)
    print(
        f"\nconcurrency campaign: {out.rounds} rounds in {out.seconds:.0f} s; "
        f"actions {dict(out.actions)}; refusals {dict(out.refusals)}; checks {dict(out.checks)}"
    )
    assert out.rounds == ROUNDS
    assert out.violations == [], "\n".join(out.violations[:40])
    # the campaign really exercised what it claims, and the oracle really judged
    missing = [k for k in KINDS if out.actions[k] == 0]
    assert missing == [], (missing, out.actions)
    assert out.refusals, out.refusals  # some writes were refused (412, 404, 409, 422)
    assert out.checks["fields checked"] >= 20 * ROUNDS
    assert out.checks["erased identifiers looked for"] >= ROUNDS // 4
    assert out.checks["partners checked"] >= 3 * ROUNDS
