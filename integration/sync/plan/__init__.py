"""Planning one tab's sync (pure): what was read + store state + base -> a Plan.

Nothing here touches the network or the database, so every rule is tested
directly (``tests/sync/test_plan_rules.py``). One module per rule:

- :mod:`.layout`: the header row, the layout and the service columns;
- :mod:`.valve`: the mass-deletion valve and archiving vanished rows;
- :mod:`.existing`: rows with a CRM ID (ownership, merge and conflict policies,
  erased and archived records);
- :mod:`.new_rows`: rows without one (GDPR tombstones, duplicates, new records);
- :mod:`.pending`: appends, pending and landed bases.

:mod:`.model` holds the inputs and the plan; :mod:`.planner` runs the rules.
:mod:`.apply` carries a plan out. New records get their ids only when the plan is
applied; until then cells refer to them through :class:`NewId` / :class:`Deferred`.
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
