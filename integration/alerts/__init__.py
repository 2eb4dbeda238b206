"""Alerts by e-mail: the clock mails partner staff and admins, each in their own
language, when a sync needs a person (:mod:`.conditions`), once per condition
until it changes and once when it clears (:mod:`.notify`, state in the store's
``alert_states``), plus a daily or weekly digest of the rows waiting to be fixed.
The mail server is the environment's (``CRM_SMTP_*``, read by
:mod:`integration.config`); without one, conditions are still tracked, so
:func:`.notify.open_alerts` can show them to a monitoring system.
"""
