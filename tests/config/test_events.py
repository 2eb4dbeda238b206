"""The shared list of events: every partner's spelling names one event; what
names none is kept as typed."""

from __future__ import annotations

import tomllib
from pathlib import Path

from integration.config import load_config, validate_partners_document
from integration.demo.partners_file import partners_toml
from integration.events import match_event, texts_for_event

EXAMPLE = Path(__file__).resolve().parents[2] / "partners.example.toml"


def test_each_language_alias_and_id_names_the_same_event() -> None:
    events = load_config(EXAMPLE, environ={}).events
    for typed in (
        "LEF tīklošanās 2025",
        "lef tiklosanas 2025",
        "LEF võrgustikuüritus 2025",
        "LEF-verkostotapaaminen 2025",
        "  LEF networking 2025 ",
        "lef-networking-2025",
    ):
        assert match_event(typed, events) == "lef-networking-2025", typed
    assert match_event("Rīgas biznesa brokastis", events) is None
    assert match_event("", events) is None and match_event(None, events) is None
    stored = ["Baku B2B forums 2023", "Bakuu B2B foorum 2023", "LEF tīklošanās 2025", "x"]
    assert texts_for_event("baku-b2b-2023", stored, events) == stored[:2]


def test_the_demo_partners_file_declares_the_events_its_rows_use() -> None:
    doc = tomllib.loads(partners_toml({"lv": "a", "ee": "b", "fi": "c"}))
    validate_partners_document(doc, "demo")
    from integration.demo.data import _EVENTS
    from integration.events import parse_events

    events = parse_events(doc["events"])
    for names in _EVENTS.values():
        assert {match_event(n, events) for n in names} == {e.id for e in events}
