"""What each endpoint does: one table from the endpoint names of
:mod:`.routing` to the function that answers the call.

A row also says what the server does around the call: whether it runs under
the store lock (everything but the push-channel calls, which touch no
spreadsheet), whether it changes the store (so the state file is saved), the
status of a success, whether the body is JSON, and whether the answer applies
a ``fields`` mask itself (to avoid building what was not asked for) or leaves
it to the server.  Adding an endpoint is one route and one row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import batch_update, drive_api, sheets_api, values_api
from .channels import Channels
from .model import Spreadsheet, Store


@dataclass(frozen=True)
class Call:
    """One API call as its endpoint sees it: the URL's parts, the query and the
    body (``json`` parsed before the store lock is taken; ``None`` when empty)."""

    store: Store
    channels: Channels
    args: dict[str, str]
    params: dict[str, Any]
    body: bytes
    json: Any

    @property
    def spreadsheet(self) -> Spreadsheet:
        """The spreadsheet the URL names, or the Sheets API's 404."""
        return self.store.get(self.args["id"])


@dataclass(frozen=True)
class Endpoint:
    """One row of the table (see the module's docstring for the flags)."""

    answer: Callable[[Call], Any]
    writes: bool = False
    status: int = 200
    locked: bool = True
    json_body: bool = True
    masks_fields: bool = False


def _watch(call: Call) -> dict[str, Any]:
    with call.store.lock:
        drive_api.file_of(call.store, call.args["id"])
    return call.channels.watch(call.args["id"], call.json)


def _stop_channel(call: Call) -> None:
    call.channels.stop(call.json)


ENDPOINTS: dict[str, Endpoint] = {
    "spreadsheets.get": Endpoint(
        lambda c: sheets_api.get(c.spreadsheet, c.params), masks_fields=True
    ),
    "spreadsheets.batchUpdate": Endpoint(
        lambda c: batch_update.batch_update(c.spreadsheet, c.json), writes=True
    ),
    "values.get": Endpoint(lambda c: values_api.get(c.spreadsheet, c.args["range"], c.params)),
    "values.batchGet": Endpoint(lambda c: values_api.batch_get(c.spreadsheet, c.params)),
    "values.update": Endpoint(
        lambda c: values_api.update(c.spreadsheet, c.args["range"], c.json, c.params),
        writes=True,
    ),
    "values.append": Endpoint(
        lambda c: values_api.append(c.spreadsheet, c.args["range"], c.json, c.params),
        writes=True,
    ),
    "values.clear": Endpoint(
        lambda c: values_api.clear(c.spreadsheet, c.args["range"]), writes=True
    ),
    "values.batchUpdate": Endpoint(
        lambda c: values_api.batch_update(c.spreadsheet, c.json, c.params), writes=True
    ),
    "values.batchClear": Endpoint(
        lambda c: values_api.batch_clear(c.spreadsheet, c.json), writes=True
    ),
    "drive.files.create": Endpoint(
        lambda c: drive_api.create(c.store, c.json, c.params), writes=True, masks_fields=True
    ),
    "drive.files.list": Endpoint(
        lambda c: drive_api.list_files(c.store, c.params), masks_fields=True
    ),
    "drive.files.get": Endpoint(
        lambda c: drive_api.get(c.store, c.args["id"], c.params), masks_fields=True
    ),
    "drive.files.update": Endpoint(
        lambda c: drive_api.update(c.store, c.args["id"], c.json, c.params), writes=True
    ),
    "drive.files.delete": Endpoint(
        lambda c: drive_api.delete(c.store, c.args["id"]), writes=True, status=204
    ),
    "drive.files.copy": Endpoint(
        lambda c: drive_api.copy_file(c.store, c.args["id"], c.json, c.params),
        writes=True,
        masks_fields=True,
    ),
    "drive.files.import": Endpoint(
        lambda c: drive_api.import_csv(c.store, c.args["id"], c.body, c.params),
        writes=True,
        json_body=False,
    ),
    "drive.comments.list": Endpoint(lambda c: drive_api.list_comments(c.store, c.args["id"])),
    "drive.files.watch": Endpoint(_watch, locked=False),
    "drive.channels.stop": Endpoint(_stop_channel, locked=False, status=204),
}
