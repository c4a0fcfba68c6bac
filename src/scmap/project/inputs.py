"""Loading a whole project: every source read, checked and put in the analysis CRS.

This module sits below the analyses: suitability and overlap take :class:`Inputs` from here, and
it imports none of them.

Data problems never raise here: they are collected per source (``SourceReport``) so that
``scmap validate`` can show all of them at once. Functions that need usable inputs call
:meth:`Inputs.raise_for_errors`.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from scmap.core._geom import assign_points, no_area
from scmap.core._limits import LARGE_GEOMETRY_VERTICES, too_many
from scmap.errors import InputError, ScmapError, ScmapWarning
from scmap.project.spec import FileSpec, Project, SolutionSource, popup_labels
from scmap.sources._derive import DeriveError, derive_column
from scmap.sources._postgis import read_postgis_source
from scmap.sources._readers import CsvGeometry, Engine, RawLayer, describe, read_raw, shapefile_hint
from scmap.sources._remote import Remote
from scmap.sources._services import read_service
from scmap.sources._tables import apply_join, apply_where, read_table
from scmap.sources._validate import (
    LoadedLayer,
    Role,
    SourceReport,
    check_layer,
    conclude,
    empty_rejected,
    id_hint,
    left_out_rows,
    reason_summary,
)
from scmap.sources._where import is_postgres, is_service
from scmap.sources.crs import analysis_crs, parse_crs
from scmap.sources.io import SOLUTION_COLUMNS, _districts, _reject_more, _solutions, column_defaults

__all__ = ["Inputs", "ValidationReport", "load_inputs", "validate_project"]


@dataclass
class Inputs:
    """Every input of a project, checked and in one metric CRS."""

    project: Project
    crs: CRS | None
    districts: LoadedLayer | None
    layers: dict[str, LoadedLayer] = field(default_factory=dict)
    solutions: gpd.GeoDataFrame | None = None
    sources: list[SourceReport] = field(default_factory=list)
    loaded: list[LoadedLayer] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return whether no source has an error."""
        return all(not s.errors for s in self.sources)

    @property
    def rejected(self) -> pd.DataFrame:
        """Every input row not used, with file, layer, role, row, id, field and reason."""
        tables = [x.rejected for x in self.loaded if len(x.rejected)]
        return pd.concat(tables, ignore_index=True) if tables else empty_rejected()

    def raise_for_errors(self) -> Inputs:
        """Return these inputs, or raise :class:`~scmap.errors.InputError` listing every source's errors."""
        errors = [e for s in self.sources for e in s.errors]
        if errors:
            raise InputError("\n".join(errors))
        return self


@dataclass
class ValidationReport:
    """What ``scmap validate`` prints: ``ok`` and one entry per source."""

    ok: bool
    sources: list[SourceReport]
    rejected: pd.DataFrame

    def to_dict(self) -> dict[str, object]:
        """Return the sources' checks as plain data (JSON-ready)."""
        return {"ok": self.ok, "sources": [s.to_dict() for s in self.sources]}


def _failed(path: Path | Remote, role: Role, name: str | None, exc: ScmapError) -> SourceReport:
    return SourceReport(str(path), role, None, name, errors=[str(exc)])


def _read(
    project: Project, spec: FileSpec, role: Role, name: str | None, engine: Engine, sources: list[SourceReport]
) -> RawLayer | None:
    file = project.resolve(spec.path)
    path: Path | Remote = file
    try:
        if is_postgres(spec.path):
            path = Remote(spec.path, spec.table or "sql")
            raw = read_postgis_source(spec.path, table=spec.table, sql=spec.sql, crs=spec.crs)
        elif is_service(spec.path):
            path = Remote(spec.path, spec.layer or spec.path)
            raw = read_service(spec.path, layer=spec.layer, root=project.root, refresh=project.refresh)
        else:
            raw = read_raw(file, layer=spec.layer, engine=engine, csv_geometry=_csv(spec), encoding=spec.encoding)
        key = f"{project.path}: {_key(project, spec, role, name)}"
        for j, join in enumerate(spec.join):
            table = read_table(project.resolve(join.path), layer=join.layer, encoding=join.encoding)
            raw.warnings += apply_join(
                raw, table, on=join.on, key=join.key, columns=join.columns, where=f"{key}.join.{j}"
            )
        _derive(raw, spec, where=f"{key}.derive")
        if spec.where is not None:
            apply_where(raw, spec.where, where=f"{key}.where")
    except ScmapError as exc:
        sources.append(_failed(path, role, name, exc))
        return None
    return raw


