"""Google Sheets connector: the only place that talks to Sheets (through gspread).

- :mod:`.auth` builds the gspread client (service account, or the local emulator
  when an emulator host is given) and :mod:`.transport` redirects it;
- :mod:`.tab_io` reads whole tabs and writes each tab in one batch (:class:`SheetsConnector`),
  whose requests :mod:`.batch_requests` builds (rows inserted and filled atomically);
- :mod:`.retry` is Google's truncated exponential backoff, :mod:`.ratelimit` the
  client-side per-minute budgets, :mod:`.errors` the connector's own exceptions.

Nothing here imports the service (``integration``).
"""
