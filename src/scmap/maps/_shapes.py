"""Display geometries as compact integer streams for the map page.

A map of 35 000 districts spends most of its bytes on coordinates written as GeoJSON text
("1.826675," is 9 characters). :class:`Shapes` writes a layer's geometries as two streams of
zigzag LEB128 integers in base64 (the encoding of protocol buffers): ``shape`` holds each
geometry's type and part counts, ``xy`` each coordinate as the difference from the one before
it, in units of ``1 / scale`` degree. Neighbouring vertices differ by a few units, so a
coordinate takes 2 to 4 characters instead of 9 to 11. The page decodes both streams back to
the same GeoJSON geometries (``decodeShapes`` in ``js/10_text.js``), to the same decimals.

>>> import shapely
>>> shapes = Shapes(np.array([shapely.box(23.3, 42.6, 23.31, 42.61)], dtype=object), digits=6)
>>> decode(shapes.encoded())[0]["coordinates"][0][:2]
[[23.31, 42.6], [23.31, 42.61]]
"""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np
import shapely

__all__ = ["Geoms", "Shapes", "decode", "point_stream", "varints"]

_TYPES = ["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon", "Point"]
"""Codes 1.. of the ``shape`` stream, GeoJSON's names (0: a missing geometry, 7: an empty point)."""
_CODE = {0: 1, 1: 2, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6}
"""Shapely's type id to the stream's code (a linear ring is drawn as a line)."""


class Shapes:
    """One layer's display geometries (EPSG:4326, rounded to *digits* decimals), written compactly.

    Compared and counted like the list of geometries it holds; :meth:`encoded` is what the page
    receives. A layer holding a geometry collection is written as GeoJSON texts instead.
    """

    def __init__(self, geoms: np.ndarray, digits: int) -> None:
        self.geoms = geoms
        self.digits = digits

    def __len__(self) -> int:
        return len(self.geoms)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Shapes):
            return NotImplemented
        return self.digits == other.digits and bool(
            np.array_equal(shapely.to_wkb(self.geoms), shapely.to_wkb(other.geoms))
        )

    __hash__ = None  # type: ignore[assignment]

    def encoded(self) -> dict[str, Any] | list[Any]:
        """``{n, scale, shape, xy}`` as the page decodes it (or GeoJSON for collections)."""
        types = shapely.get_type_id(self.geoms)
        if (types == 7).any():
            return [json.loads(t) if t is not None else None for t in shapely.to_geojson(self.geoms)]
        scale = 10**self.digits
        deltas = _deltas(shapely.get_coordinates(self.geoms), scale)
        if len(types) and (types == 3).all() and not shapely.is_empty(self.geoms).any():
            shape = _polygons(self.geoms)  # districts: the common case, without a loop
        else:
            shape = np.concatenate([_structure(g, t) for g, t in zip(self.geoms, types, strict=True)] or [[]])
        return {"n": len(self.geoms), "scale": scale, "shape": _b64(shape), "xy": _b64(deltas)}

    def json(self) -> str:
        """The encoded layer as JSON text (numbers, brackets and base64 only: spliced as is)."""
        return json.dumps(self.encoded(), separators=(",", ":"))


def point_stream(xy: np.ndarray, digits: int) -> dict[str, Any]:
    """``{scale, b64}``: [lon, lat] pairs rounded to *digits* decimals, as differences in one stream."""
    return {"scale": 10**digits, "b64": _b64(_deltas(xy, 10**digits))}


def _deltas(xy: np.ndarray, scale: int) -> np.ndarray:
    """[x, y] pairs in units of ``1 / scale``, each minus the one before (the first minus 0), flat."""
    ints = np.rint(np.asarray(xy, dtype=float).reshape(-1, 2) * scale).astype(np.int64)
    return np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()


