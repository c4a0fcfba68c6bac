"""Coordinate reference systems: the analysis CRS and plausibility of coordinates.

Analysis runs in one metric CRS: the local UTM zone of the districts (``crs: auto``) or the
project's ``EPSG:nnnn``. Only map export reprojects to EPSG:4326 by itself.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from scmap.errors import InputError, ScmapWarning

__all__ = ["MAX_UTM_SPAN_DEG", "analysis_crs", "lon_extent", "outside_area_of_use", "parse_crs"]

AREA_MARGIN_DEG = 3.0
"""Degrees of slack around a CRS's area of use before coordinates count as misplaced."""


def parse_crs(value: str | int | CRS, *, where: str) -> CRS:
    """A pyproj CRS from user text ("EPSG:25830", 4326, a WKT...), or an error naming *where*."""
    try:
        return CRS.from_user_input(value)
    except CRSError:
        raise InputError(
            f"{where}: {value!r} is not a coordinate reference system (write it as EPSG:nnnn, e.g. EPSG:4326)"
        ) from None


def analysis_crs(districts: gpd.GeoDataFrame, crs: str = "auto") -> CRS:
    """The metric CRS the analysis runs in.

    Parameters
    ----------
        districts
            District polygons with a CRS.
        crs
            ``"auto"`` for the local UTM zone of the districts, else any CRS text; a geographic
            (degree) CRS is refused because areas and distances need metres.

    Examples
    --------
        >>> import warnings

    import geopandas as gpd
        >>> from shapely import box
        >>> d = gpd.GeoDataFrame(geometry=[box(23.2, 42.6, 23.4, 42.8)], crs="EPSG:4326")
        >>> analysis_crs(d).to_epsg()
        32634
    """
    if crs != "auto":
        chosen = parse_crs(crs, where="project key crs")
        if not chosen.is_projected:
            raise InputError(
                f"project key crs: {crs} is in degrees; analysis needs a metric CRS "
                "(use auto for the local UTM zone, or a projected EPSG code)"
            )
        return chosen
    lonlat = districts.to_crs(4326)
    span, centre_lon, crosses = lon_extent(np.asarray(lonlat.geometry.array, dtype=object))
    if crosses or span > MAX_UTM_SPAN_DEG:
        return _equal_area(lonlat, span, centre_lon, crosses)
    estimated = lonlat.estimate_utm_crs()
    if estimated is None:  # pragma: no cover - pyproj always finds a zone for valid lon/lat
        raise InputError("cannot choose a UTM zone for the districts; set crs: EPSG:nnnn")
    return estimated


