"""``crm-sync demo``: the whole service on embedded defaults, with no Google
account and no database server (the Sheets emulator and SQLite)."""
