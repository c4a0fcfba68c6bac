"""Format-level reading: any OGR format through pyogrio (or fiona), CSV with coordinates or WKT.

Nothing here judges the data; it only turns a file into a GeoDataFrame plus per-row notes about
rows whose geometry could not be built (e.g. a CSV row with a non-numeric longitude). Judging
(CRS, validity, ids) happens in :mod:`scmap.sources._validate`.
"""

from __future__ import annotations

import csv
import difflib
import io as _io
import json
import re
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from scmap.errors import InputError, ScmapWarning, UnreadableFileError
from scmap.sources._files import archive_problem, code_page_note, guess_encoding, large_file_note, shapefile_problem
from scmap.sources._remote import Remote

Engine = Literal["pyogrio", "fiona"]

LON_NAMES = ("lon", "lng", "long", "longitude", "longitud", "longitudine", "lon_wgs84", "x_lon")
LAT_NAMES = ("lat", "latitude", "latitud", "latitudine", "lat_wgs84", "y_lat")
PAIR_NAMES = ("coordonneesxy", "coordinates", "coords", "lonlat", "lon_lat", "xy")
"""Columns holding "[lon, lat]" pairs as text (the French IRVE schema's coordonneesXY)."""
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "wkt_geom", "geometria")
_CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
_PARQUET_SUFFIXES = {".parquet", ".geoparquet"}


@dataclass
class RawLayer:
    """A layer as read from its file, before any checks."""

    gdf: gpd.GeoDataFrame
    path: Path | Remote
    """The file, or for a PostGIS table or web service its address."""
    layer: str | None
    declared_crs: CRS | None
    notes: dict[int, tuple[str, str]] = field(default_factory=dict)
    """Position -> (field, reason) for rows whose geometry could not be built."""
    has_geometry: bool = True
    """False for a table without a geometry column (e.g. an attribute table in a GeoPackage)."""
    warnings: list[str] = field(default_factory=list)
    """Notes about the whole file (e.g. a likely wrong code page), shown as the source's warnings."""

    nested: list[str] = field(default_factory=list)
    """Columns whose list or dict values were turned into JSON text."""

    def __post_init__(self) -> None:
        self.nested = nested_as_json(self.gdf)


def _json_default(value: object) -> object:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def _as_json(value: object) -> object:
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    return value


def nested_as_json(gdf: pd.DataFrame) -> list[str]:
    """Turn list- and dict-valued cells into their JSON text, in place.

    List- and dict-valued cells (GeoJSON arrays and objects, PostgreSQL arrays) become their
    JSON text, in place, so that every later step (ids, duplicates, popups, CSV and GeoPackage
    output) sees plain values.
    """
    geometry, changed = getattr(gdf, "_geometry_column_name", None), []
    for column in gdf.columns:
        if column == geometry or gdf[column].dtype != object:
            continue
        values = gdf[column]
        nested = values.map(lambda v: isinstance(v, (list, tuple, dict, np.ndarray)))
        if nested.any():
            gdf[column] = values.map(_as_json)
            changed.append(str(column))
    return changed


def describe(path: object, layer: str | None = None) -> str:
    """'file' or 'file, layer NAME' for messages."""
    return f"{path}" if layer is None else f"{path}, layer {layer!r}"


def _sniff_unreadable(path: Path) -> str | None:
    """A human reason why *path* is certainly not GIS data, or None."""
    if not path.exists():
        return "file not found"
    if path.is_dir():
        return None  # e.g. a FileGDB folder: let GDAL decide
    size = path.stat().st_size
    if size == 0:
        return "the file is empty (0 bytes)"
    with path.open("rb") as fh:
        head = fh.read(512).lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "it is an HTML web page, not GIS data (a download that saved an error page?)"
    if path.suffix.lower() == ".zip" or head.startswith(b"pk\x03\x04"):
        problem = archive_problem(path)
        if problem:
            return problem
    return shapefile_problem(path)


