"""Two-way sync of partner sheets with the central store (the README's "How it
works"; how rows keep their identity: docs/reliability.md).

A tab is synced in three stages, in one direction:

1. read once -- :mod:`.snapshot`: the tab as read (header, layout, each row's
   CRM ID and fingerprint), frozen, used by every stage after it;
2. plan once -- :mod:`.plan`: a function of the snapshot, the store state
   (:mod:`.state`, loaded in a few bulk queries) and the settings, returning a
   frozen plan; its rules are functions over one plan context, one module each;
3. carry out once -- :mod:`.carry_out`: one ordered executor (reserve ids,
   record pending bases, log conflicts, follow the rows, write the sheet
   (:mod:`.sheet_write`), commit the store (:mod:`.apply`), release a stop).

Pure parts besides: :mod:`.sheet_rows` (headers, cells <-> records, agreement
parties), :mod:`.merge` (three-way per-field merge), :mod:`.messages` (status-cell
texts), :mod:`.counts` (what a run counted, one type). :mod:`.engine` runs a
partner's tabs under the spreadsheet lease and records a sync run per tab, and
:mod:`.sync_command` is ``crm-sync sync``.
"""
