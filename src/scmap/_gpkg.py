"""Writing several tables as the layers of one GeoPackage."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio


def write_layers(path: Path, tables: Mapping[str, pd.DataFrame]) -> Path:
    """Replace *path* with one layer per table; tables without geometry become attribute layers,
    tables without columns are left out."""
    if path.exists():
        path.unlink()
    for name, table in tables.items():
        if isinstance(table, gpd.GeoDataFrame):
            table.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        elif len(table.columns):
            pyogrio.write_dataframe(table, path, layer=name, driver="GPKG")
    return path
