"""Reading ``/metrics`` in the tests with ``prometheus_client``'s own text
parser, so a test checks what Prometheus would read, not how the lines look."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

#: One sample: its name and its labels as sorted ``(name, value)`` pairs.
SampleKey = tuple[str, tuple[tuple[str, str], ...]]


def parse(text: str) -> dict[SampleKey, float]:
    """Every sample of an exposition; the parser raises on a malformed line."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def samples(text: str, name: str, **labels: str) -> dict[SampleKey, float]:
    """The samples called ``name`` whose labels include ``labels``."""
    return {
        key: value
        for key, value in parse(text).items()
        if key[0] == name and set(labels.items()) <= set(key[1])
    }


def value(text: str, name: str, **labels: str) -> float:
    """The one sample called ``name`` with exactly these labels (KeyError if absent)."""
    return parse(text)[(name, tuple(sorted(labels.items())))]


def families(text: str) -> dict[str, str]:
    """Each metric family's name and type."""
    return {f.name: f.type for f in text_string_to_metric_families(text)}
