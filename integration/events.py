"""The project's events: one shared list (the partners file's ``[[events]]``).

Staff type an event the way their language names it (``LEF tīklošanās 2025``,
``LEF võrgustikuüritus 2025``, ``LEF-verkostotapaaminen 2025``); the store keeps
what they typed, and every reader that counts or filters by event matches the
text to the list here: by the event's id, any of its names or aliases, folded
like every other vocabulary word (case, spaces, punctuation and accents
ignored). A value that matches no event is never dropped: it is counted under
its own text and reported as not on the list.

Pure: the list is handed in (from :class:`integration.config.AppConfig`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from integration.vocabulary import fold


@dataclass(frozen=True)
class Event:
    """One event of the project, as declared in the partners file."""

    id: str
    date: date
    country: str
    kind: str
    names: Mapping[str, str]
    city: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)

    def name(self, locale: str) -> str:
        """The event's name in ``locale``, else English's, else the first given."""
        return self.names.get(locale) or self.names.get("en") or next(iter(self.names.values()))

    def words(self) -> list[str]:
        """Everything that names this event: id, every name, every alias."""
        return [self.id, *self.names.values(), *self.aliases]


def parse_events(entries: Iterable[Mapping[str, Any]]) -> tuple[Event, ...]:
    """The partners file's ``[[events]]`` (already schema-checked) as events."""
    out = []
    for entry in entries:
        raw_date = entry["date"]
        day = raw_date if isinstance(raw_date, date) else date.fromisoformat(str(raw_date))
        out.append(
            Event(
                id=entry["id"],
                date=day,
                country=entry["country"],
                kind=entry["kind"],
                names=dict(entry["names"]),
                city=entry.get("city", ""),
                aliases=tuple(entry.get("aliases", ())),
            )
        )
    return tuple(out)


def clashes(events: Sequence[Event]) -> list[str]:
    """Problems that make the list ambiguous: an id used twice, or a word that
    names two events (each as one line naming both)."""
    problems: list[str] = []
    seen_ids: set[str] = set()
    owner: dict[str, str] = {}
    for event in events:
        if event.id in seen_ids:
            problems.append(f"event id {event.id!r} appears twice")
        seen_ids.add(event.id)
        for word in event.words():
            key = fold(word)
            if not key:
                problems.append(f"event {event.id!r}: {word!r} has no letters or digits")
                continue
            other = owner.setdefault(key, event.id)
            if other != event.id:
                problems.append(f"{word!r} names both event {other!r} and {event.id!r}")
    return problems


def event_table(events: Sequence[Event]) -> dict[str, str]:
    """Folded word -> event id."""
    return {fold(word): event.id for event in events for word in event.words() if fold(word)}


def match_event(value: Any, events: Sequence[Event]) -> str | None:
    """The id of the event ``value`` names, None when it names none (or is blank)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return event_table(events).get(fold(value))


def event_by_id(events: Sequence[Event]) -> dict[str, Event]:
    return {event.id: event for event in events}


def texts_for_event(event_id: str, texts: Iterable[str], events: Sequence[Event]) -> list[str]:
    """Those of ``texts`` (values found in the store) that name ``event_id``: what
    a filter by event compares the stored column with."""
    table = event_table(events)
    return sorted({t for t in texts if isinstance(t, str) and table.get(fold(t)) == event_id})


def unlisted_texts(texts: Iterable[Any], events: Sequence[Event]) -> list[str]:
    """Those of ``texts`` (values found in the store) that name no event of the list:
    what staff are shown to fix (blank values are no event, not a mismatch)."""
    table = event_table(events)
    return sorted({t for t in texts if isinstance(t, str) and t.strip() and fold(t) not in table})


def dropdown_names(events: Sequence[Event], locale: str) -> list[str]:
    """The Event column's dropdown for a partner in ``locale``: each event's name,
    oldest event first (names that would read as a formula are left out)."""
    out: list[str] = []
    for event in sorted(events, key=lambda e: (e.date, e.id)):
        name = event.name(locale)
        if name not in out and not name.startswith(("=", "+", "-", "@")):
            out.append(name)
    return out
