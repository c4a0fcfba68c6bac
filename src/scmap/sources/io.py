"""Reading district boundaries, context layers and solutions from ordinary GIS files.

Formats: GeoPackage (pick a layer), GeoJSON (also with a legacy ``crs`` member), Shapefile (plain
or zipped, encoding from ``.cpg``), FlatGeobuf, GeoParquet, TopoJSON, and CSV with lon/lat or WKT
columns. pyogrio is the engine; ``engine="fiona"`` works too.

Every function returns a :class:`LoadedLayer`: the usable rows in one metric CRS (``.gdf``), the
rows that could not be used with their reasons (``.rejected``) and a report (``.report``).
Nothing is dropped silently: ``len(gdf) + len(rejected)`` is the number of rows in the file.

Examples
--------
>>> from scmap.project.datasets import demo_dir
>>> districts = read_districts(demo_dir() / "districts.gpkg", id="district_id", name="name")
>>> len(districts.gdf), len(districts.rejected), districts.gdf.crs.to_epsg()
(24, 0, 32634)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from scmap.core._limits import MAX_DISTANCE_M
from scmap.core.catalogue import Catalogue, load_catalogue
from scmap.errors import ScmapWarning
from scmap.sources._readers import CsvGeometry, Engine, Order, RawLayer, describe, read_raw
from scmap.sources._validate import REJECTED_COLUMNS, LoadedLayer, SourceReport, check_layer, conclude
from scmap.sources.crs import analysis_crs, outside_area_of_use, parse_crs

__all__ = [
    "SOLUTION_COLUMNS",
    "LoadedLayer",
    "SourceReport",
    "read_districts",
    "read_layer",
    "read_solutions",
]

SOLUTION_COLUMNS = ["solution_id", "name", "sector", "solution", "status", "radius_m", "source", "source_row"]
"""Standard columns of a solutions layer, before the file's own attribute columns."""

_STATUS = {
    "existing": "existing",
    "built": "existing",
    "operational": "existing",
    "in operation": "existing",
    "installed": "existing",
    "active": "existing",
    "planned": "planned",
    "approved": "planned",
    "under construction": "planned",
    "funded": "planned",
    "candidate": "candidate",
    "proposed": "candidate",
    "idea": "candidate",
    "potential": "candidate",
}

ToCRS = Literal["auto"] | str | CRS | None


def _target(gdf: gpd.GeoDataFrame, to_crs: ToCRS) -> CRS | None:
    if to_crs is None:
        return None
    if isinstance(to_crs, CRS):
        return to_crs
    if to_crs == "auto":
        return analysis_crs(gdf) if len(gdf) and gdf.crs is not None else None
    return parse_crs(to_crs, where="to_crs")


def _emit(loaded: LoadedLayer) -> LoadedLayer:
    for message in loaded.report.warnings:
        warnings.warn(message, ScmapWarning, stacklevel=3)
    return loaded.raise_for_errors()


def _reproject(loaded: LoadedLayer, to_crs: ToCRS) -> LoadedLayer:
    target = _target(loaded.gdf, to_crs)
    if target is not None and loaded.gdf.crs is not None and not loaded.gdf.crs.equals(target):
        loaded.gdf = loaded.gdf.to_crs(target)
    return loaded


def read_layer(
    path: str | Path,
    *,
    layer: str | None = None,
    crs: str | None = None,
    to_crs: ToCRS = None,
    engine: Engine = "pyogrio",
    lon: str | None = None,
    lat: str | None = None,
    wkt: str | None = None,
    coordinates: str | None = None,
    coordinate_order: Order = "lon,lat",
    encoding: str | None = None,
) -> LoadedLayer:
    """Read and check a context layer (any geometry).

    Parameters
    ----------
    path
        Any supported file; a ``.zip`` holding a shapefile works too.
    layer
        Layer name, required when the file has several.
    crs
        CRS to assume when the file declares none (or to force over a wrong declaration).
    to_crs
        ``None`` keeps the file's CRS, ``"auto"`` the local UTM zone, or any CRS.
    engine
        ``"pyogrio"`` (default) or ``"fiona"``.
    lon, lat, wkt
        CSV coordinate columns when their names are not recognised.
    coordinates, coordinate_order
        A CSV column holding both coordinates ("43.45,28.55", "[2.79, 48.84]") and their order.

    Raises
    ------
    UnreadableFileError
        The file is empty, an HTML page, truncated or otherwise not GIS data.
    InputError
        No CRS, most coordinates out of place, or no usable row.

    Examples
    --------
    >>> from scmap.project.datasets import demo_dir
    >>> parks = read_layer(demo_dir() / "context.gpkg", layer="parks")
    >>> len(parks.gdf), parks.gdf.crs.to_epsg()
    (5, 4326)
    """
    csv_geometry = CsvGeometry(lon, lat, wkt, coordinates, coordinate_order)
    raw = read_raw(path, layer=layer, engine=engine, csv_geometry=csv_geometry, encoding=encoding)
    loaded = conclude(check_layer(raw, role="layer", target_crs=None, crs_override=crs))
    return _emit(_reproject(loaded, to_crs) if loaded.ok else loaded)


