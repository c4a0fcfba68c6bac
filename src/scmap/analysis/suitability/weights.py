"""Criterion weights: direct (normalised), rank-order centroid, AHP pairwise comparisons.

Examples
--------
>>> w, cr = ahp_weights([[1, 3], [1 / 3, 1]])
>>> [round(float(x), 3) for x in w], cr
([0.75, 0.25], 0.0)
>>> [round(float(x), 3) for x in rank_order_weights(3)]
[0.611, 0.278, 0.111]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from scmap.errors import InputError
from scmap.project._weights import RANDOM_INDEX, ahp_weights, weights_problem

__all__ = ["RANDOM_INDEX", "ahp_weights", "direct_weights", "rank_order_weights"]


def direct_weights(weights: Mapping[str, float], order: Sequence[str], *, where: str = "weights") -> np.ndarray:
    """Weights in *order*, normalised to sum 1; negative, NaN or all-zero weights are errors."""
    missing = [c for c in order if c not in weights]
    if missing:
        raise InputError(f"{where}: criteria without a weight: {', '.join(missing)}")
    problem = weights_problem({c: float(weights[c]) for c in order})
    if problem:
        raise InputError(f"{where}: {problem}")
    w = np.array([float(weights[c]) for c in order])
    return w / w.sum()


def rank_order_weights(n: int) -> np.ndarray:
    """Rank-order centroid weights for n criteria ranked from most to least important."""
    return np.array([sum(1.0 / k for k in range(i, n + 1)) / n for i in range(1, n + 1)])
