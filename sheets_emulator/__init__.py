"""A local Google Sheets API v4 + Drive v3 emulator that real gspread runs against.

Run it with ``crm-sync emulator`` (see :mod:`.emulator_command`) or in-process with
``tests/emulator_fixtures.py`` (its test helper run_emulator); point clients at it
with ``SHEETS_EMULATOR_HOST=host:port``.

Modules: :mod:`.a1` (A1 notation), :mod:`.cells` (compact cell model),
:mod:`.locales` and :mod:`.parsing` (USER_ENTERED), :mod:`.rendering` (value
render options), :mod:`.formulas` (the evaluated formula subset), :mod:`.refshift`,
:mod:`.model` (sheets and spreadsheets), :mod:`.values_api`,
:mod:`.sheets_api`, :mod:`.batch_update` with :mod:`.txn` and the
``requests_*`` modules, :mod:`.fieldmask`, :mod:`.drive_api`, :mod:`.channels`
(Drive push channels: ``files.watch``, ``channels.stop``, the notifications),
:mod:`.admin`
(faults, quotas, stats), :mod:`.persistence` (``--state`` and ``--seed``),
:mod:`.server` (HTTP: auth, faults, the admin API's table) with :mod:`.routing`
(URL -> endpoint name), :mod:`.endpoints` (endpoint name -> the function that
answers it) and :mod:`.wire` (body limits, JSON in and out),
:mod:`.emulator_command` (``crm-sync emulator``).

Admin API (for tests, benchmarks and demos)
-------------------------------------------

When the emulator runs with ``--token``, admin calls need that bearer token
too; without one, they are open (the emulator listens on 127.0.0.1 by default).

``POST /_emulator/faults``
    Body: one fault spec or a list of them.  Fields:
    ``method`` ("GET", ...), ``path`` (regex searched in the decoded path),
    ``endpoint`` (an endpoint name, see stats), ``status`` (400-599: answer
    with Google's error body), ``message``, ``delay`` (seconds to wait before
    answering), ``drop`` (true: close the connection without answering),
    ``after`` (true: apply the request first, then wait the delay and answer
    with the status or drop the connection -- the write landed, the answer was
    lost; or a read's answer arrives late),
    ``hold`` (true: wait until ``POST /_emulator/release``, at most ``delay``
    seconds or 120; with ``after`` the request is applied first and its answer
    waits),
    ``times`` (how many matching requests are affected; default 1), or
    ``probability`` (0..1, each matching request; unlimited unless ``times``)
    with ``seed`` (for a reproducible sequence).  Example::

        {"endpoint": "values.batchUpdate", "status": 503, "times": 2}
        {"path": "/values/", "probability": 0.2, "seed": 7, "status": 500}
        {"method": "GET", "delay": 1.5}

    A spreadsheet its owner never shared with the service account (403
    PERMISSION_DENIED on every call until the faults are cleared)::

        {"path": "SPREADSHEET_ID", "probability": 1, "status": 403}

``DELETE /_emulator/faults``
    Remove every fault.  ``GET`` returns how many are pending.

``GET /_emulator/holds`` / ``POST /_emulator/release``
    ``{"held": n}``: requests waiting on a ``hold`` fault; the release lets every
    one of them go on (``{"released": n}``).  A test holds, say, a sync's
    ``spreadsheets.batchUpdate``, edits the sheet meanwhile, then releases it.

``GET /_emulator/stats``
    ``{"total": N, "by_endpoint": {"values.batchGet": n, ...}, "faults_fired":
    {"total": n, "by_kind": {"503": n, "drop": n, "delay": n, "after:503": n,
    "after:drop": n, "after:delay": n, "hold": n, ...}}}`` (faults that fired, not
    rules installed); endpoint
    names: spreadsheets.get, spreadsheets.batchUpdate,
    values.get, values.update, values.append,
    values.clear, values.batchGet, values.batchUpdate, values.batchClear,
    drive.files.create, drive.files.get, drive.files.list, drive.files.delete,
    drive.files.copy, drive.files.update,
    drive.files.import, drive.comments.list, drive.files.watch,
    drive.channels.stop.  Requests failed by
    an injected status or refused by a quota count too; dropped connections,
    requests without a valid token and admin calls do not.  ``DELETE`` zeroes the counters.

``POST /_emulator/reset``
    Drop all spreadsheets, faults and stats; quotas return to how the
    emulator started (Google's limits, on only with ``--quotas``).

``GET|POST /_emulator/quotas``
    ``{"enabled": true, "read_per_user": 60, "write_per_user": 60,
    "read_per_project": 300, "write_per_project": 300}`` (any subset).  When
    enabled, requests over a limit within a sliding minute get 429
    RESOURCE_EXHAUSTED.  The user is the bearer token.

``GET|POST /_emulator/notifications``
    ``{"drop": true}`` loses every Drive push notification from now on (the
    message numbers still count), ``{"drop": false}`` delivers again.  ``GET``
    answers ``{"drop": false, "channels": live, "delivered": n, "dropped": n,
    "failed": n}``.  Channels are not kept in the state file: after a restart
    watchers must open new ones.

``GET /_emulator/health``, ``POST /_emulator/save`` (write the state file now).

Known limits: formulas outside the subset in :mod:`.formulas` evaluate to
``#NAME?`` (their references still move with inserted and deleted rows and
columns, see :mod:`.refshift`); cell formats are stored and returned but only number
formats from USER_ENTERED parsing affect rendering; ``autoResizeDimensions``
estimates widths; permissions are not modelled (inject a 403 fault instead);
only the calls the service and its demo make, and those of gspread's own recorded
test traffic, are served (others answer 404, and batchUpdate requests of other
kinds 400 "Unknown name");
one lock serialises all requests.
"""