def _csv(spec: FileSpec) -> CsvGeometry:
    """Where a CSV source's geometry is, as the reader takes it."""
    return CsvGeometry(spec.lon, spec.lat, spec.wkt, spec.coordinates, spec.coordinate_order)


def _key(project: Project, spec: FileSpec, role: Role, name: str | None) -> str:
    """The project key path of a source, for messages."""
    if role == "districts":
        return "districts"
    if role == "layer":
        return f"layers.{name}"
    return f"solutions.{next(i for i, s in enumerate(project.spec.solutions) if s is spec)}"


def _derive(raw: RawLayer, spec: FileSpec, *, where: str) -> None:
    """Add the source's ``derive:`` columns to the raw table (before any check)."""
    for column, expr in spec.derive.items():
        try:
            raw.gdf[column] = derive_column(raw.gdf, expr).to_numpy()
        except DeriveError as exc:
            columns = ", ".join(str(c) for c in raw.gdf.columns if c != raw.gdf.geometry.name)
            raise InputError(f"{where}.{column}: {expr!r}: {exc}; columns: {columns}") from None


def load_inputs(project: Project, *, engine: Engine = "pyogrio") -> Inputs:
    """Read and check every source of *project*; problems are collected, not raised."""
    spec = project.spec
    inputs = Inputs(project=project, crs=None, districts=None, sources=[])
    target = _load_districts(project, inputs, engine)
    inputs.crs = target
    for name, layer_spec in spec.layers.items():
        raw = _read(project, layer_spec, "layer", name, engine, inputs.sources)
        if raw is None:
            continue
        loaded = conclude(check_layer(raw, role="layer", target_crs=target, crs_override=layer_spec.crs, name=name))
        _check_rejected_share(loaded, raw, layer_spec, f"layers.{name}")
        inputs.sources.append(loaded.report)
        inputs.loaded.append(loaded)
        inputs.layers[name] = loaded
    parts = []
    for src in spec.solutions:
        source = _load_solutions(project, src, inputs, target, engine)
        if source is not None and source.ok:
            parts.append(source)
    inputs.solutions = _combine_solutions(parts, target)
    _warn_outside(inputs, parts)
    for loaded in inputs.loaded:
        _check_vertices(loaded, spec.limits.max_vertices)
    return inputs


def _load_districts(project: Project, inputs: Inputs, engine: Engine) -> CRS | None:
    """Read the districts into *inputs*; the analysis CRS (the project's, or the districts' own)."""
    spec = project.spec
    target: CRS | None = None
    if spec.crs != "auto":
        target = analysis_crs(gpd.GeoDataFrame(geometry=[]), spec.crs)
    raw = _read(project, spec.districts, "districts", None, engine, inputs.sources)
    if raw is None:
        return target
    d = _districts(raw, id=spec.districts.id, name=spec.districts.name, crs=spec.districts.crs, target=None)
    if d.ok and target is None and len(d.gdf):
        with warnings.catch_warnings(record=True) as caught:  # said once, with the districts
            warnings.simplefilter("always", ScmapWarning)
            target = analysis_crs(d.gdf, "auto")
        d.report.warnings.extend(str(w.message) for w in caught)
    if d.ok and target is not None:
        d.gdf = d.gdf.to_crs(target)
    _check_rejected_share(d, raw, spec.districts, "districts")
    _check_attributes(project, d)
    _reject_non_finite(project, d)
    inputs.sources.append(d.report)
    inputs.loaded.append(d)
    inputs.districts = d
    return target


