r"""Derived columns: ``derive: {population: "Homes + Dones"}`` on a source.

A small arithmetic grammar, parsed here and never evaluated by Python: numbers, column names
(bare, or in double quotes or backticks when they hold spaces or signs), ``+ - * /``, unary
minus and parentheses. Text that is not a number counts as missing; division by zero gives a
missing value.

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"Homes": [10, 20], "Dones": ["11", None], "àrea km2": [2.0, 0.0]})
>>> derive_column(t, "(Homes + Dones) / `àrea km2`").tolist()
[10.5, nan]
>>> columns_of("2 * Homes - \"àrea km2\"")
['Homes', 'àrea km2']
>>> derive_column(t, "__import__('os')")
Traceback (most recent call last):
...
scmap.sources._derive.DeriveError: at character 12: unexpected "'"; use numbers, column names, + - * / and ( )
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "DeriveError", "columns_of", "derive_column", "filter_columns", "where_mask"]

MAX_LENGTH = 2_000
"""Longest expression accepted (characters); a formula over a few columns is far shorter."""
MAX_DEPTH = 50
"""Deepest nesting of parentheses and unary minus signs accepted."""

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|(?P<name>[^\W\d]\w*)|\"(?P<q1>[^\"]+)\"|`(?P<q2>[^`]+)`"
    r"|(?P<op>[-+*/()]))"
)


class DeriveError(ValueError):
    """An expression outside the grammar, or naming a column that does not exist."""


@dataclass(frozen=True)
class _Tok:
    kind: str  # num | name | op | end
    text: str
    at: int


_HINT = "use numbers, column names, + - * / and ( )"


def _tokens(
    expr: str, pattern: re.Pattern[str] = _TOKEN, words: frozenset[str] = frozenset(), hint: str = _HINT
) -> list[_Tok]:
    """The tokens of *expr*: quoted names become names, *words* (any case) become words."""
    groups = sorted(pattern.groupindex, key=pattern.groupindex.__getitem__)
    out, pos = [], 0
    while expr[pos:].strip():
        m = pattern.match(expr, pos)
        if m is None or m.end() == pos:
            bad = expr[pos:].lstrip()[:1]
            at = len(expr) - len(expr[pos:].lstrip()) + 1
            raise DeriveError(f'at character {at}: unexpected "{bad}"; {hint}')
        group = next(k for k in groups if m.group(k) is not None)
        kind, text = ("name" if group in ("q1", "q2") else group), m.group(group)
        if kind == "name" and group == "name" and text.lower() in words:
            kind, text = "word", text.lower()
        elif kind == "str":
            text = text.replace("''", "'")
        out.append(_Tok(kind, text, m.start(group) + 1))
        pos = m.end()
    out.append(_Tok("end", "", len(expr) + 1))
    return out


class _Parser:
    """expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*; unary := '-' unary | atom.

    A subclass changes the language through the class attributes and the hooks ``_top`` (the
    rule parentheses and the whole text hold), ``_column`` (what a name gives) and ``_num`` (an
    operand of + - * /).
    """

    _pattern: re.Pattern[str] = _TOKEN
    _words: frozenset[str] = frozenset()
    _hint = _HINT
    _what = "a derived column"

    def __init__(self, expr: str, table: pd.DataFrame | None) -> None:
        if len(expr) > MAX_LENGTH:
            raise DeriveError(f"{len(expr):,} characters is too long for {self._what} (at most {MAX_LENGTH:,})")
        self.toks, self.i, self.table = _tokens(expr, self._pattern, self._words, self._hint), 0, table
        self.names: list[str] = []
        self.depth = 0

    def _top(self) -> object:
        return self._expr()

    def _column(self, name: str) -> object:
        assert self.table is not None
        return pd.to_numeric(self.table[name], errors="coerce").astype(float)

    def _num(self, value: object) -> Any:
        return value

    def _deeper(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise DeriveError(
                f"at character {tok.at}: nested deeper than {MAX_DEPTH} levels of ( ) or unary minus; "
                "write the formula more simply"
            )

    def _peek(self) -> _Tok:
        return self.toks[self.i]

    def _take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> object:
        value = self._top()
        if self._peek().kind != "end":
            tok = self._peek()
            raise DeriveError(f'at character {tok.at}: unexpected "{tok.text}"')
        return value

    def _expr(self) -> object:
        value = self._term()
        while self._peek().text in ("+", "-") and self._peek().kind == "op":
            op, right = self._take().text, self._num(self._term())
            value = self._num(value) + right if op == "+" else self._num(value) - right
        return value

    def _term(self) -> object:
        value = self._unary()
        while self._peek().text in ("*", "/") and self._peek().kind == "op":
            op, right = self._take().text, self._num(self._unary())
            with np.errstate(divide="ignore", invalid="ignore"):
                value = self._num(value) * right if op == "*" else self._num(value) / right
        return value

    def _unary(self) -> object:
        if self._peek().kind == "op" and self._peek().text == "-":
            self._deeper(self._take())
            value = -self._num(self._unary())
            self.depth -= 1
            return value
        return self._atom()

    def _atom(self) -> object:
        tok = self._take()
        if tok.kind == "num":
            return float(tok.text)
        if tok.kind == "name":
            self.names.append(tok.text)
            if self.table is None:
                return 0.0
            if tok.text not in self.table.columns:
                raise DeriveError(f"no column {tok.text!r}")
            return self._column(tok.text)
        if tok.kind == "op" and tok.text == "(":
            self._deeper(tok)
            value = self._top()
            if self._take().text != ")":
                raise DeriveError(f"at character {tok.at}: a '(' is not closed")
            self.depth -= 1
            return value
        raise DeriveError(f'at character {tok.at}: expected a number, a column or "(", found "{tok.text or "the end"}"')


def columns_of(expr: str) -> list[str]:
    """The column names an expression uses (checks the grammar too)."""
    parser = _Parser(expr, None)
    parser.parse()
    return list(dict.fromkeys(parser.names))


def derive_column(table: pd.DataFrame, expr: str) -> pd.Series:
    """The values of *expr* for every row of *table* (infinite results are missing)."""
    value = _Parser(expr, table).parse()
    series = value if isinstance(value, pd.Series) else pd.Series(float(value), index=table.index)  # type: ignore[arg-type]
    return series.replace([np.inf, -np.inf], np.nan)


# ------------------------------------------------------------------------ filters (where:)

_COND_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+)|(?P<name>[^\W\d]\w*)|\"(?P<q1>[^\"]+)\"|`(?P<q2>[^`]+)`"
    r"|'(?P<str>(?:[^']|'')*)'|(?P<op><=|>=|!=|<>|==|[-+*/()=<>,]))"
)
_COMPARE = {
    "=": operator.eq, "==": operator.eq, "!=": operator.ne, "<>": operator.ne,
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


@dataclass(frozen=True)
class _Text:
    """A text literal of a filter: compared without regard to case or surrounding blanks."""

    value: str


class _Filter(_Parser):
    """Parse and evaluate a ``where:`` condition.

    cond := conj ('or' conj)*; conj := neg ('and' neg)*; neg := 'not' neg | cmp;
    cmp := sum ((= != < <= > >=) sum | 'in' '(' value, ... ')')?; sum and below as in derive:.
    """

    _pattern = _COND_TOKEN
    _words = frozenset({"and", "or", "not", "in"})
    _hint = "use columns, numbers, 'text', = != < <= > >=, in (...), and, or, not, + - * / and ( )"
    _what = "a filter"

    def _top(self) -> object:
        return self._or()

    def _column(self, name: str) -> object:
        assert self.table is not None
        return self.table[name]  # as it is: text compares as text, numbers as numbers

    def _num(self, value: object) -> Any:
        return _number(value)

    def _word(self, word: str) -> bool:
        if self._peek().kind == "word" and self._peek().text == word:
            self.i += 1
            return True
        return False

    def _or(self) -> object:
        value = self._and()
        while self._word("or"):
            value = _truth(value) | _truth(self._and())
        return value

    def _and(self) -> object:
        value = self._not()
        while self._word("and"):
            value = _truth(value) & _truth(self._not())
        return value

    def _not(self) -> object:
        tok = self._peek()
        if self._word("not"):
            self._deeper(tok)
            value = ~_truth(self._not())
            self.depth -= 1
            return value
        return self._compare()

    def _compare(self) -> object:
        left = self._side()
        tok = self._peek()
        if tok.kind == "op" and tok.text in _COMPARE:
            self.i += 1
            return _compared(left, tok.text, self._side(), tok.at)
        if self._word("in"):
            return _one_of(left, self._list(tok))
        return left

    def _list(self, tok: _Tok) -> list[object]:
        if self._take().text != "(":
            raise DeriveError(f"at character {tok.at}: in needs a list in ( ), e.g. in ('solar', 'wind')")
        values = [self._side()]
        while self._peek().text == ",":
            self.i += 1
            values.append(self._side())
        if self._take().text != ")":
            raise DeriveError(f"at character {tok.at}: the list after in is not closed with )")
        return values

    def _side(self) -> object:
        if self._peek().kind == "str":
            return _Text(self._take().text)
        return self._expr()


def _number(value: object) -> Any:
    if isinstance(value, _Text):
        raise DeriveError(f"'{value.value}' is text: + - * / work on numbers")
    if isinstance(value, pd.Series):
        return pd.to_numeric(value, errors="coerce").astype(float)
    return value


def _truth(value: object) -> pd.Series | bool:
    if isinstance(value, pd.Series) and value.dtype == bool:
        return value
    raise DeriveError("and, or and not join conditions such as kind = 'solar' or power > 10")


def _folded(value: object) -> object:
    """Text without case or surrounding blanks; numbers written as numbers (12.0 -> '12')."""
    if isinstance(value, _Text):
        return value.value.strip().casefold()
    if isinstance(value, pd.Series):
        return value.map(_cell_text).astype("string").str.strip().str.casefold()
    return _cell_text(value)


def _cell_text(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return pd.NA if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _compared(left: object, op: str, right: object, at: int) -> pd.Series:
    if isinstance(left, _Text) or isinstance(right, _Text):
        if op not in ("=", "==", "!=", "<>"):
            raise DeriveError(f"at character {at}: text is compared with = or !=, not {op}")
        a, b = _folded(left), _folded(right)
        same = a == b
        same = same.fillna(False).astype(bool) if isinstance(same, pd.Series) else same
        return same if op in ("=", "==") else ~same & (a.notna() if isinstance(a, pd.Series) else True)
    a, b = _number(left), _number(right)
    result = _COMPARE[op](a, b)
    if not isinstance(result, pd.Series):
        raise DeriveError(f"at character {at}: a condition compares a column, e.g. power > 10")
    known = a.notna() if isinstance(a, pd.Series) else True
    return (result & known).astype(bool)


def _one_of(left: object, values: list[object]) -> pd.Series:
    if not isinstance(left, pd.Series):
        raise DeriveError("in tests a column: kind in ('solar', 'wind')")
    wanted = {str(_folded(v)) for v in values}
    return _folded(left).isin(wanted).fillna(False).astype(bool)  # type: ignore[attr-defined]


def filter_columns(expr: str) -> list[str]:
    """The column names a filter uses (checks the grammar too)."""
    parser = _Filter(expr, None)
    parser.parse()
    return list(dict.fromkeys(parser.names))


def where_mask(table: pd.DataFrame, expr: str) -> np.ndarray:
    """True for the rows of *table* the filter *expr* keeps (missing values compare as false).

    >>> t = pd.DataFrame({"kind": ["Solar ", "wind", None], "mw": [12, 3.5, 40]})
    >>> where_mask(t, "kind = 'solar' or mw >= 40").tolist()
    [True, False, True]
    >>> where_mask(t, "kind in ('wind', 'hydro') and not mw > 10").tolist()
    [False, True, False]
    """
    value = _Filter(expr, table).parse()
    if not isinstance(value, pd.Series) or value.dtype != bool:
        raise DeriveError("a filter is a condition, e.g. kind = 'solar' or power_mw >= 1")
    return value.to_numpy(dtype=bool)
