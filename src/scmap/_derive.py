"""Derived columns: ``derive: {population: "Homes + Dones"}`` on a source.

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
>>> columns_of("2 * Homes - \\"àrea km2\\"")
['Homes', 'àrea km2']
>>> derive_column(t, "__import__('os')")
Traceback (most recent call last):
...
scmap._derive.DeriveError: at character 12: unexpected "'"; use numbers, column names, + - * / and ( )
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "DeriveError", "columns_of", "derive_column"]

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


def _tokens(expr: str) -> list[_Tok]:
    out, pos = [], 0
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if m is None or m.end() == pos:
            bad = expr[pos:].lstrip()[:1]
            at = len(expr) - len(expr[pos:].lstrip()) + 1
            raise DeriveError(f'at character {at}: unexpected "{bad}"; use numbers, column names, + - * / and ( )')
        kind = next(k for k in ("num", "name", "q1", "q2", "op") if m.group(k) is not None)
        out.append(_Tok("name" if kind in ("q1", "q2") else kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()
    out.append(_Tok("end", "", len(expr) + 1))
    return out


class _Parser:
    """expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*; unary := '-' unary | atom."""

    def __init__(self, expr: str, table: pd.DataFrame | None) -> None:
        if len(expr) > MAX_LENGTH:
            raise DeriveError(f"{len(expr):,} characters is too long for a derived column (at most {MAX_LENGTH:,})")
        self.toks, self.i, self.table = _tokens(expr), 0, table
        self.names: list[str] = []
        self.depth = 0

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
        value = self._expr()
        if self._peek().kind != "end":
            tok = self._peek()
            raise DeriveError(f'at character {tok.at}: unexpected "{tok.text}"')
        return value

    def _expr(self) -> object:
        value = self._term()
        while self._peek().text in ("+", "-") and self._peek().kind == "op":
            op, right = self._take().text, self._term()
            value = value + right if op == "+" else value - right  # type: ignore[operator]
        return value

    def _term(self) -> object:
        value = self._unary()
        while self._peek().text in ("*", "/") and self._peek().kind == "op":
            op, right = self._take().text, self._unary()
            if op == "*":
                value = value * right  # type: ignore[operator]
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    value = value / right  # type: ignore[operator]
        return value

    def _unary(self) -> object:
        if self._peek().kind == "op" and self._peek().text == "-":
            self._deeper(self._take())
            value = -self._unary()  # type: ignore[operator]
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
            return pd.to_numeric(self.table[tok.text], errors="coerce").astype(float)
        if tok.kind == "op" and tok.text == "(":
            self._deeper(tok)
            value = self._expr()
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