def _districts(
    raw: RawLayer, *, id: str | Sequence[str], name: str | None, crs: str | None, target: CRS | None
) -> LoadedLayer:
    loaded = check_layer(
        raw,
        role="districts",
        target_crs=target,
        crs_override=crs,
        id_field=id,
        family="polygon",
        merge_by=name,
        merge_alike=True,
    )
    if loaded.report.errors:
        return conclude(loaded)
    gdf = loaded.gdf
    if name is not None and name not in gdf.columns:
        loaded.report.errors.append(
            f"{describe(raw.path, raw.layer)}: no column {name!r} for the district names; columns: "
            f"{', '.join(str(c) for c in gdf.columns if c not in ('geometry', 'source_row', '_id'))}"
        )
        return conclude(loaded)
    names = (
        gdf[name].astype("string").fillna("").str.strip() if name else pd.Series("", index=gdf.index, dtype="string")
    )
    ids = gdf.pop("_id")
    names = names.where(names != "", ids)
    gdf = gdf.rename(columns={c: f"src_{c}" for c in ("district_id", "district_name") if c in gdf.columns})
    gdf.insert(0, "district_name", names.to_numpy())
    gdf.insert(0, "district_id", ids.to_numpy())
    loaded.gdf = gdf
    return conclude(loaded)


def read_districts(
    path: str | Path,
    *,
    id: str | Sequence[str],
    name: str | None = None,
    layer: str | None = None,
    crs: str | None = None,
    to_crs: ToCRS = "auto",
    engine: Engine = "pyogrio",
    encoding: str | None = None,
) -> LoadedLayer:
    """Read and check district polygons: unique ids, polygons only, invalid ones repaired.

    The result has ``district_id`` and ``district_name`` first, then the file's columns, in the
    local UTM zone unless *to_crs* says otherwise. *id* is a column, or several whose values
    together are unique (``["C_Distri", "C_SecCens"]`` gives ``01-001``).

    Examples
    --------
    >>> from scmap.project.datasets import demo_dir
    >>> d = read_districts(demo_dir() / "districts.gpkg", id="district_id", name="name")
    >>> d.gdf[["district_id", "district_name"]].iloc[0].tolist()
    ['SOF01', 'Sredets']
    """
    raw = read_raw(path, layer=layer, engine=engine, encoding=encoding)
    loaded = _districts(raw, id=id, name=name, crs=crs, target=None)
    return _emit(_reproject(loaded, to_crs) if loaded.ok else loaded)


def _reject_more(
    loaded: LoadedLayer, mask: np.ndarray, field: str, reasons: pd.Series | str | Callable[[], pd.Series]
) -> None:
    """Move rows of ``loaded.gdf`` flagged by *mask* to the rejected table.

    *reasons* may be a function giving them, called only when some row is flagged (one text per
    row of a million-row layer costs a second for nothing).
    """
    if not mask.any():
        return
    gdf = loaded.gdf
    gone = gdf.loc[mask]
    reasons = reasons() if callable(reasons) else reasons
    why = reasons if isinstance(reasons, str) else reasons[mask].astype(str).to_numpy()
    id_column = next((c for c in ("_id", "district_id", "solution_id") if c in gone.columns), None)
    ids = gone[id_column].astype("string").fillna("") if id_column else ""
    more = pd.DataFrame(
        {
            "file": loaded.report.path,
            "layer": loaded.report.layer or "",
            "role": loaded.report.role,
            "row": gone["source_row"].to_numpy(),
            "id": ids if isinstance(ids, str) else ids.to_numpy(),
            "field": field,
            "reason": why,
        },
        columns=REJECTED_COLUMNS,
    )
    loaded.rejected = pd.concat([loaded.rejected, more], ignore_index=True).sort_values(
        "row", kind="stable", ignore_index=True
    )
    loaded.gdf = gdf.loc[~mask]
    loaded.report.loaded = len(loaded.gdf) + loaded.merged_rows
    loaded.report.rejected = len(loaded.rejected)


