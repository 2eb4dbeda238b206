"""The service's words for what happened and why, as ``StrEnum``: a sync run's
outcome, what triggered a sync, a partner's conflict policy, what became of a
submitted lead.

Each member equals its string, so stored values (``sync_runs.outcome``,
``sync_requests.trigger``), JSON answers and the partners file read as they
always did; code compares with the member, and a misspelt word is an
``AttributeError`` instead of a branch never taken.

A leaf module like :mod:`integration.kinds` (which holds the record kinds and
tabs): it imports nothing from ``integration``, so every part may read it.
"""

from __future__ import annotations

from enum import StrEnum


class SyncOutcome(StrEnum):
    """How one tab's sync run ended (``sync_runs.outcome``)."""

    #: recorded when the run starts; a run still ``running`` later died mid-way
    RUNNING = "running"
    #: the tab is in step (possibly with invalid rows, still a successful sync)
    COMPLETED = "completed"
    #: stopped on purpose before writing (a header problem, the deletion stop)
    ABORTED = "aborted"
    #: Google or the store failed
    FAILED = "failed"
    #: another sync of the spreadsheet held its lease
    BUSY = "busy"


#: Outcomes of a sync run that did not complete; anything else completed.
UNFINISHED_OUTCOMES = frozenset(
    {SyncOutcome.RUNNING, SyncOutcome.BUSY, SyncOutcome.FAILED, SyncOutcome.ABORTED}
)


class Trigger(StrEnum):
    """What asked for a sync (``sync_requests.trigger``, ``sync_runs.trigger``)."""

    NIGHTLY = "nightly"
    #: the clock's catch-up after downtime missed a nightly sync
    CATCH_UP = "catch-up"
    #: a sheet edit or a form submission arrived as a webhook
    WEBHOOK = "webhook"
    #: the API or the dashboard changed a record
    API = "api"
    CLI = "cli"
    DEMO = "demo"
    #: the clock saw Drive's ``modifiedTime`` move
    DRIVE_POLL = "drive-poll"
    #: Drive pushed a change notification
    DRIVE_PUSH = "drive-push"
    #: staff accepted a tab's stopped deletions; the next sync carries them out
    ACCEPT_DELETIONS = "accept_deletions"


class ConflictPolicy(StrEnum):
    """Which side wins a field both the sheet and the store changed (a partner's
    ``conflict_policy``)."""

    SHEET_WINS = "sheet_wins"
    STORE_WINS = "store_wins"
    #: the later edit wins: the sheet's Drive ``modifiedTime`` against the record's
    NEWEST_WINS = "newest_wins"


class IntakeOutcome(StrEnum):
    """What became of one submitted lead (a form webhook, a quarantine replay)."""

    CREATED = "created"
    #: filled the empty fields of the partner's own lead with the same natural key
    MERGED = "merged"
    #: another partner's lead has the natural key: kept in quarantine for review
    DUPLICATE = "duplicate"
    INVALID = "invalid"
    #: the values identify a person who asked to be erased
    ERASED = "erased"