def _load_solutions(
    project: Project, src: SolutionSource, inputs: Inputs, target: CRS | None, engine: Engine
) -> LoadedLayer | None:
    """Read and check one solutions source into *inputs* (None when it could not be read)."""
    raw = _read(project, src, "solutions", None, engine, inputs.sources)
    if raw is None:
        return None
    solution_field, name_field, status = column_defaults(
        raw, solution=src.solution, solution_field=src.solution_field, name=src.name, status=src.status
    )
    loaded = _solutions(
        raw,
        catalogue=project.catalogue,
        target=target,
        crs=src.crs,
        sector=src.sector,
        solution=src.solution,
        sector_field=src.sector_field,
        solution_field=solution_field,
        id=src.id,
        name=name_field,
        status=status,
        default_status=src.default_status,
        radius_field=src.radius_field,
    )
    key = _key(project, src, "solutions", None)
    _check_rejected_share(loaded, raw, src, key)
    for column in popup_labels(src.popup):
        if column not in raw.gdf.columns:
            columns = ", ".join(str(c) for c in raw.gdf.columns if c != raw.gdf.geometry.name)
            loaded.report.errors.append(f"{project.path}: {key}.popup: no column {column!r}; columns: {columns}")
    if loaded.ok:
        native = parse_crs(src.crs, where=src.crs) if src.crs else raw.declared_crs
        _check_swapped(inputs.districts, loaded, native, src, key)
    if src.id_prefix and loaded.ok:
        loaded.gdf = loaded.gdf.assign(solution_id=src.id_prefix + ":" + loaded.gdf["solution_id"].astype(str))
    inputs.sources.append(loaded.report)
    inputs.loaded.append(loaded)
    return loaded


def _check_vertices(loaded: LoadedLayer, limit: int) -> None:
    """Check a layer's vertices against ``limits.max_vertices``.

    A layer past ``limits.max_vertices`` is an error; very detailed single geometries are noted
    (the analysis uses them exactly, the map draws them simplified).
    """
    if not len(loaded.gdf):
        return
    counts = shapely.get_num_coordinates(np.asarray(loaded.gdf.geometry.array, dtype=object))
    where = describe(loaded.report.path, loaded.report.layer)
    if counts.sum() > limit:
        loaded.report.errors.append(
            f"{where}: "
            + too_many(
                "the layer",
                float(counts.sum()),
                limit,
                "max_vertices",
                "simplify it in a GIS first",
                unit=" vertices",
                verb="has",
            )
        )
    large = np.flatnonzero(counts > LARGE_GEOMETRY_VERTICES)
    if len(large):
        ids = loaded.gdf.iloc[large, 0].astype(str).head(3).tolist()
        loaded.report.warnings.append(
            f"{where}: {len(large)} geometries have more than {LARGE_GEOMETRY_VERTICES:,} vertices "
            f"(e.g. {', '.join(ids)}: {int(counts[large[0]]):,}); the analysis uses them exactly, the map draws "
            "them thinned to at most 20,000 vertices each"
        )


def _warn_outside(inputs: Inputs, parts: list[LoadedLayer]) -> None:
    """Solutions outside every district are kept but said, per source, at validation time."""
    if inputs.districts is None or not inputs.districts.ok or not len(inputs.districts.gdf):
        return
    districts = np.asarray(inputs.districts.gdf.geometry.array, dtype=object)
    for loaded in parts:
        if not len(loaded.gdf) or loaded.gdf.crs is None or not loaded.gdf.crs.equals(inputs.districts.gdf.crs):
            continue
        points = shapely.point_on_surface(np.asarray(loaded.gdf.geometry.array, dtype=object))
        outside = int((assign_points(points, districts) < 0).sum())
        loaded.report.outside = outside
        if outside:
            share = _outside_share(outside, len(loaded.gdf))
            loaded.report.outside_note = (
                f"{loaded.report.path}: {share} outside every district (kept; the overlap layer 'outside' lists "
                "them): is this the right file for these districts?"
            )
            loaded.report.warnings.append(loaded.report.outside_note)


def _outside_share(outside: int, total: int) -> str:
    """``all solutions lie``, ``its one solution lies``, ``1 of 3 solutions lies``, ``2 of 3 solutions lie``."""
    if outside == total:
        return "its one solution lies" if total == 1 else "all solutions lie"
    return f"{outside} of {total} solutions {'lies' if outside == 1 else 'lie'}"


_SWAP_SAMPLE = 20_000