def _gdal_reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.split("; It might help")[0]
    return text[:200]


def list_layers(path: str | Path, *, engine: Engine = "pyogrio") -> list[str]:
    """Names of the layers in a GIS file (one name for single-layer formats and CSV).

    Examples
    --------
    >>> from scmap.project.datasets import demo_dir
    >>> list_layers(demo_dir() / "context.gpkg")
    ['metro_stations', 'tram_stops', 'parks', 'dh_zones']
    """
    path = Path(path)
    reason = _sniff_unreadable(path)
    if reason:
        raise UnreadableFileError(f"{path}: cannot be read: {reason}")
    if path.suffix.lower() in _CSV_SUFFIXES | _PARQUET_SUFFIXES:
        return [path.stem]
    try:
        if engine == "fiona":
            import fiona

            return list(fiona.listlayers(_fiona_path(path)))
        return [str(name) for name in pyogrio.list_layers(path)[:, 0]]
    except Exception as exc:  # GDAL/fiona raise many types for one meaning
        raise UnreadableFileError(f"{path}: cannot be read as GIS data: {_gdal_reason(exc)}") from None


def _fiona_path(path: Path) -> str:
    return f"zip://{path}" if path.suffix.lower() == ".zip" else str(path)


def _choose_layer(path: Path, layer: str | None, engine: Engine) -> str | None:
    names = list_layers(path, engine=engine)
    if layer is not None:
        if layer not in names:
            raise InputError(f"{path}: no layer {layer!r}; layers in the file: {', '.join(names)}")
        return layer
    if len(names) > 1:
        raise InputError(
            f"{path}: the file has {len(names)} layers, say which one to use "
            f"(layer: NAME in the project, --layer NAME on the command line): {', '.join(names)}"
        )
    return names[0] if names else None


def read_raw(
    path: str | Path,
    *,
    layer: str | None = None,
    engine: Engine = "pyogrio",
    csv_geometry: CsvGeometry | None = None,
    encoding: str | None = None,
) -> RawLayer:
    """Read any supported file into a :class:`RawLayer` (no checks, no reprojection).

    Read any supported file into a :class:`RawLayer` (no checks, no reprojection); *csv_geometry* says
    where a CSV's geometry is (found from the column names when not given).
    """
    path = Path(path)
    reason = _sniff_unreadable(path)
    if reason:
        raise UnreadableFileError(f"{path}: cannot be read: {reason}")
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        return _read_csv(path, csv_geometry or CsvGeometry(), encoding)
    if suffix in _PARQUET_SUFFIXES:
        try:
            gdf = gpd.read_parquet(path)
        except Exception as exc:
            raise UnreadableFileError(f"{path}: cannot be read as GeoParquet: {_gdal_reason(exc)}") from None
        return RawLayer(gdf.reset_index(drop=True), path, path.stem, gdf.crs)
    chosen = _choose_layer(path, layer, engine)
    try:
        with warnings.catch_warnings():
            # GDAL's notes (ring winding, field width) are not the user's concern here
            warnings.simplefilter("ignore", RuntimeWarning)
            # pyogrio: "Could not parse column ... as JSON; leaving as string" - strings are kept
            warnings.filterwarnings("ignore", message="Could not parse column", category=UserWarning)
            if engine == "fiona":
                gdf = gpd.read_file(_fiona_path(path), layer=chosen, engine="fiona", encoding=encoding)
            else:
                kwargs = {"encoding": encoding} if encoding else {}
                gdf = gpd.read_file(path, layer=chosen, engine="pyogrio", use_arrow=False, **kwargs)
    except Exception as exc:
        if engine == "pyogrio" and _BAD_RING.search(str(exc)):
            return _with_bad_rings(path, chosen, encoding)
        raise UnreadableFileError(
            f"{describe(path, chosen)}: cannot be read as GIS data: {_gdal_reason(exc)}"
        ) from None
    return _finished(path, chosen, gdf, encoding)


