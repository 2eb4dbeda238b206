"""Drive v3 (and the one v2 upload) as gspread uses them.

Every spreadsheet is a Drive file: ``files.create`` with the spreadsheet MIME
type creates one, ``files.list`` filters with ``q`` (``mimeType``, ``name``,
``=``/``!=``/``contains``, ``and``), ``files.copy`` duplicates one and a media
upload with ``convert=true`` imports CSV into the first sheet.
"""

from __future__ import annotations

import copy as _copy
import csv
import io
import re
from typing import Any

from . import fieldmask
from .errors import ApiError, bad_request
from .metadata import OWNER_EMAIL, SPREADSHEET_MIME
from .model import Sheet, Spreadsheet, Store, new_sheet_id, new_spreadsheet_id
from .parsing import parse_user_entered

_FILE_DEFAULT_FIELDS = ("kind", "id", "name", "mimeType")


def not_found(file_id: str) -> ApiError:
    """Drive's 404, which also lists the failing parameter."""
    message = f"File not found: {file_id}."
    return ApiError(
        404,
        message,
        "NOT_FOUND",
        errors=[
            {
                "message": message,
                "domain": "global",
                "reason": "notFound",
                "location": "fileId",
                "locationType": "parameter",
            }
        ],
    )


def file_resource(ss: Spreadsheet) -> dict[str, Any]:
    return {
        "kind": "drive#file",
        "id": ss.id,
        "name": ss.title,
        "mimeType": SPREADSHEET_MIME,
        "createdTime": ss.created_time,
        "modifiedTime": ss.modified_time,
        "trashed": ss.trashed,
        "starred": False,
        "parents": ["root"],
        "webViewLink": f"https://docs.google.com/spreadsheets/d/{ss.id}/edit?usp=drivesdk",
    }


def _select(resource: dict[str, Any], fields: str | None) -> dict[str, Any]:
    if not fields:
        return {k: resource[k] for k in _FILE_DEFAULT_FIELDS}
    mask = fieldmask.parse(fields)
    return fieldmask.apply(resource, mask)


def create(store: Store, body: Any, params: dict[str, Any]) -> dict[str, Any]:
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload received.")
    mime = body.get("mimeType")
    if mime != SPREADSHEET_MIME:
        raise bad_request(
            "The emulator stores only Google Sheets files "
            f"(mimeType {SPREADSHEET_MIME!r}), got {mime!r}."
        )
    ss = store.create(str(body.get("name") or "Untitled spreadsheet"))
    return _select(file_resource(ss), params.get("fields"))


def file_of(store: Store, file_id: str) -> Spreadsheet:
    """The spreadsheet behind a Drive file id, or Drive's 404."""
    ss = store.spreadsheets.get(file_id)
    if ss is None:
        raise not_found(file_id)
    return ss


def get(store: Store, file_id: str, params: dict[str, Any]) -> dict[str, Any]:
    return _select(file_resource(file_of(store, file_id)), params.get("fields"))


def update(store: Store, file_id: str, body: Any, params: dict[str, Any]) -> dict[str, Any]:
    """``files.update``: a new name, or the file moved to or out of the trash."""
    ss = file_of(store, file_id)
    if isinstance(body, dict) and body.get("name"):
        ss.properties["title"] = str(body["name"])
        ss.touch()
    if isinstance(body, dict) and isinstance(body.get("trashed"), bool):
        ss.trashed = body["trashed"]
        ss.touch()
    return get(store, file_id, params)


def delete(store: Store, file_id: str) -> None:
    file_of(store, file_id)
    store.delete(file_id)


def list_comments(store: Store, file_id: str) -> dict[str, Any]:
    """``comments.list``: the emulator keeps no comments."""
    file_of(store, file_id)
    return {"comments": []}


def copy_file(store: Store, file_id: str, body: Any, params: dict[str, Any]) -> dict[str, Any]:
    src = file_of(store, file_id)
    body = body if isinstance(body, dict) else {}
    new = Spreadsheet(
        new_spreadsheet_id(), str(body.get("name") or f"Copy of {src.title}"), first_sheet=False
    )

    new.properties = _copy.deepcopy(src.properties)
    new.properties["title"] = body.get("name") or f"Copy of {src.title}"
    new.sheets = [sh.clone() for sh in src.sheets]
    new.named_ranges = _copy.deepcopy(src.named_ranges)
    store.add(new)
    return _select(file_resource(new), params.get("fields"))


# -- files.list q ------------------------------------------------------------
_Q_TERM = re.compile(
    r"""\s*(?P<field>mimeType|name|trashed|fullText)\s*(?P<op>!=|=|contains)\s*
        (?P<val>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|true|false)\s*""",
    re.X,
)
_Q_PARENTS = re.compile(r"""\s*'(?P<val>[^']*)'\s+in\s+parents\s*""")


def _q_filter(q: str) -> list[tuple[str, str, Any]]:
    terms = []
    for part in re.split(r"\s+and\s+", q.strip()) if q.strip() else []:
        m = _Q_TERM.fullmatch(part)
        if m:
            raw = m.group("val")
            if raw in ("true", "false"):
                val: Any = raw == "true"
            else:
                val = re.sub(r"\\(.)", r"\1", raw[1:-1])
            terms.append((m.group("field"), m.group("op"), val))
            continue
        m = _Q_PARENTS.fullmatch(part)
        if m:
            terms.append(("parents", "in", m.group("val")))
            continue
        raise bad_request(f"Invalid Value: q ({q!r}) is not supported by the emulator")
    return terms


