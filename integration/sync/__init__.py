"""Two-way sync of partner sheets with the central store (DESIGN sections 3-4).

Pure parts (:mod:`.mapping`, :mod:`.merge`, :mod:`.plan`) decide what to do from
what was read; :mod:`.apply` does it (store transaction and batched sheet writes);
:mod:`.engine` runs one partner's tabs under the spreadsheet lease and records a
sync run per tab; :mod:`.command` is ``crm-sync sync``.
"""