def lon_extent(geoms: np.ndarray) -> tuple[float, float, bool]:
    """Return the smallest arc of longitudes that holds *geoms*.

    (span in degrees, centre longitude, crosses the antimeridian) of the smallest arc of
    longitudes that holds every part of *geoms* (lon/lat).

    Examples
    --------
    >>> from shapely import box
    >>> lon_extent(np.array([box(179.5, -17, 180, -16), box(-180, -17, -179.4, -16)]))
    (1.1, -179.95, True)
    """
    bounds = shapely.bounds(shapely.get_parts(geoms))
    bounds = bounds[np.isfinite(bounds).all(axis=1)]
    if not len(bounds):
        return 0.0, 0.0, False
    n = int(360 / _LON_BIN)
    west = np.floor(np.round((bounds[:, 0] + 180) / _LON_BIN, 6)).astype(int).clip(0, n - 1)
    east = np.ceil(np.round((bounds[:, 2] + 180) / _LON_BIN, 6)).astype(int).clip(1, n)
    east = np.maximum(east, west + 1)
    marks = np.zeros(n + 1, dtype=int)
    np.add.at(marks, west, 1)
    np.add.at(marks, east, -1)
    covered = np.cumsum(marks[:-1]) > 0
    if covered.all():
        return 360.0, 0.0, True
    # the longest circular run of uncovered bins is the gap; the arc is the rest
    free = np.concatenate([~covered, ~covered]).astype(int)
    edges = np.diff(np.concatenate([[0], free, [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    longest = int(np.argmax(np.minimum(stops - starts, n)))
    gap = min(int(stops[longest] - starts[longest]), n)
    arc_start = int(stops[longest]) % n
    arc = n - gap
    start_lon = arc_start * _LON_BIN - 180.0
    centre = (start_lon + arc * _LON_BIN / 2 + 180.0) % 360.0 - 180.0
    return round(arc * _LON_BIN, 6), round(float(centre), 6), arc_start + arc > n


_LON_BIN = 0.1
"""Resolution (degrees) at which the longitudes covered by districts are measured."""


MAX_UTM_SPAN_DEG = 6.0
"""Widest span of longitudes analysed in one UTM zone (a zone is 6 degrees wide)."""


def _equal_area(lonlat: gpd.GeoDataFrame, span: float, centre_lon: float, crosses: bool) -> CRS:
    """Lambert azimuthal equal-area around the districts' centre, with a warning that says why."""
    lats = shapely.bounds(np.asarray(lonlat.geometry.array, dtype=object))[:, [1, 3]]
    centre_lat = float(np.nanmean(lats))
    proj = f"+proj=laea +lat_0={centre_lat:.4f} +lon_0={centre_lon:.4f} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    crs = CRS.from_proj4(proj)
    why = "cross the antimeridian (180°)" if crosses else f"span {span:.1f}° of longitude (a UTM zone is 6°)"
    warnings.warn(
        f"the districts {why}: one UTM zone would distort areas, so the analysis uses a Lambert azimuthal "
        f"equal-area projection centred on them ({proj}); set crs: to a projected CRS made for "
        "the region to choose yourself"
        + ("" if crosses or span < 30 else "; districts this far apart may come from the wrong file"),
        ScmapWarning,
        stacklevel=3,
    )
    return crs


def outside_area_of_use(geoms: np.ndarray, crs: CRS) -> np.ndarray:
    """Boolean mask of geometries whose coordinates cannot be right for *crs*.

    A geometry is flagged when its bounds fall outside the CRS's area of use (widened by
    ``AREA_MARGIN_DEG``), when latitudes pass +/-90, or when it does not transform. This catches
    swapped axes (lat, lon) and wrong CRS labels (metres labelled as degrees and vice versa).
    """
    bounds = shapely.bounds(geoms)  # minx, miny, maxx, maxy; NaN for empty/None
    present = ~np.isnan(bounds).any(axis=1)
    bad = np.zeros(len(geoms), dtype=bool)
    if not present.any():
        return bad
    b = bounds[present]
    if crs.is_geographic:
        lon_bad = (b[:, 0] < -360) | (b[:, 2] > 360)
        lat_bad = (b[:, 1] < -90) | (b[:, 3] > 90)
        sub = lon_bad | lat_bad
        lon_min, lat_min, lon_max, lat_max = b[:, 0], b[:, 1], b[:, 2], b[:, 3]
    else:
        to_ll = Transformer.from_crs(crs, 4326, always_xy=True)
        corners_x = np.concatenate([b[:, 0], b[:, 2], b[:, 0], b[:, 2]])
        corners_y = np.concatenate([b[:, 1], b[:, 1], b[:, 3], b[:, 3]])
        with np.errstate(invalid="ignore"):
            lon, lat = to_ll.transform(corners_x, corners_y, errcheck=False)
        lon = np.asarray(lon).reshape(4, -1)
        lat = np.asarray(lat).reshape(4, -1)
        finite = np.isfinite(lon) & np.isfinite(lat)
        sub = ~finite.all(axis=0)
        lon, lat = np.where(finite, lon, 0.0), np.where(finite, lat, 0.0)  # flagged above
        lon_min, lon_max = lon.min(axis=0), lon.max(axis=0)
        lat_min, lat_max = lat.min(axis=0), lat.max(axis=0)
    area = crs.area_of_use
    if area is not None:
        with np.errstate(invalid="ignore"):
            if area.west <= area.east:  # areas crossing the antimeridian are not checked on lon
                sub |= (lon_min < area.west - AREA_MARGIN_DEG) | (lon_max > area.east + AREA_MARGIN_DEG)
            sub |= (lat_min < area.south - AREA_MARGIN_DEG) | (lat_max > area.north + AREA_MARGIN_DEG)
    bad[np.flatnonzero(present)] = sub
    return bad