def _column_error(loaded: LoadedLayer, raw: RawLayer, key: str, column: str) -> bool:
    if column in loaded.gdf.columns:
        return False
    cols = [str(c) for c in loaded.gdf.columns if c not in ("geometry", "source_row", "_id")]
    hint = ""
    if key == "solution_field" and column == "solution":
        hint = "; give solution: TYPE (one type for every row) or solution_field: COLUMN"
    loaded.report.errors.append(
        f"{describe(raw.path, raw.layer)}: {key}: no column {column!r}; columns: {', '.join(cols)}{hint}"
    )
    return True


def _match_each_value(values: pd.Series, match: Callable[[object], str | None]) -> pd.Series:
    """Catalogue keys for messy values, matching each distinct value once (files repeat a few)."""
    lookup = {v: match(v) for v in values.dropna().unique()}
    return values.map(lookup)


_WORK = ["_key", "_sector", "_status", "_radius"]
"""Working columns of :func:`_solutions`; they travel with their rows when rows are rejected."""


def column_defaults(
    raw: RawLayer, *, solution: str | None, solution_field: str | None, name: str | None, status: str | None
) -> tuple[str | None, str | None, str | None]:
    """Return the default columns of a source that names no solution type.

    (solution_field, name, status) for a source that names no solution type: its ``solution``
    column, and its ``name`` and ``status`` columns when it has them, as the map's exported
    sketches do, so that they read back with no keys.
    """
    if solution is not None or solution_field is not None:
        return solution_field, name, status
    columns = set(raw.gdf.columns)
    return (
        "solution",
        name or ("name" if "name" in columns else None),
        status or ("status" if "status" in columns else None),
    )


def _solutions(
    raw: RawLayer,
    *,
    catalogue: Catalogue,
    target: CRS | None,
    crs: str | None = None,
    sector: str | None = None,
    solution: str | None = None,
    sector_field: str | None = None,
    solution_field: str | None = None,
    id: str | Sequence[str] | None = None,
    name: str | None = None,
    status: str | None = None,
    default_status: str = "existing",
    radius_field: str | None = None,
) -> LoadedLayer:
    loaded = check_layer(raw, role="solutions", target_crs=target, crs_override=crs, id_field=id, merge_alike=True)
    if loaded.report.errors:
        return conclude(loaded)
    columns = {"solution_field": solution_field, "sector_field": sector_field, "name": name, "status": status}
    columns["radius_field"] = radius_field
    if any(c is not None and _column_error(loaded, raw, k, c) for k, c in columns.items()):
        return conclude(loaded)
    _solution_types(loaded, catalogue, solution=solution, solution_field=solution_field)
    _solution_sectors(loaded, catalogue, sector=sector, sector_field=sector_field)
    _solution_status(loaded, status=status, default_status=default_status)
    _solution_radius(loaded, radius_field=radius_field)
    loaded.gdf = _standard_columns(loaded.gdf, raw, catalogue, name=name)
    return conclude(loaded)


def _note_matches(loaded: LoadedLayer, what: str, values: pd.Series, keys: pd.Series) -> None:
    """Say which values were read as which catalogue key, when they differ."""
    pairs = {str(v): str(k) for v, k in zip(values, keys, strict=True) if isinstance(k, str) and str(v) != k}
    if pairs:
        shown = "; ".join(f"{v!r} -> {k}" for v, k in list(pairs.items())[:6])
        more = f" and {len(pairs) - 6} more" if len(pairs) > 6 else ""
        loaded.report.warnings.append(f"{loaded.report.path}: {what} matched to the catalogue: {shown}{more}")