def _keep(ss: Spreadsheet, terms: list[tuple[str, str, Any]]) -> bool:
    for field, op, val in terms:
        if field == "mimeType":
            actual: Any = SPREADSHEET_MIME
        elif field in ("name", "fullText"):
            actual = ss.title
        elif field == "trashed":
            actual = False
        else:  # parents
            if val not in ("root",):
                return False
            continue
        if op == "=" and actual != val:
            return False
        if op == "!=" and actual == val:
            return False
        if op == "contains" and str(val).lower() not in str(actual).lower():
            return False
    return True


def list_files(store: Store, params: dict[str, Any]) -> dict[str, Any]:
    terms = _q_filter(params.get("q") or "")
    try:
        page_size = int(params.get("pageSize") or 100)
        offset = int(params.get("pageToken") or 0)
    except ValueError:
        raise bad_request("Invalid pageSize or pageToken") from None
    if not 1 <= page_size <= 1000:
        raise bad_request("Invalid Value: pageSize must be between 1 and 1000")
    files = [ss for ss in store.spreadsheets.values() if _keep(ss, terms)]
    files.sort(key=lambda s: s.modified_time, reverse=True)
    page = files[offset : offset + page_size]
    out: dict[str, Any] = {"kind": "drive#fileList"}
    if offset + page_size < len(files):
        out["nextPageToken"] = str(offset + page_size)
    out["incompleteSearch"] = False
    fields = params.get("fields")
    if fields:
        mask = fieldmask.parse(fields)
        out["files"] = [file_resource(ss) for ss in page]
        return fieldmask.apply(out, mask) | (
            {"files": []} if not page and fieldmask.wants(mask, "files") else {}
        )
    out["files"] = [{k: file_resource(ss)[k] for k in _FILE_DEFAULT_FIELDS} for ss in page]
    return out


def import_csv(store: Store, file_id: str, data: bytes, params: dict[str, Any]) -> dict[str, Any]:
    """Replace the spreadsheet with one sheet holding the CSV (as Google's convert does)."""
    ss = file_of(store, file_id)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise bad_request("CSV upload must be UTF-8") from None
    rows = list(csv.reader(io.StringIO(text)))
    nrows = max(1000, len(rows))
    ncols = max(26, max((len(r) for r in rows), default=0))
    sheet = Sheet(new_sheet_id(), ss.title, 0, nrows, ncols)
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            sheet.set(r, c, parse_user_entered(v, ss.conv))
    ss.sheets = [sheet]
    ss.named_ranges = []
    # Drive's conversion rebuilds the file with the Drive account's default settings,
    # which for the service accounts Google records with is Pacific time.
    ss.properties["timeZone"] = "America/Los_Angeles"
    ss.touch()
    return v2_file_resource(ss)


def v2_file_resource(ss: Spreadsheet) -> dict[str, Any]:
    """The Drive v2 ``File`` the media upload answers with."""
    owner = OWNER_EMAIL
    link = f"https://www.googleapis.com/drive/v2/files/{ss.id}"
    return {
        "kind": "drive#file",
        "userPermission": {
            "id": "me",
            "type": "user",
            "role": "owner",
            "kind": "drive#permission",
            "selfLink": link + "/permissions/me",
            "etag": '"emulator"',
            "pendingOwner": False,
        },
        "selfLink": link,
        "ownerNames": [owner],
        "lastModifyingUserName": owner,
        "editable": True,
        "writersCanShare": True,
        "mimeType": SPREADSHEET_MIME,
        "exportLinks": {
            "text/csv": f"https://docs.google.com/spreadsheets/export?id={ss.id}&exportFormat=csv"
        },
        "parents": [],
        "thumbnailLink": "",
        "appDataContents": False,
        "iconLink": "",
        "shared": False,
        "lastModifyingUser": {"kind": "drive#user", "displayName": owner},
        "owners": [{"kind": "drive#user", "displayName": owner}],
        "copyable": True,
        "etag": '"emulator"',
        "alternateLink": f"https://docs.google.com/spreadsheets/d/{ss.id}/edit?usp=drivesdk",
        "embedLink": f"https://docs.google.com/spreadsheets/d/{ss.id}/htmlembed",
        "fileSize": "0",
        "copyRequiresWriterPermission": False,
        "spaces": ["drive"],
        "id": ss.id,
        "title": ss.title,
        "labels": {
            "viewed": True,
            "restricted": False,
            "starred": False,
            "hidden": False,
            "trashed": False,
        },
        "explicitlyTrashed": False,
        "createdDate": ss.created_time,
        "modifiedDate": ss.modified_time,
        "modifiedByMeDate": ss.modified_time,
        "lastViewedByMeDate": ss.modified_time,
        "markedViewedByMeDate": "1970-01-01T00:00:00.000Z",
        "quotaBytesUsed": "0",
        "version": "1",
        "capabilities": {"canEdit": True, "canCopy": True},
    }
