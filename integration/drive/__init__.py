"""Drive push channels and the ``modifiedTime`` poll: how a partner's edit reaches
the store within minutes with nothing installed on the partner's side.

- :mod:`.channels`: the channel rows in the store, their events, and the pure
  decisions (is a channel due for renewal, may it still be trusted);
- :mod:`.watch`: opening, renewing and stopping channels with Drive (the clock's
  ``drive-channels`` job and ``crm-sync watch``);
- :mod:`.poll`: the clock's ``drive-poll`` job, one ``files.get`` per partner;
- :mod:`.drive_command`: ``crm-sync watch``.

``/webhooks/drive`` (:mod:`integration.webhooks.drive`) receives the notifications.
"""