_BAD_RING = re.compile(r"LinearRing|closed linestring")


def _ring_reason(fixed: Any) -> str:
    """Why GEOS could not build a polygon, from the geometry with its rings closed."""
    parts = shapely.get_parts(fixed)
    rings = [r for p in parts if isinstance(p, shapely.Polygon) for r in (p.exterior, *p.interiors)]
    short = [len(r.coords) - 1 for r in rings if len(r.coords) < 4]
    if short:
        return f"a ring has too few points to enclose an area ({short[0]} distinct points)"
    return "a ring is not closed: its first and last points differ"


def _with_bad_rings(path: Path, chosen: str | None, encoding: str | None) -> RawLayer:
    """Read a layer where some polygons have rings GEOS cannot build.

    A layer where some polygons have rings GEOS cannot build (not closed, under 4 points):
    those rows get no geometry and the reason; the others are read as usual.
    """
    import pyogrio

    kwargs = {"encoding": encoding} if encoding else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's own "non closed ring" note
        meta, _, wkb, _ = pyogrio.raw.read(path, layer=chosen, columns=[], **kwargs)
        table = pyogrio.read_dataframe(path, layer=chosen, read_geometry=False, **kwargs)
        geoms = shapely.from_wkb(wkb, on_invalid="ignore")
        bad = np.flatnonzero(pd.isna(geoms) & pd.notna(wkb))
        fixed = shapely.from_wkb(wkb[bad], on_invalid="fix")
    notes = {int(pos): ("geometry", _ring_reason(f)) for pos, f in zip(bad, fixed, strict=True)}
    gdf = gpd.GeoDataFrame(table.reset_index(drop=True), geometry=geoms, crs=meta["crs"])
    raw = _finished(path, chosen, gdf, encoding)
    raw.notes.update(notes)
    return raw


def _finished(path: Path, chosen: str | None, gdf: Any, encoding: str | None) -> RawLayer:
    if not isinstance(gdf, gpd.GeoDataFrame):  # an attribute table: no geometry column at all
        table = gpd.GeoDataFrame(gdf.reset_index(drop=True), geometry=[None] * len(gdf))
        return RawLayer(table, path, chosen, None, has_geometry=False)
    gdf = gdf.reset_index(drop=True)
    notes = [None if encoding else code_page_note(path, gdf), large_file_note(path), heights_note(gdf)]
    notes.append(_nul_repaired(path, gdf))
    return RawLayer(gdf, path, chosen, gdf.crs, warnings=[n for n in notes if n])


def shapefile_hint(path: object, name: str, columns: list[str]) -> str:
    """Return, for a shapefile, why a long column name is missing.

    For a shapefile, why a long column name is missing: the .dbf keeps 10 characters of each
    name (two that start alike become NAME_1, NAME_2...), with the likely column.
    """
    if str(path).lower().rsplit(".", 1)[-1] not in ("shp", "dbf", "zip") or len(name) <= 10:
        return ""
    likely = [c for c in columns if c == name[:10]] or difflib.get_close_matches(name[:10], columns, n=1, cutoff=0.7)
    hint = f"; {name!r} is likely {likely[0]!r}" if likely else ""
    return (
        f" (a shapefile keeps only 10 characters of a column name, and names that start alike become "
        f"NAME_1, NAME_2...{hint}: name the column as the file spells it)"
    )


def heights_note(gdf: gpd.GeoDataFrame) -> str | None:
    """A note when geometries carry heights (Z) or measures (M): scmap works on the map plane."""
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    z, m = int(shapely.has_z(geoms).sum()), int(shapely.has_m(geoms).sum())
    if not z and not m:
        return None
    what = " and ".join(w for w, n in (("heights (Z)", z), ("measures (M)", m)) if n)
    return (
        f"{max(z, m)} of {len(geoms)} geometries carry {what}: scmap measures areas, distances and "
        "overlaps on the map plane, and what it computes (service areas, cells, hotspots) has no Z or M"
    )


