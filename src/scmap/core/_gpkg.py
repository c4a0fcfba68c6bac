"""Writing several tables as the layers of one GeoPackage."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol, TypeAlias

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from scmap.core._atomic import atomic_file
from scmap.core._geom import vertex_batches

BATCH_ROWS = 250_000
"""Rows converted and written at a time: a table of millions of rows (pairs, service areas) never
needs a second full copy of itself in memory while it is written."""

BATCH_VERTICES = 4_000_000
"""Vertices converted and written at a time: a layer of few but huge polygons (the hotspots and
coverage of a million service areas: tens of millions of vertices) is written a few hundred rows
at a time, not as one copy of all its geometry (and a second one in Arrow)."""


class Parts(Protocol):
    """A table too large to hold whole, given a part at a time (e.g. released service areas)."""

    def parts(self) -> Iterator[pd.DataFrame]: ...


Table: TypeAlias = "pd.DataFrame | Parts"


def parts_of(table: Table) -> Iterator[pd.DataFrame]:
    """A table's parts: a data frame whole, a :class:`Parts` as it gives them."""
    return iter([table]) if isinstance(table, pd.DataFrame) else table.parts()


def write_layers(path: Path, tables: Mapping[str, Table]) -> Path:
    """Replace *path* with a GeoPackage of one layer per table.

    Replace *path* with one layer per table; tables without geometry become attribute layers,
    tables without columns are left out. The file is written beside *path* and replaces it when
    complete, so a failed or killed write never leaves a partial GeoPackage at *path*.
    """
    with atomic_file(path, overwrite=True, lock=False) as tmp:
        add_layers(tmp, tables)
    return path


def add_layers(path: Path, tables: Mapping[str, Table]) -> Path:
    """Add one layer per table to the GeoPackage at *path* (created if absent), in place.

    In place, so only for a file that is not in its final place yet (one in a pack's temporary
    folder, or :func:`write_layers`' own temporary file): a failed write leaves it partial.
    """
    for name, table in tables.items():
        written, index = False, True
        for part in parts_of(table):
            if not len(part.columns):
                break
            index = index if written else has_geometry(part)  # the first part decides for the layer
            for start, stop in _batches(part):
                _write(path, name, part.iloc[start:stop], append=written, index=index)
                written = True
    return path


def _batches(table: pd.DataFrame) -> list[tuple[int, int]]:
    """``(start, stop)`` of the batches of rows written.

    At most :data:`BATCH_ROWS` rows and, beyond its first row, :data:`BATCH_VERTICES` vertices
    each (a table without geometry has none); one (empty) batch for no rows.
    """
    vertices = shapely.get_num_coordinates(table.geometry.array) if isinstance(table, gpd.GeoDataFrame) else 0
    return vertex_batches(vertices, len(table), max_vertices=BATCH_VERTICES, max_rows=BATCH_ROWS)


def has_geometry(table: pd.DataFrame) -> bool:
    """Whether *table* holds any geometry: a GeoDataFrame with at least one geometry present.

    A GeoPackage layer gets a spatial index, and a PostGIS table a geometry column, only then: the
    pairs of a large region, whose overlap polygons are left out, have an empty geometry column,
    whose R-tree triggers would only slow every appended batch.
    """
    return isinstance(table, gpd.GeoDataFrame) and not shapely.is_missing(table.geometry.array).all()


def _write(path: Path, layer: str, rows: pd.DataFrame, *, append: bool, index: bool = True) -> None:
    """One batch of a layer, through Arrow (columnar: several times faster for millions of rows)."""
    # GeoPackage 1.2 on creation: QGIS and GDAL of older LTS releases read it without warnings
    options: dict[str, dict[str, str]] = {} if path.exists() else {"dataset_options": {"VERSION": "1.2"}}
    if isinstance(rows, gpd.GeoDataFrame):
        if not append and not index:
            options["layer_options"] = {"SPATIAL_INDEX": "NO"}
        rows.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", use_arrow=True, append=append, **options)
    else:
        pyogrio.write_dataframe(rows, path, layer=layer, driver="GPKG", use_arrow=True, append=append, **options)


def order_layers(path: Path, names: Sequence[str]) -> None:
    """Put the layers of the GeoPackage at *path* in the order of *names* (others after them).

    GDAL, and so QGIS and pyogrio, list a GeoPackage's tables in the order of their rows in
    ``gpkg_contents`` (those with geometry first): layers written out of order (some beside the
    run) are given the rows of the order they would have had.
    """
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        rows = [str(row[0]) for row in db.execute("SELECT table_name FROM gpkg_contents ORDER BY rowid")]
        ordered = [n for n in names if n in rows] + [n for n in rows if n not in names]
        if ordered != rows:
            top = int(db.execute("SELECT max(rowid) FROM gpkg_contents").fetchone()[0])
            for i, name in enumerate(ordered, start=1):
                db.execute("UPDATE gpkg_contents SET rowid = ? WHERE table_name = ?", (top + i, name))
