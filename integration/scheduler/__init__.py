"""The clock: nightly syncs per partner and debounced syncs on request.

Only ``crm-sync scheduler``, ``crm-sync serve`` and ``crm-sync demo`` start it;
the web application never does, so gunicorn workers never run a second clock.
"""
