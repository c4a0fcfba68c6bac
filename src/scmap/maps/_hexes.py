"""Solutions counted per hexagon, for maps of more points than a browser draws one by one.

The hexagons tile Web Mercator (EPSG:3857), the plane Leaflet draws in, pointy side up, in axial
coordinates ``(q, r)``: the page rebuilds each hexagon from its two integers and the size, so a
cell costs a few bytes. A hexagon's centre is ``(size * sqrt(3) * (q + r / 2), size * 1.5 * r)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["HexLayout", "hex_layout"]

TARGET_CELLS = 6000
"""Hexagons over the whole extent (a few thousand stay quick to draw and to read)."""


@dataclass(frozen=True)
class HexLayout:
    size: float
    """Centre-to-corner distance, EPSG:3857 metres."""
    area_km2: float
    """A hexagon's area on the ground at the points' mean latitude."""

    def cells(self, xy: np.ndarray) -> np.ndarray:
        """Axial (q, r) of the hexagon holding each EPSG:3857 point, shape (n, 2)."""
        q = (math.sqrt(3) / 3 * xy[:, 0] - xy[:, 1] / 3) / self.size
        r = (2 / 3 * xy[:, 1]) / self.size
        x, z = q, r
        y = -x - z
        rx, ry, rz = np.round(x), np.round(y), np.round(z)
        dx, dy, dz = np.abs(rx - x), np.abs(ry - y), np.abs(rz - z)
        fix_x = (dx > dy) & (dx > dz)
        fix_z = ~fix_x & (dz >= dy)
        rx = np.where(fix_x, -ry - rz, rx)
        rz = np.where(fix_z, -rx - ry, rz)
        return np.column_stack([rx, rz]).astype(np.int64)


def hex_layout(xy: np.ndarray, lat_deg: float, target: int = TARGET_CELLS) -> HexLayout:
    """Hexagons sized so that about *target* of them tile the points' bounding box (EPSG:3857)."""
    span = np.ptp(xy, axis=0) if len(xy) else np.zeros(2)
    box = max(float(span[0]) * float(span[1]), float(max(span.max(), 1.0)) ** 2 / target)
    size = math.sqrt(box / (target * 1.5 * math.sqrt(3)))
    ground = size * math.cos(math.radians(lat_deg))
    return HexLayout(size, 1.5 * math.sqrt(3) * ground**2 / 1e6)
