"""Planning one tab's sync (pure): its snapshot + store state + settings -> a Plan.

Nothing here touches the network or the database, so every rule is tested
directly (``tests/sync/test_plan_rules.py``). :func:`plan_tab` makes one
:class:`.context.PlanContext` and runs the rules over it, each a module of
functions (no rule inherits another):

- :mod:`.layout`: the header row, the layout and the service columns;
- :mod:`.valve`: the mass-deletion valve and archiving vanished rows;
- :mod:`.existing`: rows with a CRM ID (ownership, merge and conflict policies,
  erased and archived records);
- :mod:`.new_rows`: rows without one (GDPR tombstones, duplicates, new records);
- :mod:`.pending`: appends, pending and landed bases.

:mod:`.model` holds the inputs and the (frozen) plan; :mod:`.planner` runs the
rules; :mod:`.detail` says which records the plan needs in full. The plan is made
once (under newest_wins too: when the sheet changed is asked only at a conflict)
and :mod:`..carry_out` carries it out. New records get their ids only then
(:func:`..apply.bind_ids` returns a new plan); until then cells refer to them
through :class:`NewId` / :class:`Deferred`.
"""

from .detail import detail_needed
from .model import (
    COUNT_KEYS,
    PENDING,
    Deferred,
    NewId,
    NewRecord,
    Plan,
    QuarantineItem,
    Settings,
    Shadow,
    StoreRecord,
    StoreState,
    Update,
    fingerprint,
)
from .planner import plan_tab

__all__ = [
    "COUNT_KEYS",
    "PENDING",
    "Deferred",
    "NewId",
    "NewRecord",
    "Plan",
    "QuarantineItem",
    "Settings",
    "Shadow",
    "StoreRecord",
    "StoreState",
    "Update",
    "detail_needed",
    "fingerprint",
    "plan_tab",
]
