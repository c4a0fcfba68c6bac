"""Caps that protect a run from inputs that would take hours or all the memory.

Each cap is checked before the work starts, with the estimate and how to change it. Caps on work
a project asks for (units, sensitivity runs, pairs, vertices) can be raised in the project's
``limits:`` section; caps on sizes of what is read (zip archives) are keyword arguments of the
readers.
"""

from __future__ import annotations

import os
from collections.abc import Callable

__all__ = [
    "LARGE_GEOMETRY_VERTICES",
    "MAX_DISTANCE_M",
    "MAX_PAIRS",
    "MAX_SENSITIVITY_CELLS",
    "MAX_UNITS",
    "MAX_UNZIPPED_BYTES",
    "MAX_VERTICES",
    "MAX_ZIP_RATIO",
    "PAIR_BYTES",
    "available_memory",
    "pairs_problem",
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
MAX_PAIRS: int | None = None
"""Most candidate pairs of overlapping service areas one overlap analysis handles: by default as
many as fit in half of this machine's available memory (see :func:`pairs_problem`)."""
PAIR_BYTES = 150
"""Peak memory per candidate pair in the overlap (measured: 10.9 million pairs, 1.6 GB)."""
PAIR_SECONDS = 1.5e-6
"""Time per candidate pair on one core (measured: 10.9 million pairs, 16.5 s)."""
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


def available_memory() -> int:
    """Return the bytes of memory this machine can give a run now.

    Bytes of memory this machine can give a run now (MemAvailable on Linux; else the physical
    memory; 8 GB when neither is known).
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 8 * 1024**3


def _pairs_fix(source: Callable[[], str] | None) -> str:
    """What to change for fewer pairs, after what *source* says gives most of them."""
    fix = "use smaller radii (overlap.radius_m) or fewer solutions per run"
    return f"{source()}; {fix}" if source is not None else fix


def pairs_problem(
    candidates: int, limit: int | None, *, available: int | None = None, source: Callable[[], str] | None = None
) -> str | None:
    """Return why *candidates* pairs are refused, or None.

    Why *candidates* pairs are refused, or None: with a *limit* (``limits.max_pairs``) past it;
    without one when their estimated memory is more than half of what this machine has. A refusal
    starts its advice with what *source* says (which solutions give most of the pairs).
    """
    if limit is not None:
        if candidates <= limit:
            return None
        return too_many(
            "overlap: the service areas", candidates, limit, "max_pairs", _pairs_fix(source),
            unit=" candidate pairs that may overlap", verb="give",
        )  # fmt: skip
    need, seconds = candidates * PAIR_BYTES, candidates * PAIR_SECONDS
    free = available_memory() if available is None else available
    if need <= free / 2:
        return None
    fix = _pairs_fix(source)
    return (
        f"overlap: the service areas give about {candidates:,} candidate pairs that may overlap, an estimated "
        f"{need / 1e9:,.1f} GB of memory and {seconds / 60:,.0f} minutes, more than half of the {free / 1e9:,.1f} GB "
        f"this machine has available: {fix}, or set limits.max_pairs to run it anyway"
    )
