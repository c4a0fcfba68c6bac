"""Tables for people: readable column labels and numbers with units, never scientific notation.

Examples
--------
>>> from scmap.catalogue import load_catalogue
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

from scmap.catalogue import Catalogue

__all__ = ["column_kind", "column_label", "format_table", "format_value"]

_FIXED = {
    "district_id": "District id",
    "district_name": "District",
    "unit_id": "Unit",
    "area_m2": "Area",
    "n_solutions": "Solutions",
    "n_sectors": "Sectors present",
    "diversity": "Sector diversity (Shannon)",
    "evenness": "Sector evenness",
    "covered_multi": "Share of area served by 2+ sectors",
    "mean_covered": "Share of area served (mean over sectors)",
    "mean_uncovered_population": "People outside service areas (mean over sectors)",
    "gap_rank": "Worst-served rank",
    "distance_m": "Distance",
    "within_m": "Within",
    "radius_m": "Service radius",
    "overlap_m2": "Overlap",
    "solution_id": "Solution id",
    "duplicate_of": "Same as",
}
_SUFFIXES = {
    "score": "score",
    "rank": "rank",
    "excluded": "excluded",
    "mean": "mean score",
    "max": "best score",
    "share_above": "share of area suitable",
    "class": "class",
}


def column_label(column: str, catalogue: Catalogue) -> str:
    """A label a planner reads for a scmap column name (others are made readable as they are)."""
    if column in _FIXED:
        return _FIXED[column]
    for prefix, what in (("n_", "solutions"), ("covered_", "share of area served")):
        if column.startswith(prefix) and column[len(prefix) :] in catalogue.sectors:
            return f"{catalogue.sectors[column[len(prefix) :]].label}: {what}"
    for key, sol in catalogue.solutions.items():
        for suffix, what in _SUFFIXES.items():
            if column == f"{key}_{suffix}":
                return f"{sol.label}: {what}"
    return column.replace("_", " ").strip().capitalize() if re.fullmatch(r"[a-z0-9_]+", column) else column


def column_kind(column: str) -> str:
    """How a column's numbers are shown: share, km2, metres, m2, score, rank, count or number."""
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


def _plain(value: float) -> str:
    """A number without exponent, with at most 6 significant digits after the point."""
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    digits = max(0, 3 - math.floor(math.log10(abs(value))))
    return f"{value:,.{digits}f}".rstrip("0").rstrip(".")


def format_value(value: object, kind: str) -> str:
    """*value* as text for a table cell (empty for missing values)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, int | float):
        try:
            value = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return str(value)
    number = float(value)
    formats = {
        "share": lambda: f"{number:.0%}",
        "km2": lambda: f"{number / 1e6:,.2f} km²",
        "m2": lambda: f"{number:,.0f} m²",
        "metres": lambda: f"{number:,.0f} m",
        "score": lambda: f"{number:.2f}",
        "count": lambda: f"{number:,.0f}",
    }
    return formats.get(kind, lambda: _plain(number))()


def format_table(table: pd.DataFrame, catalogue: Catalogue, *, kinds: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A copy of *table* with labelled columns and every number formatted as text."""
    kinds = dict(kinds or {})
    out = pd.DataFrame(index=table.index)
    for column in table.columns:
        name = str(column)
        values = table[column]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            kind = kinds.get(name, column_kind(name))
            out[column_label(name, catalogue)] = [format_value(v, kind) for v in values]
        else:
            out[column_label(name, catalogue)] = values.astype("object").where(values.notna(), "")
    return out
