"""``spreadsheets.batchUpdate``: structural and formatting requests, atomically.

Each request kind has a handler (in :mod:`.requests_sheets`,
:mod:`.requests_cells` and :mod:`.requests_ranges`) applied in order to the
working copies of a :class:`~.txn.Txn`; only when every request succeeded are
the copies swapped in, so one invalid request applies none, as at Google.
Errors name the failing request: ``Invalid requests[1].deleteSheet: ...``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import requests_cells as cells
from . import requests_ranges as ranges
from . import requests_sheets as sheets
from .errors import ApiError, bad_request, unknown_field
from .model import Spreadsheet
from .sheets_api import spreadsheet_json
from .txn import Reply, Txn

HANDLERS: dict[str, Callable[[Txn, dict[str, Any]], Reply]] = {
    "addSheet": sheets.add_sheet,
    "deleteSheet": sheets.delete_sheet,
    "updateSheetProperties": sheets.update_sheet_properties,
    "updateSpreadsheetProperties": sheets.update_spreadsheet_properties,
    "appendDimension": sheets.append_dimension,
    "insertDimension": sheets.insert_dimension,
    "deleteDimension": sheets.delete_dimension,
    "updateDimensionProperties": sheets.update_dimension_properties,
    "autoResizeDimensions": sheets.auto_resize_dimensions,
    "updateCells": cells.update_cells,
    "repeatCell": cells.repeat_cell,
    "sortRange": cells.sort_range,
    "addNamedRange": ranges.add_named_range,
    "deleteNamedRange": ranges.delete_named_range,
    "mergeCells": cells.merge_cells,
    "unmergeCells": cells.unmerge_cells,
    "setDataValidation": cells.set_data_validation,
    "addProtectedRange": ranges.add_protected_range,
    "deleteProtectedRange": ranges.delete_protected_range,
    "copyPaste": cells.copy_paste,
    "cutPaste": cells.cut_paste,
    "addDimensionGroup": sheets.add_dimension_group,
    "deleteDimensionGroup": sheets.delete_dimension_group,
}


def batch_update(ss: Spreadsheet, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload received. Expected an object.")
    allowed = {
        "requests",
        "includeSpreadsheetInResponse",
        "responseRanges",
        "responseIncludeGridData",
    }
    for key in body:
        if key not in allowed:
            raise unknown_field(key)
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise bad_request("Must specify at least one request.")
    txn = Txn(ss)
    replies = []
    for i, req in enumerate(requests):
        if not isinstance(req, dict) or len(req) != 1:
            raise bad_request(f"Invalid requests[{i}]: exactly one kind of request must be set.")
        kind, payload = next(iter(req.items()))
        handler = HANDLERS.get(kind)
        if handler is None:
            raise bad_request(
                f"Invalid JSON payload received. Unknown name \"{kind}\" at 'requests[{i}]': "
                "Cannot find field."
            )
        if not isinstance(payload, dict):
            raise bad_request(f"Invalid requests[{i}].{kind}: expected an object.")
        try:
            replies.append(handler(txn, payload))
        except ApiError as exc:
            raise ApiError(
                exc.code, f"Invalid requests[{i}].{kind}: {exc.message}", exc.status
            ) from None
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise bad_request(f"Invalid requests[{i}].{kind}: {exc}") from None
    txn.commit()
    out: dict[str, Any] = {"spreadsheetId": ss.id, "replies": replies}
    if body.get("includeSpreadsheetInResponse"):
        out["updatedSpreadsheet"] = spreadsheet_json(ss)
    return out
