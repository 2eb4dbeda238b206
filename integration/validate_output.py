"""What ``crm-sync validate`` prints, row by row as rows are checked, in the
reader's language (the frame: headings, statuses, the summary, notes), so its
output never has to hold every row: a plain table, or a JSON list."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any, Protocol

import click

from integration.kinds import record_kind
from integration.messages import text
from integration.vocabulary import field_label

_NAME_WIDTH = 32


class Verdict(Protocol):
    """One row's verdict, as :mod:`integration.validate_command` makes it."""

    row: int
    record: dict[str, Any]

    @property
    def valid(self) -> bool: ...

    @property
    def problems(self) -> list[str]: ...

    @property
    def notes(self) -> list[str]: ...

    def as_dict(self) -> dict[str, Any]: ...


def frame(key: str, locale: str, /, **params: Any) -> str:
    """A text of the command's frame (``validate_file.<key>``) in ``locale``."""
    return text(f"validate_file.{key}", locale, **params)


class Tally:
    """Counts rows as they pass, so the summary needs no list of them."""

    def __init__(self) -> None:
        self.total = 0
        self.invalid = 0

    def count(self, results: Iterable[Verdict]) -> Iterator[Verdict]:
        for result in results:
            self.total += 1
            self.invalid += not result.valid
            yield result

    def summary(self, locale: str) -> str:
        return frame(
            "summary",
            locale,
            count=self.total,
            valid=self.total - self.invalid,
            invalid=self.invalid,
        )


def _cut(value: str, width: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 1] + "…"


def print_table(
    results: Iterable[Verdict], kind: str, locale: str, title: str, out: IO[str] | None = None
) -> None:
    """One line per row (more when it has several problems), printed as it comes."""
    title_field = record_kind(kind).title_field
    ok, invalid = frame("status.ok", locale), frame("status.invalid", locale)
    status_width = max(len(ok), len(invalid), len(frame("column.status", locale)))
    note = frame("note", locale)

    def line(row: str, status: str, name: str, problem: str) -> str:
        return f"{row:>7}  {status:<{status_width}}  {name:<{_NAME_WIDTH}}  {problem}".rstrip()

    echo = click.echo
    echo(title, file=out)
    echo(
        line(
            frame("column.row", locale),
            frame("column.status", locale),
            _cut(field_label(kind, title_field, locale), _NAME_WIDTH),
            frame("column.problems", locale),
        ),
        file=out,
    )
    for result in results:
        name = result.record.get(title_field) or result.record.get("id") or ""
        texts = [*result.problems, *(f"({note}) {n}" for n in result.notes)] or [""]
        status = ok if result.valid else invalid
        echo(line(str(result.row), status, _cut(str(name), _NAME_WIDTH), texts[0]), file=out)
        for more in texts[1:]:
            echo(line("", "", "", more), file=out)


def print_json(results: Iterable[Verdict], out: IO[str] | None = None) -> None:
    """A JSON list, one object per row on its own line, written as rows come."""
    echo = click.echo
    first = True
    echo("[", file=out)
    for result in results:
        body = json.dumps(result.as_dict(), ensure_ascii=False, default=str)
        echo(("" if first else ",\n") + body, nl=False, file=out)
        first = False
    echo("" if first else "\n", nl=False, file=out)
    echo("]", file=out)