def _holds(path: Path, needle: bytes) -> bool:
    """Whether the file holds *needle*, searched without reading it into memory."""
    import mmap

    if path.stat().st_size == 0:
        return False
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as view:
        return view.find(needle) >= 0


def _nul_repaired(path: Path, gdf: gpd.GeoDataFrame) -> str | None:
    r"""Read again whole the GeoJSON text values that hold a NUL character.

    GDAL reads a GeoJSON text value only up to a NUL character (\u0000): such values are read
    again whole from the file, with the NUL left out, and a note names them.
    """
    if path.suffix.lower() not in (".geojson", ".json") or not _holds(path, b"\\u0000"):
        return None
    features = json.loads(path.read_text(encoding="utf-8")).get("features") or []
    if len(features) != len(gdf):
        return None
    fixed = []
    for pos, feature in enumerate(features):
        for key, value in (feature.get("properties") or {}).items():
            if isinstance(value, str) and "\x00" in value and key in gdf.columns:
                gdf.at[pos, key] = value.replace("\x00", "")
                fixed.append(f"row {pos + 1} {key}")
    shown = ", ".join(fixed[:5]) + (f" and {len(fixed) - 5} more" if len(fixed) > 5 else "")
    return (
        f"{len(fixed)} text values held a NUL character, left out so the text is read whole ({shown})"
        if fixed
        else None
    )


# ---------------------------------------------------------------------------------------- CSV


