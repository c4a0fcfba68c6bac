"""Tables for people: readable column labels and numbers with units, never scientific notation.

Examples
--------
>>> from scmap.core.catalogue import load_catalogue
>>> cat = load_catalogue()
>>> column_label("covered_mobility", cat), column_label("ev_charging_rank", cat)
('Mobility: share of area served', 'EV charging: rank')
>>> format_value(0.4567, "share"), format_value(1_150_000.0, "km2"), format_value(12345.6, "count")
('46%', '1.15 km²', '12,346')
>>> format_value(1.2e-7, "number"), format_value(3.14159e9, "number")
('0.00000012', '3,141,590,000')
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import pandas as pd

from scmap.core.catalogue import Catalogue
from scmap.core.i18n import Messages, english

__all__ = ["column_kind", "column_label", "format_table", "format_value"]


def column_label(column: str, catalogue: Catalogue, msg: Messages | None = None) -> str:
    """Return a label a planner reads for a scmap column name.

    In *msg*'s language (English by default);
    other columns are made readable as they are.
    """
    msg = msg or english()
    fixed = msg.get(f"col.{column}")
    if fixed is not None:
        return fixed
    kept = re.fullmatch(r"top(\d+)_kept", column)
    if kept:
        return msg("col.top_kept", k=kept.group(1))
    for prefix, what in (("n_", "col.sector_n"), ("covered_", "col.sector_covered")):
        if column.startswith(prefix) and column[len(prefix) :] in catalogue.sectors:
            return msg(what, sector=catalogue.sectors[column[len(prefix) :]].label)
    for key, sol in catalogue.solutions.items():
        if column.startswith(f"{key}_") and msg.get(f"col.suffix_{column[len(key) + 1 :]}") is not None:
            return f"{sol.label}: {msg(f'col.suffix_{column[len(key) + 1 :]}')}"
    return column.replace("_", " ").strip().capitalize() if re.fullmatch(r"[a-z0-9_]+", column) else column


def column_kind(column: str) -> str:
    """How a column's numbers are shown: share, km2, metres, m2, score, rank, count, row or number."""
    if column == "row":
        return "row"  # a row of a file, as an editor numbers it: 1835, not 1,835
    if column.startswith(("covered_", "mean_covered")) or column.endswith(("share_above", "_share", "p_top5")):
        return "share"
    if column == "area_m2":
        return "km2"
    if column.endswith("_m2"):
        return "m2"
    if column.endswith("_m") or column in ("distance_m", "radius_m", "within_m"):
        return "metres"
    if column.endswith(("_score", "_mean", "_max", "diversity", "evenness", "weight")) or column == "score":
        return "score"
    if column.endswith(("_rank", "n_solutions", "n_sectors")) or column.startswith("n_") or column == "gap_rank":
        return "count"
    if "population" in column:
        return "count"
    return "number"


def _plain(value: float, msg: Messages) -> str:
    """A number without exponent, with at most 6 significant digits after the point."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return msg.num(value)
    digits = max(0, 3 - math.floor(math.log10(abs(value))))
    text = msg.num(value, digits)
    return text.rstrip("0").rstrip(msg.decimal) if digits else text


def format_value(value: object, kind: str, msg: Messages | None = None) -> str:
    """*value* as text for a table cell (empty for missing values), in *msg*'s language."""
    msg = msg or english()
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return msg("col.yes") if value else msg("col.no")
    if not isinstance(value, int | float):
        try:
            value = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return str(value)
    number = float(value)
    formats = {
        "share": lambda: msg.pct(number),
        "km2": lambda: f"{msg.num(number / 1e6, 2)} km²",
        "m2": lambda: f"{msg.num(number)} m²",
        "metres": lambda: f"{msg.num(number)} m",
        "score": lambda: msg.num(number, 2),
        "count": lambda: msg.num(number),
        "row": lambda: f"{number:.0f}",
    }
    return formats.get(kind, lambda: _plain(number, msg))()


def format_table(
    table: pd.DataFrame,
    catalogue: Catalogue,
    *,
    kinds: Mapping[str, str] | None = None,
    msg: Messages | None = None,
) -> pd.DataFrame:
    """A copy of *table* with labelled columns and every number formatted as text (in *msg*'s language)."""
    kinds = dict(kinds or {})
    out = pd.DataFrame(index=table.index)
    for column in table.columns:
        name = str(column)
        values = table[column]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            kind = kinds.get(name, column_kind(name))
            out[column_label(name, catalogue, msg)] = [format_value(v, kind, msg) for v in values]
        else:
            shown = values.astype("object").where(values.notna(), "")
            out[column_label(name, catalogue, msg)] = [_value_label(name, v, catalogue) for v in shown]
    return out


TYPE_COLUMNS = frozenset({"solution", "a_solution", "b_solution", "a", "b", "sector"})
"""Columns whose values are solution-type or sector keys (``sector:KEY`` in a rule): shown by label."""


def _value_label(column: str, value: object, catalogue: Catalogue) -> object:
    if column not in TYPE_COLUMNS or not isinstance(value, str):
        return value
    if column == "sector" or value.startswith("sector:"):
        return catalogue.sector_label(value.removeprefix("sector:"))
    return catalogue.type_label(value)
