"""What a source does to its rows before they are checked.

``join:`` adds the columns of a table
by a key, ``where:`` leaves out the rows a condition does not hold for (each left-out row is
listed in the rejected rows with the condition, so that every row of the file is accounted for).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio

from scmap.errors import InputError, UnreadableFileError
from scmap.sources._derive import DeriveError, where_mask
from scmap.sources._readers import RawLayer, csv_table, nested_as_json
from scmap.sources._validate import LEFT_OUT, id_strings

__all__ = ["apply_join", "apply_where", "read_table"]


def read_table(path: Path, *, layer: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """An attribute table from a CSV, XLSX, ODS, GeoPackage, DBF or any file GDAL reads (geometry dropped)."""
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return csv_table(path, encoding)
    if path.suffix.lower() in (".xlsx", ".ods"):
        # a join table's first row names its columns (GDAL guesses only when types differ)
        pyogrio.set_gdal_config_options({"OGR_XLSX_HEADERS": "FORCE", "OGR_ODS_HEADERS": "FORCE"})
    try:
        options = {"encoding": encoding} if encoding else {}
        table = pyogrio.read_dataframe(path, layer=layer, read_geometry=False, **options)
    except Exception as exc:  # GDAL raises many types for one meaning
        raise UnreadableFileError(f"{path}: cannot be read as a table: {str(exc).splitlines()[0]}") from None
    nested_as_json(table)
    return pd.DataFrame(table)


def apply_join(
    raw: RawLayer, table: pd.DataFrame, *, on: str, key: str | None, columns: list[str] | None, where: str
) -> list[str]:
    """Add *table*'s columns to *raw* where ``raw[on]`` equals ``table[key]``.

    Add *table*'s columns to *raw* where ``raw[on]`` equals ``table[key]`` (as text: 12 and
    12.0 match); returns warnings (rows without a match, columns already present).
    """
    key = key or on
    if on not in raw.gdf.columns:
        raise InputError(f"{where}.on: no column {on!r} in the source; columns: {_names(raw.gdf)}")
    if key not in table.columns:
        raise InputError(f"{where}.key: no column {key!r} in the table; columns: {_names(table)}")
    wanted = [c for c in (columns if columns is not None else table.columns) if c != key]
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        raise InputError(f"{where}.columns: no column {missing[0]!r} in the table; columns: {_names(table)}")
    notes = []
    clash = [c for c in wanted if c in raw.gdf.columns]
    if clash and columns is not None:
        raise InputError(f"{where}.columns: {', '.join(clash)} already in the source; leave them out of columns:")
    if clash:
        notes.append(f"{where}: {', '.join(map(str, clash))} already in the source, kept from the source")
        wanted = [c for c in wanted if c not in clash]
    keys = _key_text(table[key])
    repeated = keys[keys.duplicated() & keys.notna()]
    if len(repeated):
        raise InputError(
            f"{where}.key: {key!r} repeats values ({', '.join(repeated.drop_duplicates().head(3))}): one row per key"
        )
    lookup = table.assign(_key=keys.to_numpy()).dropna(subset=["_key"]).set_index("_key")[wanted]
    own = _key_text(raw.gdf[on])
    matched = own.isin(lookup.index).to_numpy()
    for column in wanted:
        raw.gdf[column] = own.map(lookup[column]).to_numpy()
    if (~matched).any():
        shown = ", ".join(own[~matched].fillna("(missing)").drop_duplicates().head(3))
        notes.append(
            f"{where}: {int((~matched).sum())} of {len(own)} rows have no match in the table ({on} {shown}); "
            "their joined columns are empty"
        )
    return notes


def apply_where(raw: RawLayer, expr: str, *, where: str) -> None:
    """Mark the rows *expr* does not keep as left out (listed with the condition)."""
    try:
        keep = where_mask(raw.gdf, expr)
    except DeriveError as exc:
        raise InputError(f"{where}: {expr!r}: {exc}; columns: {_names(raw.gdf)}") from None
    for pos in np.flatnonzero(~keep).tolist():
        raw.notes[pos] = ("where", f"{LEFT_OUT} {expr}")


def _key_text(values: pd.Series) -> pd.Series:
    """Return keys as text, all-digit codes without leading zeros.

    Keys as text, all-digit codes without leading zeros ('08019' and 8019 match, as a CSV
    read as numbers and a GeoJSON of text would otherwise not).
    """
    text = id_strings(values)
    digits = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
    return text.where(~digits, text.str.lstrip("0").replace("", "0"))


def _names(table: pd.DataFrame) -> str:
    geometry = getattr(table, "_geometry_column_name", None)
    return ", ".join(str(c) for c in table.columns if c != geometry)
