"""Google's ``fields`` partial-response masks: ``a.b,c(d,e/f)`` and ``*``."""

from __future__ import annotations

from typing import Any

from .errors import bad_request

Mask = dict[str, Any]  # name -> sub-mask, or None for "everything below"


def parse(text: str) -> Mask | None:
    """Parse a mask; ``None`` means everything."""
    text = (text or "").strip()
    if not text or text == "*":
        return None
    pos = 0

    def parse_list(stop: str | None) -> Mask:
        nonlocal pos
        mask: Mask = {}
        while pos < len(text):
            start = pos
            while pos < len(text) and text[pos] not in ",()":
                pos += 1
            path = text[start:pos].strip()
            sub: Mask | None = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = parse_list(")")
            if path:
                _merge(mask, [p for p in path.replace("/", ".").split(".") if p], sub)
            elif sub is not None:
                raise bad_request(f"Invalid field selection {text}")
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if pos < len(text) and text[pos] == ")":
                if stop != ")":
                    raise bad_request(f"Invalid field selection {text}")
                pos += 1
                return mask
        if stop == ")":
            raise bad_request(f"Invalid field selection {text}")
        return mask

    return parse_list(None)


def _merge(mask: Mask, parts: list[str], sub: Mask | None) -> None:
    head, rest = parts[0], parts[1:]
    if rest:
        existing = mask.get(head, {})
        if head in mask and existing is None:
            return
        mask[head] = existing
        _merge(existing, rest, sub)
    elif sub is None or (head in mask and mask[head] is None):
        mask[head] = None
    else:
        existing = mask.get(head) or {}
        existing.update(sub)
        mask[head] = existing


def apply(obj: Any, mask: Mask | None) -> Any:
    """The parts of ``obj`` selected by ``mask``; empty objects dropped."""
    if mask is None or "*" in mask:
        return obj
    if isinstance(obj, list):
        return [apply(v, mask) for v in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for key, sub in mask.items():
        if key in obj:
            val = apply(obj[key], sub)
            if val != {} or sub is None:
                out[key] = val
    return out


def wants(mask: Mask | None, *path: str) -> bool:
    """Whether anything at ``path`` is selected (to avoid computing it)."""
    node: Any = mask
    for part in path:
        if node is None or "*" in node:
            return True
        if part not in node:
            return False
        node = node[part]
    return True
