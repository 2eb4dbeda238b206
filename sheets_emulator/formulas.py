"""A small formula evaluator.

Formulas are always kept as typed (``valueRenderOption=FORMULA`` returns
them).  Their value is computed when read, for the subset below; anything
else evaluates to Google's error value ``#NAME?`` (unknown function),
``#ERROR!`` (unparsable), ``#DIV/0!``, ``#VALUE!`` or ``#REF!``
(unknown sheet, or a reference cycle).

Supported: numbers, "strings", TRUE/FALSE, cell references (``A1``,
``$B$2``, ``Sheet2!C3``, ``'My sheet'!A1``), ranges inside functions,
``+ - * / ^ &``, comparisons ``= <> < > <= >=``, unary minus, parentheses,
and SUM, AVERAGE, MIN, MAX, COUNT, COUNTA, IF, AND, OR, NOT, ABS, ROUND,
LEN, UPPER, LOWER, TRIM, CONCATENATE, CONCAT.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .a1 import letters_to_col

Lookup = Callable[[str | None, int, int], Any]  # (sheet, row, col) -> evaluated value


class FormulaError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


TOKEN = re.compile(
    r"""\s*(?:
    (?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)
  | (?P<str>"(?:[^"]|"")*")
  | (?P<err>\#REF!|\#N/A|\#NAME\?|\#DIV/0!|\#VALUE!|\#NUM!|\#NULL!|\#ERROR!)
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_]*)!)?
        \$?[A-Za-z]{1,3}\$?\d+(?::\$?[A-Za-z]{1,3}\$?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<op><>|<=|>=|[-+*/^&=<>(),:;])
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FormulaError("#ERROR!")
        pos = m.end()
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
    return out


class _Range:
    def __init__(self, sheet: str | None, r1: int, c1: int, r2: int, c2: int) -> None:
        self.sheet, self.r1, self.c1, self.r2, self.c2 = sheet, r1, c1, r2, c2


def _split_ref(text: str) -> tuple[str | None, str]:
    if "!" in text:
        sheet, cells = text.rsplit("!", 1)
        if sheet.startswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
        return sheet, cells
    return None, text


def _cell(text: str) -> tuple[int, int]:
    m = re.match(r"\$?([A-Za-z]+)\$?(\d+)", text)
    assert m
    return int(m.group(2)) - 1, letters_to_col(m.group(1))


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], lookup: Lookup) -> None:
        self.t, self.i, self.lookup = tokens, 0, lookup

    def peek(self) -> tuple[str, str] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise FormulaError("#ERROR!")
        self.i += 1
        return tok

    def expect(self, op: str) -> None:
        if self.take() != ("op", op):
            raise FormulaError("#ERROR!")

    def parse(self) -> Any:
        v = self.compare()
        if self.peek() is not None:
            raise FormulaError("#ERROR!")
        return _scalar(v, self.lookup)

    def compare(self) -> Any:
        left = self.concat()
        while (
            (tok := self.peek()) and tok[0] == "op" and tok[1] in ("=", "<>", "<", ">", "<=", ">=")
        ):
            self.take()
            right = self.concat()
            a, b = _scalar(left, self.lookup), _scalar(right, self.lookup)
            left = _compare(tok[1], a, b)
        return left

    def concat(self) -> Any:
        left = self.additive()
        while self.peek() == ("op", "&"):
            self.take()
            right = self.additive()
            left = _text(_scalar(left, self.lookup)) + _text(_scalar(right, self.lookup))
        return left

    def additive(self) -> Any:
        left = self.term()
        while (tok := self.peek()) and tok in (("op", "+"), ("op", "-")):
            self.take()
            a, b = _num(_scalar(left, self.lookup)), _num(_scalar(self.term(), self.lookup))
            left = a + b if tok[1] == "+" else a - b
        return left

    def term(self) -> Any:
        left = self.power()
        while (tok := self.peek()) and tok in (("op", "*"), ("op", "/")):
            self.take()
            a, b = _num(_scalar(left, self.lookup)), _num(_scalar(self.power(), self.lookup))
            if tok[1] == "/":
                if b == 0:
                    raise FormulaError("#DIV/0!")
                left = a / b
            else:
                left = a * b
        return left

    def power(self) -> Any:
        left = self.unary()
        while self.peek() == ("op", "^"):
            self.take()
            left = _num(_scalar(left, self.lookup)) ** _num(_scalar(self.unary(), self.lookup))
        return left

    def unary(self) -> Any:
        tok = self.peek()
        if tok in (("op", "-"), ("op", "+")):
            self.take()
            v = _num(_scalar(self.unary(), self.lookup))
            return -v if tok[1] == "-" else v
        return self.atom()

    def atom(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            f = float(text)
            return int(f) if f.is_integer() else f
        if kind == "str":
            return text[1:-1].replace('""', '"')
        if kind == "err":  # an error literal, e.g. a reference whose cells were deleted
            raise FormulaError(text)
        if kind == "ref":
            sheet, cells = _split_ref(text)
            if ":" in cells:
                a, b = cells.split(":")
                (r1, c1), (r2, c2) = _cell(a), _cell(b)
                return _Range(sheet, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))
            r, c = _cell(cells)
            return _Range(sheet, r, c, r, c)
        if kind == "name":
            upper = text.upper()
            if self.peek() == ("op", "("):
                self.take()
                args: list[Any] = []
                if self.peek() != ("op", ")"):
                    args.append(self.compare())
                    while self.peek() in (("op", ","), ("op", ";")):
                        self.take()
                        args.append(self.compare())
                self.expect(")")
                return _call(upper, args, self.lookup)
            if upper in ("TRUE", "FALSE"):
                return upper == "TRUE"
            raise FormulaError("#NAME?")
        if (kind, text) == ("op", "("):
            v = self.compare()
            self.expect(")")
            return v
        raise FormulaError("#ERROR!")