def _solution_types(loaded: LoadedLayer, cat: Catalogue, *, solution: str | None, solution_field: str | None) -> None:
    gdf = loaded.gdf
    if solution_field is None:
        key = cat.match_solution(solution)
        loaded.gdf = gdf.assign(_key=key)
        _note_matches(loaded, "solution:", pd.Series([solution]), pd.Series([key]))
        return
    values = gdf[solution_field]
    keys = _match_each_value(values, cat.match_solution)
    loaded.gdf = gdf.assign(_key=keys)
    allowed = "; allowed: " + ", ".join(cat.solutions)
    _reject_more(loaded, keys.isna().to_numpy(), solution_field,
                 lambda: "unknown solution type " + values.astype(str).map(repr) + allowed)  # fmt: skip
    _note_matches(
        loaded, f"values of {solution_field!r}", values.drop_duplicates(), keys[values.drop_duplicates().index]
    )


def _solution_sectors(loaded: LoadedLayer, cat: Catalogue, *, sector: str | None, sector_field: str | None) -> None:
    gdf = loaded.gdf
    type_sector = gdf["_key"].map({k: sol.sector for k, sol in cat.solutions.items()})
    if sector_field is None:
        loaded.gdf = gdf.assign(_sector=type_sector if sector is None else cat.match_sector(sector))
        return
    given = gdf[sector_field]
    blank = given.isna() | given.astype(str).str.strip().eq("")
    sectors = _match_each_value(given, cat.match_sector).where(~blank, type_sector)
    loaded.gdf = gdf.assign(_sector=sectors)
    allowed = "; allowed: " + ", ".join(cat.sectors)
    _reject_more(
        loaded,
        sectors.isna().to_numpy(),
        sector_field,
        lambda: "unknown sector " + given.astype(str).map(repr) + allowed,
    )
    gdf = loaded.gdf
    type_sector = gdf["_key"].map({k: sol.sector for k, sol in cat.solutions.items()})
    mismatch = (gdf["_sector"] != type_sector).to_numpy()

    def reasons() -> pd.Series:
        return (
            "sector " + gdf["_sector"].map(repr) + " does not match the catalogue sector " + type_sector.map(repr)
            + " of " + gdf["_key"].astype(str)
        )  # fmt: skip

    _reject_more(loaded, mismatch, sector_field, reasons)


def _solution_status(loaded: LoadedLayer, *, status: str | None, default_status: str) -> None:
    gdf = loaded.gdf
    if status is None:
        loaded.gdf = gdf.assign(_status=default_status)
        return
    given = gdf[status].astype("string").str.strip().str.lower()
    blank = given.isna() | given.eq("")
    statuses = given.map(_STATUS).where(~blank, default_status)
    loaded.gdf = gdf.assign(_status=statuses)
    allowed = "; allowed: existing, planned, candidate"
    _reject_more(
        loaded,
        statuses.isna().to_numpy(),
        status,
        lambda: "unknown status " + gdf[status].astype(str).map(repr) + allowed,
    )


def _solution_radius(loaded: LoadedLayer, *, radius_field: str | None) -> None:
    gdf = loaded.gdf
    if radius_field is None:
        loaded.gdf = gdf.assign(_radius=np.nan)
        return
    text = gdf[radius_field]
    radius = pd.to_numeric(text, errors="coerce")
    blank = text.isna() | text.astype(str).str.strip().eq("")
    loaded.gdf = gdf.assign(_radius=radius.astype(float))
    bad = (~blank & ~((radius > 0) & (radius <= MAX_DISTANCE_M))).to_numpy()
    why = " is not a positive, finite number of metres (at most 100 km)"
    _reject_more(loaded, bad, radius_field, lambda: "radius " + text.astype(str).map(repr) + why)


def _standard_columns(gdf: gpd.GeoDataFrame, raw: RawLayer, cat: Catalogue, *, name: str | None) -> gpd.GeoDataFrame:
    """The contract's solution columns first, then the file's own columns (clashing ones as src_*)."""
    stem = raw.path.stem if raw.layer in (None, raw.path.stem) else f"{raw.path.stem}.{raw.layer}"
    ids = gdf["_id"].astype(str) if "_id" in gdf.columns else stem + "-" + gdf["source_row"].astype(str)
    labels = gdf["_key"].map({k: sol.label for k, sol in cat.solutions.items()})
    names = labels + " " + ids
    if name is not None:
        given = gdf[name].astype("string").fillna("").str.strip()
        names = given.where(given != "", names)
    attrs = gdf.drop(columns=[c for c in ("source_row", "_id", *_WORK) if c in gdf.columns])
    attrs = attrs.rename(
        columns={c: f"src_{c}" for c in attrs.columns if c in SOLUTION_COLUMNS and c != attrs.geometry.name}
    )
    standard = pd.DataFrame(
        {
            "solution_id": ids.to_numpy(),
            "name": names.astype(str).to_numpy(),
            "sector": gdf["_sector"].to_numpy(),
            "solution": gdf["_key"].to_numpy(),
            "status": gdf["_status"].to_numpy(),
            "radius_m": gdf["_radius"].to_numpy(dtype=float),
            "source": str(raw.path) if raw.layer in (None, raw.path.stem) else f"{raw.path}:{raw.layer}",
            "source_row": gdf["source_row"].to_numpy(),
        },
        index=gdf.index,
    )
    return gpd.GeoDataFrame(pd.concat([standard, attrs], axis=1), geometry=attrs.geometry.name, crs=gdf.crs)


