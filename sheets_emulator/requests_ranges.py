"""batchUpdate requests on named and protected ranges."""

from __future__ import annotations

import copy
from typing import Any

from .errors import bad_request
from .metadata import OWNER_EMAIL
from .txn import Reply, Txn, grid_box, public_range


def add_named_range(txn: Txn, req: dict[str, Any]) -> Reply:
    nr = copy.deepcopy(req.get("namedRange") or {})
    name = nr.get("name")
    if not name or not isinstance(name, str):
        raise bad_request("Named range name is required.")
    if any(x["name"].lower() == name.lower() for x in txn.named_ranges):
        raise bad_request(f"Named range with name {name} already exists.")
    g = nr.get("range") or {}
    sheet = txn.find(g.get("sheetId", 0))
    grid_box(sheet, g)
    nr["namedRangeId"] = nr.get("namedRangeId") or str(txn.ss.new_sheet_id())
    stored = {
        "namedRangeId": nr["namedRangeId"],
        "name": name,
        "range": {k: v for k, v in g.items() if v is not None},
    }
    txn.named_ranges.append(stored)
    return {"addNamedRange": {"namedRange": dict(stored, range=public_range(stored["range"]))}}


def delete_named_range(txn: Txn, req: dict[str, Any]) -> Reply:
    rid = req.get("namedRangeId")
    before = len(txn.named_ranges)
    txn.named_ranges = [nr for nr in txn.named_ranges if nr["namedRangeId"] != rid]
    if len(txn.named_ranges) == before:
        raise bad_request(f"No named range with id {rid}.")
    return {}


def add_protected_range(txn: Txn, req: dict[str, Any]) -> Reply:
    pr = {k: v for k, v in copy.deepcopy(req.get("protectedRange") or {}).items() if v is not None}
    g = pr.get("range") or {}
    sheet = txn.edit(g.get("sheetId", 0))
    grid_box(sheet, g)
    pr["protectedRangeId"] = pr.get("protectedRangeId") or txn.ss.new_sheet_id()
    pr["range"] = public_range(g)
    pr["requestingUserCanEdit"] = True
    pr.setdefault("editors", {})
    if pr.get("warningOnly") is False:
        del pr["warningOnly"]
    ordered = {"protectedRangeId": pr.pop("protectedRangeId"), "range": pr.pop("range")}
    ordered.update(pr)
    if not ordered.get("editors"):
        ordered["editors"] = {}
    if isinstance(ordered.get("editors"), dict):
        ordered["editors"] = {k: v for k, v in ordered["editors"].items() if v}
    reply = copy.deepcopy(ordered)
    # Google lists the owner among the editors of the stored range (not in the reply).
    users = ordered["editors"].get("users") or []
    ordered["editors"]["users"] = [OWNER_EMAIL, *(u for u in users if u != OWNER_EMAIL)]
    sheet.extras.setdefault("protectedRanges", []).append(ordered)
    return {"addProtectedRange": {"protectedRange": reply}}


def delete_protected_range(txn: Txn, req: dict[str, Any]) -> Reply:
    rid = req.get("protectedRangeId")
    for sh in txn.sheets:
        prs = sh.extras.get("protectedRanges") or []
        if any(p["protectedRangeId"] == rid for p in prs):
            sheet = txn.edit(sh.sheet_id)
            sheet.extras["protectedRanges"] = [p for p in prs if p["protectedRangeId"] != rid]
            if not sheet.extras["protectedRanges"]:
                del sheet.extras["protectedRanges"]
            return {}
    raise bad_request(f"No protected range with id: {rid}")