def _scalar(v: Any, lookup: Lookup) -> Any:
    if isinstance(v, _Range):
        if v.r1 != v.r2 or v.c1 != v.c2:
            raise FormulaError("#VALUE!")
        return lookup(v.sheet, v.r1, v.c1)
    return v


def _flatten(args: list[Any], lookup: Lookup) -> list[Any]:
    out: list[Any] = []
    for a in args:
        if isinstance(a, _Range):
            for r in range(a.r1, a.r2 + 1):
                for c in range(a.c1, a.c2 + 1):
                    out.append(lookup(a.sheet, r, c))
        else:
            out.append(a)
    return out


def _num(v: Any) -> float | int:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int | float):
        return v
    if v is None or v == "":
        return 0
    try:
        return float(v)
    except (TypeError, ValueError):
        raise FormulaError("#VALUE!") from None


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        a, b = a.lower(), b.lower()
    elif isinstance(a, str) != isinstance(b, str):
        a, b = _text(a), _text(b)
    a = 0 if a is None else a
    b = 0 if b is None else b
    return {
        "=": a == b,
        "<>": a != b,
        "<": a < b,
        ">": a > b,
        "<=": a <= b,
        ">=": a >= b,
    }[op]


def _numbers(values: list[Any]) -> list[float | int]:
    return [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]


def _average(values: list[Any]) -> float:
    nums = _numbers(values)
    if not nums:
        raise FormulaError("#DIV/0!")
    return sum(nums) / len(nums)


def _if(args: list[Any]) -> Any:
    if len(args) not in (2, 3):
        raise FormulaError("#N/A")
    cond = args[0]
    if isinstance(cond, str):
        raise FormulaError("#VALUE!")
    return args[1] if cond else (args[2] if len(args) == 3 else False)


def _round(args: list[Any]) -> Any:
    if len(args) not in (1, 2):
        raise FormulaError("#NAME?")
    digits = int(_num(args[1])) if len(args) == 2 else 0
    result = round(_num(args[0]), digits)
    return int(result) if float(result).is_integer() else result


#: Aggregates over every value of their arguments, ranges spread out.
_AGGREGATES: dict[str, Callable[[list[Any]], Any]] = {
    "SUM": lambda values: sum(_numbers(values)),
    "AVERAGE": _average,
    "MIN": lambda values: min(_numbers(values), default=0),
    "MAX": lambda values: max(_numbers(values), default=0),
    "COUNT": lambda values: len(_numbers(values)),
    "COUNTA": lambda values: sum(1 for v in values if v not in (None, "")),
}
#: Functions over every value whose arguments must also each be one value
#: (a range of several cells is ``#VALUE!``).
_OVER_VALUES: dict[str, Callable[[list[Any]], Any]] = {
    "AND": lambda values: all(bool(_num(v)) for v in values),
    "OR": lambda values: any(bool(_num(v)) for v in values),
    "CONCATENATE": lambda values: "".join(_text(v) for v in values),
    "CONCAT": lambda values: "".join(_text(v) for v in values),
}
#: Functions of their argument values as given.
_OF_ARGUMENTS: dict[str, Callable[[list[Any]], Any]] = {"IF": _if, "ROUND": _round}
#: Functions of exactly one value (another count is ``#NAME?``).
_OF_ONE: dict[str, Callable[[Any], Any]] = {
    "NOT": lambda v: not bool(_num(v)),
    "ABS": lambda v: abs(_num(v)),
    "LEN": lambda v: len(_text(v)),
    "UPPER": lambda v: _text(v).upper(),
    "LOWER": lambda v: _text(v).lower(),
    "TRIM": lambda v: " ".join(_text(v).split()),
}


def _call(name: str, args: list[Any], lookup: Lookup) -> Any:
    if name in _AGGREGATES:
        return _AGGREGATES[name](_flatten(args, lookup))
    values = [_scalar(a, lookup) for a in args]
    if name in _OVER_VALUES:
        return _OVER_VALUES[name](_flatten(args, lookup))
    if name in _OF_ARGUMENTS:
        return _OF_ARGUMENTS[name](values)
    if name in _OF_ONE and len(values) == 1:
        return _OF_ONE[name](values[0])
    raise FormulaError("#NAME?")


def evaluate(formula: str, lookup: Lookup) -> Any:
    """Value of ``formula`` (text starting with ``=``), or an error string."""
    try:
        result = _Parser(_tokens(formula[1:]), lookup).parse()
    except FormulaError as exc:
        return exc.code
    except (RecursionError, OverflowError, ZeroDivisionError, TypeError, ValueError):
        return "#ERROR!"
    if isinstance(result, float) and result.is_integer() and abs(result) < 1e15:
        return int(result)
    return "" if result is None else result
