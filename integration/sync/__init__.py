"""Two-way sync of partner sheets with the central store (the README's "How it
works"; how rows keep their identity: docs/reliability.md).

Pure parts decide what to do from what was read: :mod:`.sheet_rows` (headers, cells
<-> records, agreement parties), :mod:`.merge` (three-way per-field merge),
:mod:`.plan` (one tab's plan), :mod:`.messages` (status-cell texts). I/O at the
edges: :mod:`.state` loads what a plan needs in a few bulk queries, :mod:`.apply`
carries a plan out (ids, batched sheet write, then one store transaction),
:mod:`.engine` runs a partner's tabs under the spreadsheet lease and records a
sync run per tab, and :mod:`.sync_command` is ``crm-sync sync``.
"""
