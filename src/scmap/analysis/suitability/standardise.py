"""Standardisation of raw criterion values to [0, 1] (1 = most suitable).

Examples
--------
>>> import numpy as np
>>> fuzzy_linear(np.array([100.0, 300, 900, 1500, 2000]), 300, 1500).tolist()
[1.0, 1.0, 0.5, 0.0, 0.0]
>>> minmax(np.array([2.0, 4, 6]), better="lower").tolist()
[1.0, 0.5, 0.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["categorical", "fuzzy_linear", "minmax", "sigmoid", "thresholds"]


def minmax(
    values: np.ndarray,
    *,
    better: Literal["higher", "lower"] = "higher",
    bounds: tuple[float, float] | None = None,
) -> np.ndarray:
    """Scale values to 0-1 by their minimum and maximum.

    (v - min) / (max - min) over the finite values (reversed when lower is better); *bounds*
    gives min and max from elsewhere (e.g. over the units of every city of a network).

    When every value is the same the criterion cannot tell units apart: all get 1.
    """
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    if bounds is None and not finite.any():
        return np.full_like(v, np.nan)
    lo, hi = bounds if bounds is not None else (np.min(v[finite]), np.max(v[finite]))
    if hi == lo:
        return np.where(finite, 1.0, np.nan)
    x = (v - lo) / (hi - lo)
    return 1.0 - x if better == "lower" else x


def fuzzy_linear(values: np.ndarray, full: float, zero: float) -> np.ndarray:
    """Linear membership: 1 at *full* (and beyond it), 0 at *zero* (and beyond), linear between."""
    v = np.asarray(values, dtype=float)
    return np.clip((v - zero) / (full - zero), 0.0, 1.0) + 0.0  # + 0.0 turns -0.0 into 0.0


def sigmoid(values: np.ndarray, mid: float, scale: float) -> np.ndarray:
    """Logistic curve: 0.5 at *mid*; *scale* > 0 rises with the value, < 0 falls."""
    v = np.asarray(values, dtype=float)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-(v - mid) / scale))


def categorical(values: pd.Series, mapping: Mapping[str, float], default: float = 0.0) -> np.ndarray:
    """A score per category (text compared as text); unknown categories get *default*."""
    text = values.astype("string").str.strip()
    out = text.map(dict(mapping)).astype(float)
    out = out.where(text.isna() | out.notna(), default)
    return out.to_numpy(dtype=float)


def thresholds(values: np.ndarray, breaks: Sequence[float], scores: Sequence[float]) -> np.ndarray:
    """Step function: scores[0] below breaks[0], scores[i] from breaks[i-1] (inclusive) up."""
    v = np.asarray(values, dtype=float)
    idx = np.searchsorted(np.asarray(breaks, dtype=float), v, side="right")
    out = np.asarray(scores, dtype=float)[idx]
    return np.where(np.isfinite(v), out, np.nan)