def read_solutions(
    path: str | Path,
    *,
    catalogue: Catalogue | None = None,
    sector: str | None = None,
    solution: str | None = None,
    sector_field: str | None = None,
    solution_field: str | None = None,
    id: str | Sequence[str] | None = None,
    name: str | None = None,
    status: str | None = None,
    default_status: Literal["existing", "planned", "candidate"] = "existing",
    radius_field: str | None = None,
    layer: str | None = None,
    crs: str | None = None,
    to_crs: ToCRS = "auto",
    engine: Engine = "pyogrio",
    lon: str | None = None,
    lat: str | None = None,
    wkt: str | None = None,
    coordinates: str | None = None,
    coordinate_order: Order = "lon,lat",
    encoding: str | None = None,
) -> LoadedLayer:
    """Read and check a list of solutions against the catalogue.

    Give the solution type as a constant (*solution*) or a column (*solution_field*); values are
    matched leniently against catalogue keys, labels and aliases ("EV charging point" ->
    ``ev_charging``). The sector defaults to the type's catalogue sector.

    Examples
    --------
    >>> from scmap.project.datasets import demo_dir
    >>> ev = read_solutions(demo_dir() / "chargers.geojson", solution="ev_charging", id="ref")
    >>> ev.gdf[["solution_id", "sector", "solution"]].iloc[0].tolist()
    ['EV-001', 'mobility', 'ev_charging']
    """
    cat = catalogue or load_catalogue()
    _check_constants(cat, sector=sector, solution=solution)
    csv_geometry = CsvGeometry(lon, lat, wkt, coordinates, coordinate_order)
    raw = read_raw(path, layer=layer, engine=engine, csv_geometry=csv_geometry, encoding=encoding)
    solution_field, name, status = column_defaults(
        raw, solution=solution, solution_field=solution_field, name=name, status=status
    )
    loaded = _solutions(
        raw,
        catalogue=cat,
        target=None,
        crs=crs,
        sector=sector,
        solution=solution,
        sector_field=sector_field,
        solution_field=solution_field,
        id=id,
        name=name,
        status=status,
        default_status=default_status,
        radius_field=radius_field,
    )
    return _emit(_reproject(loaded, to_crs) if loaded.ok else loaded)


def _check_constants(cat: Catalogue, *, sector: str | None, solution: str | None) -> None:
    from scmap.errors import CatalogueError

    if solution is not None and cat.match_solution(solution) is None:
        raise CatalogueError(f"solution: unknown solution type {solution!r}; allowed: {', '.join(cat.solutions)}")
    if sector is not None and cat.match_sector(sector) is None:
        raise CatalogueError(f"sector: unknown sector {sector!r}; allowed: {', '.join(cat.sectors)}")


def _far_from_the_rest(geoms: np.ndarray) -> int:
    """Rows outside the 1-99 % box of the layer widened by its own size on each side."""
    import shapely

    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if present.sum() < 20:
        return 0
    centres = shapely.get_coordinates(shapely.centroid(geoms[present]))
    lo, hi = np.percentile(centres, 1, axis=0), np.percentile(centres, 99, axis=0)
    span = np.maximum(hi - lo, 1e-9)
    outside = ((centres < lo - span) | (centres > hi + span)).any(axis=1)
    return int(outside.sum())


def _bounds_wgs84(gdf: gpd.GeoDataFrame) -> list[float] | None:
    """The layer's extent in longitude/latitude, or None when it has none or cannot be transformed."""
    geoms = gdf.geometry
    if not len(gdf) or not geoms.notna().any():
        return None
    try:
        b = gdf.loc[geoms.notna() & ~geoms.is_empty].to_crs(4326).total_bounds
    except Exception:  # bounds are informative only
        return None
    return [round(float(v), 6) for v in b] if np.isfinite(b).all() else None


