"""Caps that protect a run from inputs that would take hours or all the memory.

Each cap is checked before the work starts, with the estimate and how to change it. Caps on work
a project asks for (units, sensitivity runs, pairs, vertices) can be raised in the project's
``limits:`` section; caps on sizes of what is read (zip archives) are keyword arguments of the
readers.
"""

from __future__ import annotations

__all__ = [
    "LARGE_GEOMETRY_VERTICES",
    "MAX_DISTANCE_M",
    "MAX_PAIRS",
    "MAX_SENSITIVITY_CELLS",
    "MAX_UNITS",
    "MAX_UNZIPPED_BYTES",
    "MAX_VERTICES",
    "MAX_ZIP_RATIO",
    "too_many",
]

MAX_DISTANCE_M = 100_000.0
"""Longest radius, grid cell or rule distance accepted (metres): beyond a city region's size."""
MAX_UNZIPPED_BYTES = 2_000_000_000
"""Largest total size of a zip archive's members that is opened (bytes)."""
MAX_ZIP_RATIO = 200.0
"""Largest ratio of unpacked to packed size of a zip archive that is opened (a zip bomb's is ~1000)."""
MAX_UNITS = 500_000
"""Most analysis units (grid or H3 cells, also the Getis-Ord grid) a run creates."""
MAX_SENSITIVITY_CELLS = 50_000_000
"""Most Monte Carlo scores (runs x units) one sensitivity analysis computes (~0.4 GB per copy)."""
MAX_PAIRS = 5_000_000
"""Most candidate pairs of overlapping service areas one overlap analysis handles."""
MAX_VERTICES = 20_000_000
"""Most vertices one input layer may have."""
LARGE_GEOMETRY_VERTICES = 100_000
"""A single geometry with more vertices than this is noted (the map shows it simplified)."""


def too_many(
    what: str, estimate: float, limit: float, key: str, fix: str, *, unit: str = "", verb: str = "gives"
) -> str:
    """The message of a cap: what, the estimate, the limit, the project key and the fix."""
    return (
        f"{what} {verb} about {estimate:,.0f}{unit} (limit {limit:,.0f}, limits.{key} in the project): {fix}, "
        f"or raise limits.{key} if this machine has the memory and time"
    )