def _polygons(geoms: np.ndarray) -> np.ndarray:
    """The ``shape`` stream of non-empty polygons: ``3, rings, vertices of each ring`` each."""
    rings, owner = shapely.get_rings(geoms, return_index=True)
    per = np.bincount(owner, minlength=len(geoms))
    sizes = per + 2
    starts = np.cumsum(sizes) - sizes
    out = np.empty(int(sizes.sum()), dtype=np.int64)
    out[starts], out[starts + 1] = 3, per
    rank = np.arange(len(rings)) - (np.cumsum(per) - per)[owner]
    out[starts[owner] + 2 + rank] = shapely.get_num_coordinates(rings)
    return out


def _structure(geom: Any, type_id: int) -> list[int]:
    """The ``shape`` stream of one geometry: its code, then its parts' and rings' vertex counts."""
    if type_id < 0:
        return [0]
    code = _CODE[type_id]
    if geom.is_empty:  # as shapely writes them: a point with no coordinates, a polygon of one empty ring
        return {1: [7], 3: [3, 1, 0]}.get(code, [code, 0])
    if code == 1:
        return [1]
    if code in (2, 4):
        return [code, int(shapely.get_num_coordinates(geom))]
    if code == 3:
        return [3, *_rings(geom)]
    parts = shapely.get_parts(geom)
    if code == 5:
        return [5, len(parts), *shapely.get_num_coordinates(parts).tolist()]
    return [6, len(parts), *[n for p in parts for n in _rings(p)]]


def _rings(polygon: Any) -> list[int]:
    rings = shapely.get_rings(polygon)
    return [len(rings), *shapely.get_num_coordinates(rings).tolist()]


def _b64(values: np.ndarray | list[int]) -> str:
    """Signed integers as zigzag LEB128 bytes (7 bits a byte, low first), in base64."""
    v = np.asarray(values, dtype=np.int64)
    u = ((v << 1) ^ (v >> 63)).astype(np.uint64)
    sizes = np.ones(len(u), dtype=np.int64)
    for k in range(1, 10):
        sizes += u >= np.uint64(1) << np.uint64(7 * k)
    starts = np.cumsum(sizes) - sizes
    out = np.empty(int(sizes.sum()), dtype=np.uint8)
    for k in range(int(sizes.max(initial=0))):
        more = sizes > k
        byte = (u[more] >> np.uint64(7 * k)) & np.uint64(0x7F)
        out[starts[more] + k] = byte | (np.uint64(0x80) * (sizes[more] > k + 1))
    return base64.b64encode(out.tobytes()).decode("ascii")


def varints(text: str) -> list[int]:
    """The signed integers of a zigzag LEB128 base64 stream (the inverse of the encoding)."""
    out, value, shift = [], 0, 0
    for byte in base64.b64decode(text):
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            out.append(value >> 1 if not value & 1 else -((value + 1) >> 1))
            value, shift = 0, 0
        else:
            shift += 7
    return out


def decode(encoded: dict[str, Any] | list[Any]) -> list[Any]:
    """GeoJSON geometries (dicts) of an encoded layer, as the page reads them back."""
    if isinstance(encoded, list):
        return encoded
    shape, d = iter(varints(encoded["shape"])), varints(encoded["xy"])
    xy = np.cumsum(np.asarray(d, dtype=np.int64).reshape(-1, 2), axis=0) / encoded["scale"]
    points = iter(xy.tolist())

    def line() -> list[Any]:
        return [next(points) for _ in range(next(shape))]

    def rings() -> list[Any]:
        return [line() for _ in range(next(shape))]

    read = {
        1: lambda: next(points),
        2: line,
        3: rings,
        4: line,
        5: rings,
        6: lambda: [rings() for _ in range(next(shape))],
        7: list,
    }
    out: list[Any] = []
    for _ in range(encoded["n"]):
        code = next(shape)
        out.append({"type": _TYPES[code - 1], "coordinates": read[code]()} if code else None)
    return out


Geoms = Shapes | list[str]
"""A layer's display geometries: compact (:class:`Shapes`), or GeoJSON texts (``[]`` for none)."""