def _info_warnings(
    raw: RawLayer, gdf: gpd.GeoDataFrame, declared: CRS | None, layer_crs: CRS | None, crs: str | None
) -> list[str]:
    """What ``scmap info`` notes about a layer: what ``validate`` would complain about first."""
    geoms = gdf.geometry
    out: list[str] = []
    if not raw.has_geometry:
        out.append("a table without geometry")
    elif declared is None and crs is None:
        out.append("no CRS declared: set crs: EPSG:nnnn for this file in the project")
    elif declared is None:
        out.append(f"no CRS declared: shown as {crs} (given with --crs)")
    n_null = int(geoms.isna().sum() + geoms.is_empty.sum()) if raw.has_geometry else 0
    if n_null:
        out.append(f"{n_null} rows without geometry")
    valid = geoms.is_valid | geoms.isna()
    if (~valid).any():
        out.append(f"{int((~valid).sum())} invalid geometries (repaired when loaded)")
    if raw.notes:
        out.append(f"{len(raw.notes)} rows whose coordinates cannot be read")
    if layer_crs is not None and len(gdf):
        out += _placement_warnings(geoms, layer_crs)
    return out


def _placement_warnings(geoms: gpd.GeoSeries, layer_crs: CRS) -> list[str]:
    """Coordinates outside the CRS's area of use, far from the rest, or with x equal to y."""
    out: list[str] = []
    live = np.asarray(geoms.array, dtype=object)
    misplaced = int(outside_area_of_use(live, layer_crs).sum())
    if misplaced:
        out.append(f"{misplaced} rows with coordinates outside the area of use of {layer_crs.to_string()}")
    far = _far_from_the_rest(live)
    if far:
        out.append(f"{far} rows lie far outside where the rest of the layer is (swapped coordinates?)")
    if layer_crs.is_geographic:
        pts = geoms.geom_type == "Point"
        same = int((geoms[pts].x == geoms[pts].y).sum()) if pts.any() else 0
        if same:
            out.append(f"{same} points whose longitude equals their latitude (a copy error?)")
    return out


def file_info(
    path: str | Path,
    *,
    layer: str | None = None,
    engine: Engine = "pyogrio",
    crs: str | None = None,
    csv_geometry: CsvGeometry | None = None,
) -> dict[str, object]:
    """What is in a GIS file: per layer its CRS, row count, geometry types and fields.

    Reads each layer fully (to count real geometry types), but checks nothing beyond that; the
    ``warnings`` of a layer say what ``validate`` would complain about first.

    Examples
    --------
    >>> from scmap.project.datasets import demo_dir
    >>> info = file_info(demo_dir() / "context.gpkg", layer="parks")
    >>> info["layers"][0]["count"], info["layers"][0]["geometry_types"], info["layers"][0]["crs"]
    (5, ['Polygon'], 'EPSG:4326')
    """
    from scmap.sources._readers import list_layers

    path = Path(path)
    names = [layer] if layer is not None else list_layers(path, engine=engine)
    layers = []
    for name in names:
        raw = read_raw(path, layer=name if len(names) > 1 or layer else None, engine=engine, csv_geometry=csv_geometry)
        gdf = raw.gdf
        types = gdf.geometry.geom_type.dropna().value_counts().sort_index()
        declared = raw.declared_crs
        layer_crs = declared if declared is not None or crs is None else parse_crs(crs, where=f"{path}: --crs")
        if layer_crs is not None and gdf.crs is None:
            gdf = gdf.set_crs(layer_crs)
        layers.append(
            {
                "name": raw.layer or name,
                "crs": None if declared is None else (declared.to_string() if declared.to_epsg() else declared.name),
                "count": len(gdf),
                "geometry_types": [str(t) for t in types.index],
                "geometry_counts": {str(k): int(v) for k, v in types.items()},
                "fields": [str(c) for c in gdf.columns if c != gdf.geometry.name],
                "field_types": {str(c): str(t) for c, t in gdf.dtypes.items() if c != gdf.geometry.name},
                "bounds_wgs84": _bounds_wgs84(gdf) if layer_crs is not None else None,
                "warnings": _info_warnings(raw, gdf, declared, layer_crs, crs),
            }
        )
    return {"path": str(path), "layers": layers}
