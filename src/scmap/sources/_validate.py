"""Row-level checks shared by every input: CRS, ids, geometry presence, type, validity, place.

The rule of this module: every input row ends up either in the loaded layer or in the rejected
table with the field and reason. Problems that concern the whole layer (no CRS, a missing
column, most coordinates out of place) go to the report's errors instead of rejecting rows
one by one.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from scmap.core._text import counted, noun_for
from scmap.errors import InputError, OutsideWarning
from scmap.sources._readers import RawLayer, describe, shapefile_hint
from scmap.sources.crs import outside_area_of_use, parse_crs

Role = Literal["districts", "solutions", "layer"]
Family = Literal["polygon", "any"]

REJECTED_COLUMNS = ["file", "layer", "role", "row", "id", "field", "reason"]
"""Columns of every rejected-rows table (``rejected.csv``); ``row`` is 1-based in the file."""

_POINT, _LINE, _POLY = {0, 4}, {1, 2, 5}, {3, 6}
_TYPE_NAMES = {
    0: "Point",
    1: "LineString",
    2: "LinearRing",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}
_SHOW = 8  # how many row ids a summary message names


@dataclass
class SourceReport:
    """What happened to one input source (the ``sources`` items of ``validate --json``)."""

    path: str
    role: Role
    layer: str | None = None
    name: str | None = None
    rows: int = 0
    loaded: int = 0
    rejected: int = 0
    filtered: int = 0
    """Rows left out by the source's ``where:`` (counted in ``rejected`` too, and listed there)."""
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    outside: int = 0
    """Solutions outside every district, said in ``warnings`` (kept, and listed by the overlap)."""
    summary: str | None = None
    """The warning of ``warnings`` that summarises the rejected rows by reason (None without one)."""
    outside_note: str | None = None
    """The warning of ``warnings`` that counts the solutions outside every district (None without one)."""
    remote: dict[str, object] | None = None
    """For a PostGIS table or a web service: url, layer, fetched, features, sha256 (and cache)."""

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "role": self.role,
            "layer": self.layer,
            "name": self.name,
            "rows": self.rows,
            "loaded": self.loaded,
            "rejected": self.rejected,
            "filtered": self.filtered,
            "warnings": list(self.warnings),
            "errors": list(self.errors),
            "remote": self.remote,
        }


def said_per_file(message: object, sources: Sequence[SourceReport]) -> bool:
    """Whether *message* says again what the warnings of *sources* said: solutions outside every district.

    It does when it is the overlap's :class:`~scmap.errors.OutsideWarning` for no more solutions
    than the sources' own warnings counted.
    """
    return isinstance(message, OutsideWarning) and outside_said(message.count, sources)


def outside_said(count: int, sources: Sequence[SourceReport]) -> bool:
    """Whether the warnings of *sources* counted at least *count* solutions outside every district."""
    return count <= sum(s.outside for s in sources)


@dataclass
class LoadedLayer:
    """A checked layer in the analysis CRS, its rejected rows and its report.

    ``gdf`` keeps the file's columns plus ``source_row`` (1-based row in the file).
    """

    gdf: gpd.GeoDataFrame
    rejected: pd.DataFrame
    report: SourceReport
    merged_rows: int = 0
    """Rows used as parts of another row's feature (see ``merge_by``): loaded, but not rows of ``gdf``."""

    @property
    def ok(self) -> bool:
        return not self.report.errors

    def raise_for_errors(self) -> LoadedLayer:
        """Raise :class:`InputError` with every layer-level error; return self otherwise."""
        if self.report.errors:
            raise InputError("\n".join(self.report.errors))
        return self