def _check_swapped(
    districts: LoadedLayer | None, loaded: LoadedLayer, source_crs: CRS | None, src: FileSpec, key: str
) -> None:
    """Refuse points that fit the districts only with their axes swapped.

    Most points outside every district but inside with the two axes swapped is an error that
    says how to fix it (a clean run would otherwise show an empty map).
    """
    if districts is None or not districts.ok or not len(districts.gdf) or not loaded.ok or not len(loaded.gdf):
        return
    gdf = loaded.gdf.loc[loaded.gdf.geom_type == "Point"]
    if len(gdf) > _SWAP_SAMPLE:
        gdf = gdf.iloc[np.linspace(0, len(gdf) - 1, _SWAP_SAMPLE).astype(int)]
    if not len(gdf) or source_crs is None:
        return
    areas = np.asarray(districts.gdf.geometry.array, dtype=object)
    inside = int((assign_points(np.asarray(gdf.geometry.array, dtype=object), areas) >= 0).sum())
    if inside >= 0.5 * len(gdf):
        return
    native = np.asarray(gdf.geometry.to_crs(source_crs).array, dtype=object)
    swapped = gpd.GeoSeries(shapely.transform(native, lambda xy: xy[:, ::-1]), crs=source_crs)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        moved = np.asarray(swapped.to_crs(districts.gdf.crs).array, dtype=object)
    finite = np.isfinite(shapely.get_coordinates(moved)).all(axis=1)
    inside_swapped = int((assign_points(moved[finite], areas) >= 0).sum())
    if inside_swapped < 0.5 * len(gdf) or inside_swapped < 2 * inside:
        return
    loaded.report.errors.append(
        f"{describe(loaded.report.path, loaded.report.layer)}: {len(gdf) - inside} of {len(gdf)} points lie "
        f"outside every district, but {inside_swapped} would fall inside with the two coordinates swapped: "
        f"{_swap_fix(src, key)}"
    )


def _swap_fix(src: FileSpec, key: str) -> str:
    if src.coordinates is not None:
        other = "lon,lat" if src.coordinate_order == "lat,lon" else "lat,lon"
        return f"set {key}.coordinate_order: {other}"
    if src.lon is not None or src.lat is not None:
        return f"exchange the columns of {key}.lon: and {key}.lat:"
    return (
        f"the file has longitude and latitude (or x and y) the wrong way round; export it again, or for a CSV "
        f"name the columns with {key}.lon: and {key}.lat:"
    )


def _combine_solutions(parts: list[LoadedLayer], target: CRS | None) -> gpd.GeoDataFrame:
    """One solutions table with unique ids.

    Ids are per file (two files numbering their rows 1, 2, 3... is normal), so an id already
    used by an earlier source is written as ``<file stem>:<id>`` in the later one, with a warning.
    """
    if not parts:
        return gpd.GeoDataFrame({c: [] for c in SOLUTION_COLUMNS}, geometry=[], crs=target)
    seen: set[str] = set()
    frames = []
    for loaded in parts:
        gdf = loaded.gdf
        clash = gdf["solution_id"].isin(seen)
        if clash.any():
            stem = Path(loaded.report.path).stem
            gdf = gdf.copy()
            examples = ", ".join(gdf.loc[clash, "solution_id"].head(5))
            gdf.loc[clash, "solution_id"] = stem + ":" + gdf.loc[clash, "solution_id"]
            loaded.gdf = gdf
            loaded.report.warnings.append(
                f"{loaded.report.path}: {int(clash.sum())} ids are also used by an earlier source "
                f"({examples}...): written as {stem}:ID"
            )
        if loaded is not parts[-1]:  # only a later source can clash
            seen.update(gdf["solution_id"])
        frames.append(gdf)
    combined = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(combined, geometry="geometry", crs=target or frames[0].crs)


def _district_columns(project: Project) -> list[tuple[str, str]]:
    """(key path, column) of every project key that names a district column."""
    spec = project.spec
    named = [("districts.popup", c) for c in popup_labels(spec.districts.popup)]
    if spec.overlap is not None and spec.overlap.population is not None:
        named.append(("overlap.population", spec.overlap.population))
    for sol, model in spec.suitability.models.items() if spec.suitability else []:
        for cname, crit in model.criteria.items():
            if crit.attribute is not None:
                named.append((f"suitability.models.{sol}.criteria.{cname}.attribute", crit.attribute))
    return named