def _decode(path: Path, encoding: str | None) -> str:
    data = path.read_bytes()
    if encoding:
        try:
            return data.decode(encoding)
        except LookupError:
            raise InputError(f"{path}: encoding: {encoding!r} is not a text encoding (e.g. utf-8, cp1252)") from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            guess = guess_encoding(data)
            raise InputError(
                f"{path}: line {line}: not {encoding} text (byte 0x{data[exc.start]:02x})"
                + (f"; it reads as {guess}: set encoding: {guess} on this source" if guess else "")
                + " (or remove encoding: to let scmap guess)"
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    chosen = _other_script(data) or "cp1252"
    shown = {"cp1252": "Windows-1252 (cp1252)"}.get(chosen, f"{chosen}, the code page its letters fit")
    warnings.warn(
        f"{path}: not UTF-8, read as {shown}; set encoding: on this source if letters look wrong",
        ScmapWarning,
        stacklevel=3,
    )
    return data.decode(chosen, errors="replace")


_NON_LATIN = {"cp1251": "Cyrillic", "cp866": "Cyrillic", "koi8_r": "Cyrillic", "cp1253": "Greek"}
_MIXED_WORD = re.compile(r"(?=\w*[A-Za-z])(?=\w*[^\W\d_A-Za-z\u00c0-\u024f])\w+")


def _other_script(data: bytes) -> str | None:
    """Return a Cyrillic or Greek code page when the bytes read as one, else None.

    A Cyrillic or Greek code page when the bytes read as one and its words do not mix Latin
    letters with that script's (as Latin text read in the wrong code page would); else None.
    """
    guess = guess_encoding(data[:1_000_000])
    if guess not in _NON_LATIN:
        return None
    text = data[:1_000_000].decode(guess, errors="replace")
    words = re.findall(r"[^\W\d_]{2,}", text)
    mixed = len(_MIXED_WORD.findall(text))
    return guess if words and mixed <= 0.02 * len(words) else None


def _pick(columns: list[str], wanted: tuple[str, ...]) -> str | None:
    lowered = {c.strip().lower(): c for c in columns}
    for name in wanted:
        if name in lowered:
            return lowered[name]
    return None


_NUM = re.compile(r"^\s*[-+]?\d+(,\d+)?\s*$")


def _to_number(values: pd.Series) -> pd.Series:
    """Coordinates as floats; accepts decimal commas ('41,38'); NaN where not a number."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype(float)  # a column the CSV reader found numeric throughout
    text = values.astype("string").str.strip()
    comma = text.str.match(_NUM.pattern, na=False)
    text = text.where(~comma, text.str.replace(",", ".", regex=False))
    return pd.to_numeric(text, errors="coerce")


_N_DOT = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_N_ANY = r"[-+]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][-+]?\d+)?"
_PAIRS = (
    re.compile(rf"^\s*[\[(]?\s*({_N_DOT})\s*,\s*({_N_DOT})\s*[\])]?\s*$"),
    re.compile(rf"^\s*[\[(]?\s*({_N_ANY})\s*(?:;|\s)\s*({_N_ANY})\s*[\])]?\s*$"),
)
"""One cell holding two coordinates: '43.45,28.55', '[2.79, 48.84]', '43,45;28,55', '43.4 28.5'."""

Order = Literal["lon,lat", "lat,lon"]


def split_pair(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The first and second number of each cell as text (missing where the cell is not a pair)."""
    text = values.astype("string").fillna("")
    first = pd.Series(pd.NA, index=values.index, dtype="string")
    second = first.copy()
    for pattern in _PAIRS:
        todo = first.isna()
        if not todo.any():
            break
        parts = text[todo].str.extract(pattern)
        first[todo], second[todo] = parts[0], parts[1]
    return first, second


@dataclass(frozen=True)
class CsvGeometry:
    """How a CSV holds its geometry: lon/lat columns, one column with both, or WKT."""

    lon: str | None = None
    lat: str | None = None
    wkt: str | None = None
    coordinates: str | None = None
    order: Order = "lon,lat"


_NO_COLUMNS = (
    "name them in the project (lon: COLUMN and lat: COLUMN; coordinates: COLUMN for one column "
    "holding both, with coordinate_order: lat,lon when latitude comes first; or wkt: COLUMN), "
    "and look at the file with scmap info FILE --lon/--lat, --coordinates or --wkt"
)


def _guess_geometry(columns: list[str]) -> CsvGeometry:
    lon, lat = _pick(columns, LON_NAMES), _pick(columns, LAT_NAMES)
    if lon is not None and lat is not None:
        return CsvGeometry(lon=lon, lat=lat)
    wkt = _pick(columns, WKT_NAMES)
    return CsvGeometry(wkt=wkt) if wkt else CsvGeometry(coordinates=_pick(columns, PAIR_NAMES))


def _same_column(path: Path, df: pd.DataFrame, column: str) -> InputError:
    sample = next((str(v) for v in df[column] if str(v).strip()), "") if column in df.columns else ""
    shown = f", holding values like {sample!r}" if sample else ""
    return InputError(
        f"{path}: lat: and lon: both name the column {column!r}{shown}; for one column holding both "
        f"coordinates write coordinates: {column} (add coordinate_order: lat,lon when latitude comes first)"
    )


def _read_csv(path: Path, geometry: CsvGeometry, encoding: str | None) -> RawLayer:
    df = csv_table(path, encoding)
    columns = [str(c) for c in df.columns]
    g = geometry
    if not (g.lon or g.lat or g.wkt or g.coordinates):
        g = replace(_guess_geometry(columns), order=g.order)
    twice = df.attrs.get("repeated_columns", [])
    raw = _csv_layer(path, df, columns, g)
    if twice:
        raw.warnings.append(
            "the header names " + ", ".join(f"{n!r} twice (the second is read as '{n}.1')" for n in twice)
        )
    return raw


def _csv_layer(path: Path, df: pd.DataFrame, columns: list[str], g: CsvGeometry) -> RawLayer:
    twice = df.attrs.get("repeated_columns", [])
    used = next((n for n in (g.lon, g.lat, g.wkt, g.coordinates) if n is not None and n in twice), None)
    if used is not None:
        raise InputError(
            f"{path}: the header names the column {used!r} twice, so scmap cannot tell which one holds the "
            "coordinates: rename or remove one of them"
        )
    if g.lon is not None and g.lon == g.lat:
        raise _same_column(path, df, g.lon)
    for name in (g.lon, g.lat, g.wkt, g.coordinates):
        if name is not None and name not in columns:
            raise InputError(f"{path}: no column {name!r}; columns: {', '.join(columns)}")
    if g.wkt is not None:
        return _wkt_layer(path, df, g.wkt)
    if g.coordinates is not None:
        first, second = split_pair(df[g.coordinates])
        x, y = (first, second) if g.order == "lon,lat" else (second, first)
        return _point_layer(path, df, x, y, (g.coordinates, g.coordinates))
    if g.lon is None or g.lat is None:
        raise InputError(f"{path}: no coordinate columns found among {', '.join(columns)}; {_NO_COLUMNS}")
    return _point_layer(path, df, df[g.lon], df[g.lat], (g.lon, g.lat))


def csv_table(path: Path, encoding: str | None) -> pd.DataFrame:
    text = _decode(path, encoding)
    try:
        delimiter = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    try:
        df = pd.read_csv(_io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise UnreadableFileError(f"{path}: cannot be read as CSV: {_gdal_reason(exc)}") from None
    header = next(csv.reader(_io.StringIO(text.split("\n", 1)[0]), delimiter=delimiter), [])
    twice = sorted({name.strip() for name in header if [h.strip() for h in header].count(name.strip()) > 1})
    out = df.apply(_infer_column)
    out.attrs["repeated_columns"] = twice  # pandas reads the second as NAME.1
    return out


def _wkt_layer(path: Path, df: pd.DataFrame, wkt: str) -> RawLayer:
    raw = df[wkt].astype("string").fillna("")
    geoms = shapely.from_wkt(raw.to_numpy(dtype=object), on_invalid="ignore")
    notes: dict[int, tuple[str, str]] = {}
    for pos in np.flatnonzero(pd.isna(geoms)):
        notes[int(pos)] = (wkt, "empty WKT" if not raw.iloc[pos].strip() else "WKT that cannot be parsed")
    gdf = gpd.GeoDataFrame(df.drop(columns=[wkt]), geometry=geoms, crs=None)
    return RawLayer(gdf, path, path.stem, None, notes)


def _point_layer(path: Path, df: pd.DataFrame, lon: pd.Series, lat: pd.Series, fields: tuple[str, str]) -> RawLayer:
    """Points from longitude and latitude values (text or numbers), in WGS84 degrees by definition."""
    x, y = _to_number(lon), _to_number(lat)
    notes: dict[int, tuple[str, str]] = {}
    for pos in np.flatnonzero(x.isna().to_numpy() | y.isna().to_numpy()):
        field_name = fields[0] if pd.isna(x.iloc[pos]) else fields[1]
        value = df[field_name].iloc[pos]
        missing = value is None or value is pd.NA or (isinstance(value, str) and not value.strip())
        what = "a pair of numbers" if fields[0] == fields[1] else "a number"
        notes[int(pos)] = (field_name, "missing coordinate" if missing else f"coordinate {value!r} is not {what}")
    ok = ~(x.isna() | y.isna()).to_numpy()
    geoms = np.full(len(df), None, dtype=object)
    geoms[ok] = shapely.points(x.to_numpy()[ok], y.to_numpy()[ok])
    gdf = gpd.GeoDataFrame(df, geometry=geoms, crs="EPSG:4326")
    return RawLayer(gdf, path, path.stem, CRS.from_epsg(4326), notes)


def _infer_column(values: pd.Series) -> pd.Series:
    """Numbers where a whole column is numeric (blank cells allowed), text otherwise."""
    stripped = values.str.strip()
    blank = stripped.eq("")
    numbers = pd.to_numeric(stripped.where(~blank), errors="coerce")
    if (numbers.notna() | blank).all() and numbers.notna().any():
        return numbers
    return values