class _Rejections:
    """Position -> (field, reason); the first reason found for a row wins."""

    def __init__(self) -> None:
        self.by_pos: dict[int, tuple[str, str]] = {}

    def add(self, positions: Sequence[int] | np.ndarray, field_name: str, reason: str) -> None:
        for pos in np.asarray(positions, dtype=int).tolist():
            self.by_pos.setdefault(pos, (field_name, reason))

    def add_each(self, items: dict[int, tuple[str, str]]) -> None:
        for pos, value in items.items():
            self.by_pos.setdefault(pos, value)

    def mask(self, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        if self.by_pos:
            out[list(self.by_pos)] = True
        return out


def id_strings(values: pd.Series) -> pd.Series:
    """Ids as text: 12.0 -> '12', surrounding blanks stripped, missing -> <NA>."""

    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return pd.NA
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        text = str(v).strip()
        return text if text else pd.NA

    return values.map(one).astype("string")


def id_column(columns: str | Sequence[str]) -> str:
    """The column that holds a source's ids: *columns* itself, or ``A+B`` for ids made of several."""
    return columns if isinstance(columns, str) else "+".join(columns)


def composite_ids(table: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Ids made of several columns' values, ``01-001`` (missing where a part is missing)."""
    parts = [id_strings(table[c]) for c in columns]
    return parts[0].str.cat(parts[1:], sep="-")


def row_label(row: int, ident: object = None) -> str:
    return f"row {row}" if ident is None or ident is pd.NA else f"row {row} (id {ident!s})"


def _summarise(rows: np.ndarray, ids: pd.Series | None) -> str:
    shown = [row_label(int(p) + 1, None if ids is None else ids.iloc[int(p)]) for p in rows[:_SHOW]]
    more = f" and {len(rows) - _SHOW} more" if len(rows) > _SHOW else ""
    return ", ".join(shown) + more


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Return the polygon parts of a geometry.

    A (Multi)Polygon as it is, else the union of its polygons
    (make_valid, intersections and unions can return collections with stray lines or points).
    """
    if shapely.get_type_id(geom) in _POLY:
        return geom
    polys = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in _POLY]
    if not polys:
        return shapely.Polygon()
    return polys[0] if len(polys) == 1 else shapely.union_all(polys)


def _nonfinite(geoms: np.ndarray) -> np.ndarray:
    """Rows with a NaN or infinite coordinate."""
    out = np.zeros(len(geoms), dtype=bool)
    if len(geoms):
        coords, index = shapely.get_coordinates(geoms, return_index=True)
        out[index[~np.isfinite(coords).all(axis=1)]] = True
    return out


@dataclass
class _Check:
    """One layer being checked: the raw table, what is known so far, and the rows rejected."""

    raw: RawLayer
    report: SourceReport
    rejections: _Rejections
    crs: CRS | None = None
    ids: pd.Series | None = None
    geoms: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    @property
    def n(self) -> int:
        return len(self.raw.gdf)

    @property
    def where(self) -> str:
        return describe(self.raw.path, self.raw.layer)

    def live(self) -> np.ndarray:
        return ~self.rejections.mask(self.n)

    def fail(self, message: str) -> LoadedLayer:
        self.report.errors.append(f"{self.where}: {message}")
        return _finish(self.raw, self.raw.gdf.iloc[0:0], self.rejections, self.report, None)


def check_layer(
    raw: RawLayer,
    *,
    role: Role,
    target_crs: CRS | None,
    crs_override: str | None = None,
    id_field: str | Sequence[str] | None = None,
    family: Family = "any",
    name: str | None = None,
    merge_by: str | None = None,
    merge_alike: bool = False,
) -> LoadedLayer:
    """Check *raw* row by row and reproject what is usable to *target_crs*.

    ``target_crs=None`` keeps the layer's own CRS (after checks). With *merge_by* (a column),
    rows that repeat an id with the same value in that column are parts of one feature stored
    in several rows (a district and its exclave): they are merged into the first, with a
    warning. With *merge_alike*, so are lines and areas that repeat an id with the same value in
    every column (a multi-part line exploded into single parts). Other repeated ids are rejected.
    """
    report = SourceReport(
        str(raw.path), role, raw.layer, name, rows=len(raw.gdf), remote=getattr(raw.path, "record", None)
    )
    c = _Check(raw, report, _Rejections())
    c.rejections.add_each(raw.notes)
    c.report.warnings.extend(raw.warnings)
    if not raw.has_geometry:
        return c.fail("is a table without geometry; give a layer with points, lines or polygons")
    if c.n == 0:
        return c.fail(
            "has no rows (the layer exists but holds no features); give the layer with the data, "
            "or leave this source out of the project"
        )
    problem = _resolve_crs(c, crs_override) or _read_ids(c, id_field)
    id_field = None if id_field is None else id_column(id_field)
    if problem:
        return c.fail(problem)
    c.geoms = np.asarray(raw.gdf.geometry.array, dtype=object)
    _check_geometries(c, family)
    problem = _check_placement(c)
    if problem:
        return c.fail(problem)
    merge_into = _duplicate_ids(c, id_field, merge_by, merge_alike)
    fixed = _repair(c, family)
    live = c.live()
    same = f"the same {merge_by}" if merge_by is not None else "the same value in every column"
    merged = _merge_parts(c, fixed, live, merge_into, same)
    loaded = _keep(c, fixed, live, target_crs)
    loaded.merged_rows = merged
    return loaded


def _resolve_crs(c: _Check, crs_override: str | None) -> str | None:
    """The layer's CRS (declared, or forced by the project); a problem text when there is none."""
    crs = c.raw.declared_crs
    if crs_override:
        chosen = parse_crs(crs_override, where=f"{c.where}: crs")
        if crs is not None and not crs.equals(chosen):
            c.report.warnings.append(
                f"{c.where}: the file declares {crs.to_string()}, using {chosen.to_string()} as set in crs:"
            )
        crs = chosen
    c.crs = crs
    if crs is not None:
        return None
    b = c.raw.gdf.geometry.total_bounds
    lonlat = np.isfinite(b).all() and b[0] >= -180 and b[2] <= 180 and b[1] >= -90 and b[3] <= 90
    hint = " (the coordinates look like longitude/latitude: crs: EPSG:4326)" if lonlat else ""
    return (
        "the file declares no coordinate reference system; add crs: EPSG:nnnn to "
        f"this source in the project (scmap info --crs EPSG:nnnn to look at it){hint}"
    )


def _read_ids(c: _Check, id_field: str | Sequence[str] | None) -> str | None:
    """The rows' ids from a column, or from several joined (``01-001``); a problem text when one is missing."""
    if id_field is None:
        return None
    gdf = c.raw.gdf
    columns = [id_field] if isinstance(id_field, str) else list(id_field)
    for column in columns:
        if column not in gdf.columns:
            names = [str(col) for col in gdf.columns if col != gdf.geometry.name]
            hint = shapefile_hint(c.raw.path, column, names)
            return f"no column {column!r} for the ids{hint}; columns: {', '.join(names)}"
    name = id_column(id_field)
    c.ids = id_strings(gdf[name]) if isinstance(id_field, str) else composite_ids(gdf, columns)
    c.rejections.add(np.flatnonzero(c.ids.isna().to_numpy()), name, f"missing id in column {name!r}")
    return None


def _check_geometries(c: _Check, family: Family) -> None:
    """Missing, empty, non-finite and wrong-type geometries are rejected rows."""
    geoms, n = c.geoms, c.n
    missing = shapely.is_missing(geoms)
    c.rejections.add(np.flatnonzero(missing), "geometry", "no geometry")
    c.rejections.add(np.flatnonzero(~missing & shapely.is_empty(geoms)), "geometry", "empty geometry")
    nonfinite = c.live() & _nonfinite(geoms)
    c.rejections.add(np.flatnonzero(nonfinite), "geometry", "coordinates are not finite numbers (NaN or infinity)")
    type_ids = shapely.get_type_id(geoms)
    live = ~c.rejections.mask(n)
    wrong = live & ~np.isin(type_ids, list(_POLY | {7})) if family == "polygon" else live & (type_ids == 7)
    need = "districts need polygons" if family == "polygon" else "use one geometry type per row"
    for tid in np.unique(type_ids[wrong]):
        what = _TYPE_NAMES.get(int(tid), str(tid))
        c.rejections.add(np.flatnonzero(wrong & (type_ids == tid)), "geometry", f"{what} geometry: {need}")


def _check_placement(c: _Check) -> str | None:
    """Coordinates outside the CRS's area of use (a layer error when most are), lon == lat."""
    crs, geoms, live = c.crs, c.geoms, c.live()
    assert crs is not None
    misplaced = live & outside_area_of_use(geoms, crs)
    if misplaced.any():
        area = crs.area_of_use
        where_ok = (
            f"{area.name.split(':')[0]} ({area.west:g}, {area.south:g}, {area.east:g}, {area.north:g})"
            if area
            else "its valid range"
        )
        if misplaced.sum() > 0.5 * live.sum():
            return (
                f"{int(misplaced.sum())} of {int(live.sum())} rows have coordinates outside "
                f"the area of use of {crs.to_string()}, {where_ok}: the CRS label is wrong or "
                f"longitude/latitude are swapped ({_summarise(np.flatnonzero(misplaced), c.ids)}); "
                "fix the file or set crs: for this source"
            )
        why = f"coordinates outside the area of use of {crs.to_string()}, {where_ok}: swapped "
        why += "longitude/latitude or a wrong CRS?"
        c.rejections.add(np.flatnonzero(misplaced), "geometry", why)
    if crs.is_geographic:
        points = c.live() & (shapely.get_type_id(geoms) == 0)
        same = np.zeros(c.n, dtype=bool)
        if points.any():
            same[points] = shapely.get_x(geoms[points]) == shapely.get_y(geoms[points])
        c.rejections.add(np.flatnonzero(same), "geometry", "longitude equals latitude (a copy error in the export?)")
    return None


def _duplicate_ids(c: _Check, id_field: str | None, merge_by: str | None, alike: bool = False) -> dict[int, int]:
    """Reject rows repeating an id, or merge them as parts of one feature.

    Reject rows repeating an id; with *merge_by*, rows that also repeat that column's value are
    parts of one feature, and with *alike* lines and areas that repeat every column's value:
    returns {position of a part: position of the first row of its id}.
    """
    merge_into: dict[int, int] = {}
    ids, live, gdf = c.ids, c.live(), c.raw.gdf
    if ids is None:
        return merge_into
    live_ids = ids[live & ids.notna().to_numpy()]
    dups = live_ids.index[live_ids.duplicated(keep="first")].to_numpy()
    if not len(dups):
        return merge_into
    firsts = live_ids.drop_duplicates(keep="first")
    first_pos = dict(zip(firsts.to_numpy(), firsts.index.to_numpy(), strict=True))
    of = np.array([first_pos[ids.iloc[pos]] for pos in dups.tolist()], dtype=np.int64)
    parts = np.zeros(len(dups), dtype=bool)
    if merge_by is not None and merge_by in gdf.columns:
        keys = gdf[merge_by].astype("string")
        parts |= _equal_values(keys.iloc[dups], keys.iloc[of]) & keys.iloc[dups].notna().to_numpy()
    if alike:
        parts |= _parts_alike(c, dups, of)
    for pos, first, part in zip(dups.tolist(), of.tolist(), parts.tolist(), strict=True):
        if part:
            merge_into[pos] = first
        else:
            c.rejections.add([pos], id_field or "id", f"duplicate id {ids.iloc[pos]!s} (first used in row {first + 1})")
    return merge_into


def _parts_alike(c: _Check, rows: np.ndarray, firsts: np.ndarray) -> np.ndarray:
    """Which *rows* are lines or areas with the same value in every column as their *firsts*."""
    types = shapely.get_type_id(c.geoms)
    same = (types[rows] % 4 != 0) & (types[firsts] % 4 != 0)  # (multi)points: two places, not two parts
    if not same.any():
        return same
    gdf = c.raw.gdf
    attributes = gdf.drop(columns=gdf.geometry.name)
    for j in range(attributes.shape[1]):
        column = attributes.iloc[:, j]
        same &= _equal_values(column.iloc[rows], column.iloc[firsts])
    return same


def _equal_values(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise: the same value, or both missing (lists and dicts from GeoJSON compared whole)."""
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    try:
        equal = a.eq(b).fillna(False).to_numpy(dtype=bool)
    except (TypeError, ValueError):  # values that do not compare element-wise (arrays)
        equal = np.array([str(x) == str(y) for x, y in zip(a, b, strict=True)], dtype=bool)
    return equal | (a.isna() & b.isna()).to_numpy(dtype=bool)


def _repair(c: _Check, family: Family) -> np.ndarray:
    """Invalid geometries made valid (structure method), said in a warning; collapsed ones rejected."""
    n, geoms, ids = c.n, c.geoms, c.ids
    fixed = geoms.copy()
    invalid = np.zeros(n, dtype=bool)
    live = c.live()
    invalid[live] = ~shapely.is_valid(geoms[live])
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        repaired = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
        if family == "polygon":
            repaired = np.array([polygonal(g) for g in repaired], dtype=object)
        fixed[invalid] = repaired
        collapsed = np.zeros(n, dtype=bool)
        collapsed[invalid] = shapely.is_empty(repaired)
        c.rejections.add(np.flatnonzero(collapsed), "geometry", "invalid geometry with nothing left after repair")
        kept_fix = np.flatnonzero(invalid & ~collapsed)
        if len(kept_fix):
            detail = "; ".join(
                f"{row_label(int(p) + 1, None if ids is None else ids.iloc[int(p)])}: {r}"
                for p, r in zip(kept_fix[:_SHOW], np.asarray(reasons)[~collapsed[invalid]][:_SHOW], strict=False)
            )
            more = f" and {len(kept_fix) - _SHOW} more" if len(kept_fix) > _SHOW else ""
            c.report.warnings.append(f"{c.where}: repaired {len(kept_fix)} invalid geometries ({detail}{more})")
    if family == "polygon":
        colls = c.live() & (shapely.get_type_id(fixed) == 7)
        if colls.any():
            fixed[colls] = [polygonal(g) for g in fixed[colls]]
            gone = colls & shapely.is_empty(fixed)
            c.rejections.add(np.flatnonzero(gone), "geometry", "GeometryCollection without polygons")
    return fixed


def _merge_parts(c: _Check, fixed: np.ndarray, live: np.ndarray, merge_into: dict[int, int], same: str) -> int:
    """Union the parts of one feature into its first row (*live* is updated); the parts merged."""
    merged_parts = [p for p in merge_into if live[p] and live[merge_into[p]]]
    if not merged_parts:
        return 0
    groups: dict[int, list[int]] = {}
    for part in merged_parts:
        groups.setdefault(merge_into[part], []).append(part)
    for first, parts in groups.items():
        fixed[first] = shapely.union_all([fixed[first], *fixed[parts]])
        live[parts] = False
    shown = "; ".join(
        f"{row_label(first + 1, c.ids.iloc[first] if c.ids is not None else None)} with "
        f"{noun_for(len(parts), 'row')} {', '.join(str(p + 1) for p in parts)}"
        for first, parts in list(groups.items())[:_SHOW]
    )
    merged = f"merged {counted(len(merged_parts), 'row')} into {counted(len(groups), 'feature')}"
    c.report.warnings.append(
        f"{c.where}: {merged} because they repeat an id with {same} (one feature stored in several parts): {shown}"
    )
    return len(merged_parts)


def _keep(c: _Check, fixed: np.ndarray, live: np.ndarray, target_crs: CRS | None) -> LoadedLayer:
    """The usable rows with their repaired geometry, source row and id, in *target_crs*."""
    kept = c.raw.gdf.iloc[np.flatnonzero(live)].copy()
    kept = kept.set_geometry(gpd.GeoSeries(fixed[live], index=kept.index, crs=c.crs))
    kept.insert(0, "source_row", np.flatnonzero(live) + 1)
    if c.ids is not None:
        kept["_id"] = c.ids[live].to_numpy()
    if target_crs is not None and c.crs is not None and not c.crs.equals(target_crs):
        kept = kept.to_crs(target_crs)
        b = shapely.bounds(np.asarray(kept.geometry.array, dtype=object))
        broken = ~np.isfinite(b).all(axis=1) if len(kept) else np.zeros(0, dtype=bool)
        if broken.any():
            positions = kept["source_row"].to_numpy()[broken] - 1
            c.rejections.add(positions, "geometry", f"cannot be transformed to {target_crs.to_string()}")
            kept = kept.loc[~broken]
    return _finish(c.raw, kept, c.rejections, c.report, c.ids)


def _finish(
    raw: RawLayer,
    kept: gpd.GeoDataFrame,
    rejections: _Rejections,
    report: SourceReport,
    ids: pd.Series | None,
) -> LoadedLayer:
    positions = sorted(rejections.by_pos)
    table = pd.DataFrame(
        {
            "file": str(raw.path),
            "layer": raw.layer or "",
            "role": report.role,
            "row": [p + 1 for p in positions],
            "id": ["" if ids is None or ids.iloc[p] is pd.NA else str(ids.iloc[p]) for p in positions],
            "field": [rejections.by_pos[p][0] for p in positions],
            "reason": [rejections.by_pos[p][1] for p in positions],
        },
        columns=REJECTED_COLUMNS,
    )
    report.loaded = len(kept) if not report.errors else 0
    report.rejected = len(table)
    return LoadedLayer(kept, table, report)


def conclude(loaded: LoadedLayer) -> LoadedLayer:
    """Add the summary of rejected rows to the report (and an error when no row is usable)."""
    report, table = loaded.report, loaded.rejected
    where = describe(report.path, report.layer)
    report.loaded = len(loaded.gdf) + loaded.merged_rows if not report.errors else 0
    report.rejected = len(table)
    left_out = left_out_rows(table)
    report.filtered = int(left_out.sum())
    if report.errors:
        return loaded
    if report.rows and report.filtered == report.rows:
        condition = table["reason"].iloc[0].removeprefix(LEFT_OUT).strip()
        report.errors.append(f"{where}: where: {condition} leaves none of its {report.rows} rows")
    elif report.rows and not len(loaded.gdf):
        report.errors.append(
            f"{where}: none of its {report.rows} rows can be used; "
            f"first reasons: {'; '.join(table['reason'].drop_duplicates().head(3))}"
        )
    elif (~left_out).any():
        rejected = table.loc[~left_out]
        report.summary = (
            f"{where}: {len(rejected)} of {report.rows - report.filtered} rows rejected: {reason_summary(rejected)}"
        )
        report.warnings.append(report.summary)
    return loaded


LEFT_OUT = "left out by where:"
"""The reason of a row a source's ``where:`` leaves out."""


def left_out_rows(table: pd.DataFrame) -> np.ndarray:
    """Which rejected rows were left out by ``where:`` (not rejected for a problem)."""
    if not len(table):
        return np.zeros(0, dtype=bool)
    return (table["field"].astype(str).eq("where") & table["reason"].astype(str).str.startswith(LEFT_OUT)).to_numpy()


def unique_columns(raw: RawLayer) -> list[str]:
    """Return the columns of *raw* with a value in every row, and no value twice: ids it could use."""
    gdf = raw.gdf
    return [str(c) for c in _complete_columns(raw) if gdf[c].nunique() == len(gdf)]


def _complete_columns(raw: RawLayer) -> list[Hashable]:
    gdf = raw.gdf
    return [c for c in gdf.columns if c != gdf.geometry.name and c not in raw.nested and gdf[c].notna().all()]


_PAIR_COLUMNS = 12
"""Code columns (text or whole numbers) tried two by two for ids made of two columns."""


def unique_pairs(raw: RawLayer, limit: int = 3) -> list[list[str]]:
    """Return up to *limit* pairs of code columns of *raw* that are unique together (ids of two columns).

    Tried when no code column is unique alone, as in census sections numbered within each district.
    """
    gdf = raw.gdf
    codes = [c for c in _complete_columns(raw) if not pd.api.types.is_float_dtype(gdf[c])][:_PAIR_COLUMNS]
    together = ([a, b] for i, a in enumerate(codes) for b in codes[i + 1 :])
    unique = (p for p in together if not gdf.duplicated(subset=p).any())
    return [[str(a), str(b)] for a, b in itertools.islice(unique, limit)]


def id_hint(raw: RawLayer) -> str:
    """Which columns of *raw* could be its ids: codes unique alone, else pairs unique together.

    Columns of measurements (decimal numbers such as areas) come last: unique, but not codes.
    Empty when no column or pair could be.
    """
    unique = unique_columns(raw)
    codes = [c for c in unique if not pd.api.types.is_float_dtype(raw.gdf[c])]
    shown = ", ".join((codes + [c for c in unique if c not in codes])[:6]) + (", ..." if len(unique) > 6 else "")
    if codes:
        return shown
    pairs = "; ".join(f"[{a}, {b}]" for a, b in unique_pairs(raw))
    together = f"two columns together (id: [A, B]): {pairs}" if pairs else ""
    return "; ".join(part for part in (shown, together) if part)


def reason_kinds(table: pd.DataFrame) -> pd.Series:
    """Each rejected row's reason without its particulars (the id, quoted values, numbers).

    The row's own field, quoted, stays ("missing id in column 'op_id'"): it names the problem.
    """
    fields = table["field"].fillna("").astype(str)
    rows = zip(table["reason"], table["id"].fillna(""), fields, strict=True)
    reasons = [_marked(str(reason), str(row_id), field_name) for reason, row_id, field_name in rows]
    kinds = (
        pd.Series(reasons, index=table.index)
        .str.replace(r"\(.*?\)|'[^']*'", "", regex=True)
        .str.replace(r"(?<![\w-])[-+]?\d[\w.:/+-]*", "", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip(" :,")
    )
    return pd.Series([k.replace("\0", f"'{f}'") for k, f in zip(kinds, fields, strict=True)], index=table.index)


def _marked(reason: str, row_id: str, field_name: str) -> str:
    """The reason's first part without the row's id, its own field quoted marked by a NUL to keep."""
    text = reason.split(";")[0]
    if row_id:  # the id as a whole token: id "c" must not take the c out of "closed"
        text = re.sub(rf"(?<!\w){re.escape(row_id)}(?!\w)", "", text)
    return text.replace(f"'{field_name}'", "\0") if field_name else text


def reason_summary(table: pd.DataFrame, *, kinds: int = 4, ids: int = 3) -> str:
    """Summarise the reasons rows were rejected, with the first ids of each.

     "542 x duplicate id (ids 101, 102, 103, ...); 2 x no geometry (rows 7, 9)": every reason in
    full words, with the first ids (or rows) of each.
    """
    parts = []
    kind = reason_kinds(table)
    for reason, group in table.groupby(kind, sort=False):
        named = group["id"].fillna("").astype(str)
        which = named[named != ""].drop_duplicates()
        label, values = ("id", which) if len(which) else ("row", group["row"].astype(str))
        label = noun_for(len(values), label)
        shown = ", ".join(values.head(ids)) + (", ..." if len(values) > ids else "")
        parts.append((len(group), f"{len(group)} x {reason or 'rejected'} ({label} {shown})"))
    parts.sort(key=lambda p: -p[0])
    more = f"; and {len(parts) - kinds} other reasons (all in the rejected rows)" if len(parts) > kinds else ""
    return "; ".join(text for _, text in parts[:kinds]) + more


def empty_rejected() -> pd.DataFrame:
    """A rejected-rows table with no rows and the standard columns."""
    return pd.DataFrame(columns=REJECTED_COLUMNS)