def _check_attributes(project: Project, districts: LoadedLayer) -> None:
    """Keys that name district columns (criteria attributes, overlap.population) must find them."""
    if not len(districts.gdf):
        return
    cols = [
        str(c) for c in districts.gdf.columns if c not in ("geometry", "source_row", "district_id", "district_name")
    ]
    for key, column in _district_columns(project):
        if column not in districts.gdf.columns:
            close = difflib.get_close_matches(column, cols, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            hint = shapefile_hint(project.spec.districts.path, column, cols) or hint
            districts.report.errors.append(
                f"{project.path}: {key}: no column {column!r} in the districts{hint}; columns: {', '.join(cols)}"
            )


MAX_REJECTED_SHARE = {"districts": 0.2, "layer": 1.0, "solutions": 1.0}
"""Share of a source's rows that may be rejected before ``validate`` fails (``max_rejected_share``)."""


def _check_rejected_share(loaded: LoadedLayer, raw: RawLayer, spec: FileSpec, key: str) -> None:
    """Refuse a source that loses too many rows.

    A source that loses too many rows is an error (districts: 20 % by default), and one that loses
    more than half a warning; both say why and which columns hold a unique value in every row.
    """
    report = loaded.report
    problems = loaded.rejected.loc[~left_out_rows(loaded.rejected)]
    if report.errors or report.rows <= report.filtered or not len(problems):
        return
    share = len(problems) / (report.rows - report.filtered)
    limit = spec.max_rejected_share if spec.max_rejected_share is not None else MAX_REJECTED_SHARE[report.role]
    if share <= min(limit, 0.5):
        return
    where = describe(report.path, report.layer)
    text = f"{where}: {share:.0%} of the rows are rejected: {reason_summary(problems)}"
    duplicates = problems["reason"].str.startswith("duplicate id")
    if duplicates.any():
        column = problems.loc[duplicates, "field"].iloc[0]
        text += f"; {key}.id = {column!r} repeats values"
        text += f"; columns with a unique value in every row, for {key}.id: {id_hint(raw) or 'none'}"
    if share > limit:
        report.errors.append(f"{text}. More than {key}.max_rejected_share ({limit:.0%}) is not usable")
    else:
        report.warnings.append(text)


def _reject_non_finite(project: Project, districts: LoadedLayer) -> None:
    """Reject district rows with infinite values.

    District values that criteria or gaps compute with must be finite: ``inf`` (or ``1e400``)
    rejects the row, naming the column; an empty value is missing (the model's ``missing:``).
    """
    spec = project.spec
    columns = {spec.overlap.population} if spec.overlap and spec.overlap.population else set()
    for model in spec.suitability.models.values() if spec.suitability else []:
        columns |= {c.attribute for c in model.criteria.values() if c.attribute and c.categories is None}
    for column in sorted(c for c in columns if c in districts.gdf.columns):
        values = pd.to_numeric(districts.gdf[column], errors="coerce").to_numpy(dtype=float)
        _reject_more(districts, np.isinf(values), column, f"value in column {column!r} is not a finite number")


def validate_project(project: Project, *, engine: Engine = "pyogrio") -> ValidationReport:
    """Check every source of *project* and report rows, loaded, rejected, warnings, errors.

    Examples
    --------
    >>> from scmap import load_project
    >>> from scmap.project.datasets import demo_project_path
    >>> report = validate_project(load_project(demo_project_path()))
    >>> report.ok, [s.loaded for s in report.sources]
    (True, [24, 36, 60, 5, 1, 125, 22])
    """
    inputs = load_inputs(project, engine=engine)
    _check_coverage(inputs)
    return ValidationReport(ok=inputs.ok, sources=inputs.sources, rejected=inputs.rejected)


def _check_coverage(inputs: Inputs) -> None:
    """A ``coverage_of`` or ``inside`` criterion on a layer with no area is an error of that layer, found now."""
    models = inputs.project.spec.suitability.models if inputs.project.spec.suitability else {}
    for solution, model in models.items():
        for name, crit in model.criteria.items():
            layer = inputs.layers.get(crit.layer_ref or "") if crit.kind in ("coverage_of", "inside") else None
            if layer is None or not len(layer.gdf):
                continue
            geoms = np.asarray(layer.gdf.geometry.array, dtype=object)
            problem = no_area(geoms, crit.layer_ref or "", crit.radius_m, kind=crit.kind)
            if problem:
                layer.report.errors.append(f"suitability.models.{solution}.criteria.{name}: {problem}")
